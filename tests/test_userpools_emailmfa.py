"""Email MFA: SetUserPoolMfaConfig(EmailMfaConfiguration), EmailMfaSettings, and the EMAIL_OTP challenge after
a password; and signing up without a password where AWS allows it. Raw moto ignores EmailMfaConfiguration and
EmailMfaSettings and never asks for an email code; each test runs on both transports."""

import re

import pytest

from support import error_of

PASSWORD = "Passw0rd!"
EMAIL = "alice@example.com"
SES = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"}
EMAIL_MFA = {"Subject": "Your sign-in code", "Message": "Your code is {####}. It expires in 3 minutes."}


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def make_pool(idp, tier=None, email_config=SES, mfa=True):
    kw = {"UserPoolTier": tier} if tier else {}
    if email_config:
        kw["EmailConfiguration"] = email_config
    pool = idp.create_user_pool(PoolName="lab", **kw)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    if mfa:
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
        idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice",
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    return pool, app["UserPoolClient"]["ClientId"]


def sign_in(idp, app, password=PASSWORD):
    return idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": password})


def answer(idp, app, step, code):
    return idp.respond_to_auth_challenge(ClientId=app, ChallengeName="EMAIL_OTP", Session=step["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "EMAIL_OTP_CODE": code})


def test_pool_mfa_config_round_trips_with_email(idp):
    pool, _ = make_pool(idp)
    config = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["EmailMfaConfiguration"] == EMAIL_MFA
    assert "SmsMfaConfiguration" not in config
    # UpdateUserPool does not take EmailMfaConfiguration, so it does not lose it.
    idp.update_user_pool(UserPoolId=pool, EmailConfiguration=SES, MfaConfiguration="OPTIONAL")
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["EmailMfaConfiguration"] == EMAIL_MFA


def test_email_mfa_after_a_password(tsb, idp):
    pool, app = make_pool(idp)
    assert idp.admin_get_user_auth_factors(UserPoolId=pool, Username="alice")["UserMFASettingList"] == ["EMAIL_OTP"]
    step = sign_in(idp, app)
    assert step["ChallengeName"] == "EMAIL_OTP"
    assert step["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"}
    message = tsb.inbox(EMAIL).latest
    # An MFA code has six digits (the passwordless sign-in codes have eight), in the pool's own template.
    assert re.fullmatch(r"\d{6}", message.code)
    assert message.subject == "Your sign-in code"
    assert message.body == f"Your code is {message.code}. It expires in 3 minutes."
    tokens = answer(idp, app, step, message.code)["AuthenticationResult"]
    user = idp.get_user(AccessToken=tokens["AccessToken"])
    assert user["PreferredMfaSetting"] == "EMAIL_OTP" and user["UserMFASettingList"] == ["EMAIL_OTP"]
    # "When a user completes their first MFA, Amazon Cognito marks their email address ... as verified."
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_wrong_replayed_and_expired_codes(tsb, idp):
    pool, app = make_pool(idp)
    step = sign_in(idp, app)
    code = tsb.inbox(EMAIL).latest.code
    wrong = "000000" if code != "000000" else "111111"
    assert error_of(answer, idp, app, step, wrong) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    answer(idp, app, step, code)  # the same Session may answer again after a mistyped code
    # Replayed: the Session is used up, and a new sign-in's code replaces the old one.
    assert error_of(answer, idp, app, step, code).code == "NotAuthorizedException"
    step = sign_in(idp, app)
    assert error_of(answer, idp, app, step, code).code == "CodeMismatchException"
    # Expired: after the three minutes of the sign-in session.
    step = sign_in(idp, app)
    late = tsb.inbox(EMAIL).latest.code
    tsb.advance(181)
    assert error_of(answer, idp, app, step, late) == ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_attempt_limit(tsb, idp):
    pool, app = make_pool(idp)
    step = sign_in(idp, app)
    code = tsb.inbox(EMAIL).latest.code
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert error_of(answer, idp, app, step, wrong).code == "CodeMismatchException"
    assert error_of(answer, idp, app, step, code).code == "LimitExceededException"


def test_preferred_factor_wins(tsb, idp):
    pool, app = make_pool(idp)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA,
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    access = answer(idp, app, sign_in(idp, app), tsb.inbox(EMAIL).latest.code)["AuthenticationResult"]["AccessToken"]
    import pyotp

    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(tsb.clock.time()))
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert sign_in(idp, app)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert sign_in(idp, app)["ChallengeName"] == "EMAIL_OTP"
    idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": False})
    assert sign_in(idp, app)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_email_mfa_is_not_on_the_lite_plan(idp):
    pool, app = make_pool(idp, tier="LITE", mfa=False)
    err = error_of(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    assert err.code == "FeatureUnavailableInTierException" and err.status == 400
    err = error_of(idp.admin_set_user_mfa_preference, UserPoolId=pool, Username="alice", EmailMfaSettings={"Enabled": True})
    assert err.code == "FeatureUnavailableInTierException"


def test_email_mfa_needs_a_pool_that_sends_with_ses(idp):
    pool, app = make_pool(idp, email_config=None, mfa=False)
    err = error_of(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    assert err.code == "InvalidParameterException" and "DEVELOPER" in err.message
    # What a learner does: send email with SES (DEVELOPER and an SES identity), then configure email MFA.
    idp.update_user_pool(UserPoolId=pool, EmailConfiguration=SES)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)


def test_mfa_config_errors_aws_gives(idp):
    pool, app = make_pool(idp, mfa=False)
    assert error_of(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OFF", EmailMfaConfiguration=EMAIL_MFA) == (
        "InvalidParameterException", "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
    assert error_of(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL") == (
        "InvalidParameterException", "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
    assert error_of(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL",
                    EmailMfaConfiguration={"Message": "no placeholder"}).code == "InvalidParameterException"
    # A user cannot turn on email MFA before the pool has it.
    assert error_of(idp.admin_set_user_mfa_preference, UserPoolId=pool, Username="alice",
                    EmailMfaSettings={"Enabled": True}).code == "InvalidParameterException"


def test_no_email_mfa_while_pool_mfa_is_off(tsb, idp):
    pool, app = make_pool(idp)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    assert "AccessToken" in sign_in(idp, app)["AuthenticationResult"]


# ====================================================================== sign-up without a password
PASSWORDLESS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}


def passwordless_pool(idp, factors=PASSWORDLESS, flows=("ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"), tier=None):
    kw = {"UserPoolTier": tier} if tier else {}
    pool = idp.create_user_pool(PoolName="lab", Policies=factors, AutoVerifiedAttributes=["email"],
                                UsernameAttributes=["email"], **kw)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=list(flows))
    return pool, app["UserPoolClient"]["ClientId"]


def test_sign_up_without_a_password_then_sign_in_with_an_email_code(tsb, idp):
    pool, app = passwordless_pool(idp)
    out = idp.sign_up(ClientId=app, Username=EMAIL, UserAttributes=[{"Name": "email", "Value": EMAIL}])
    assert out["UserConfirmed"] is False and out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.confirm_sign_up(ClientId=app, Username=EMAIL, ConfirmationCode=tsb.inbox(EMAIL).latest.code)
    # No password: USER_AUTH offers the email code only.
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": EMAIL})
    assert step["AvailableChallenges"] == ["EMAIL_OTP"]
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": EMAIL, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    code = tsb.inbox(EMAIL).latest.code
    assert re.fullmatch(r"\d{8}", code)
    tokens = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="EMAIL_OTP", Session=step["Session"],
                                           ChallengeResponses={"USERNAME": EMAIL, "EMAIL_OTP_CODE": code})["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]
    # The user has no password: a preferred PASSWORD is not offered, the choice (email code only) instead.
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH",
                             AuthParameters={"USERNAME": EMAIL, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "x"})
    assert step["ChallengeName"] == "SELECT_CHALLENGE" and step["AvailableChallenges"] == ["EMAIL_OTP"]


def test_a_password_is_required_where_passwordless_is_not_available(idp):
    # Pool without a passwordless factor.
    pool, app = passwordless_pool(idp, factors={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    err = error_of(idp.sign_up, ClientId=app, Username=EMAIL, UserAttributes=[{"Name": "email", "Value": EMAIL}])
    assert err.code == "InvalidPasswordException"
    # Client without ALLOW_USER_AUTH.
    pool, app = passwordless_pool(idp, flows=("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"))
    assert error_of(idp.sign_up, ClientId=app, Username=EMAIL,
                    UserAttributes=[{"Name": "email", "Value": EMAIL}]).code == "InvalidPasswordException"
    # No email to send the code to (the pool signs in by email code only).
    pool = idp.create_user_pool(PoolName="lab", Policies=PASSWORDLESS)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    assert error_of(idp.sign_up, ClientId=app["UserPoolClient"]["ClientId"], Username="bob").code == "InvalidPasswordException"


def test_a_user_with_email_mfa_is_not_offered_passwordless_codes(tsb, idp):
    """MFA and passwordless are not used together for one user: USER_AUTH offers the password, then asks for MFA."""
    pool = idp.create_user_pool(PoolName="lab", EmailConfiguration=SES, Policies=PASSWORDLESS)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    start = {"USERNAME": "alice"}
    assert "EMAIL_OTP" in idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH", AuthParameters=start)["AvailableChallenges"]
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice", EmailMfaSettings={"Enabled": True})
    assert idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH", AuthParameters=start)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH",
                             AuthParameters={**start, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})
    assert step["ChallengeName"] == "EMAIL_OTP" and len(tsb.inbox(EMAIL).latest.code) == 6
    assert "AccessToken" in answer(idp, app, step, tsb.inbox(EMAIL).latest.code)["AuthenticationResult"]
