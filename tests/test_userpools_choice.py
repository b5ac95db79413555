"""Choice-based sign-in (AuthFlow USER_AUTH, SELECT_CHALLENGE, PREFERRED_CHALLENGE) and passwordless
sign-in codes (EMAIL_OTP, SMS_OTP). Raw moto refuses USER_AUTH as an unknown flow and ALLOW_USER_AUTH as an
unknown ExplicitAuthFlows value, so each test here fails on raw moto. Each test runs on both transports."""

import re

import pytest

from support import error_of

PASSWORD = "Passw0rd!"
EMAIL = "alice@example.com"
PHONE = "+15555550100"
FACTORS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def make_pool(idp, tier=None, factors=FACTORS, phone=False):
    kw = {"UserPoolTier": tier} if tier else {}
    pool = idp.create_user_pool(PoolName="lab", Policies=factors, **kw)["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                         ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
    attrs = [{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}]
    if phone:
        attrs += [{"Name": "phone_number", "Value": PHONE}, {"Name": "phone_number_verified", "Value": "true"}]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS", UserAttributes=attrs)
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    return pool, client["ClientId"]


def user_auth(idp, app, **ap):
    return idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice", **ap})


def answer(idp, app, step, name, **responses):
    return idp.respond_to_auth_challenge(ClientId=app, ChallengeName=name, Session=step["Session"],
                                         ChallengeResponses={"USERNAME": "alice", **responses})


def test_user_auth_offers_what_the_pool_and_the_user_allow(idp):
    pool, app = make_pool(idp)
    step = user_auth(idp, app)
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    # No phone number: no SMS_OTP, although the pool allows it.
    assert step["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    pool2, app2 = make_pool(idp, phone=True, factors={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "SMS_OTP"]}})
    assert user_auth(idp, app2)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "SMS_OTP"]


def test_email_otp_sign_in_through_select_challenge(tsb, idp):
    pool, app = make_pool(idp)
    step = answer(idp, app, user_auth(idp, app), "SELECT_CHALLENGE", ANSWER="EMAIL_OTP")
    assert step["ChallengeName"] == "EMAIL_OTP"
    assert step["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"}
    message = tsb.inbox(EMAIL).latest
    assert re.fullmatch(r"\d{8}", message.code) and message.code in message.body
    tokens = answer(idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=message.code)["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    # Single use: the next sign-in's code replaces it, and the old one no longer works.
    step = user_auth(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert error_of(answer, idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=message.code).code == "CodeMismatchException"


def test_preferred_challenge_skips_the_choice(tsb, idp):
    pool, app = make_pool(idp)
    step = user_auth(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert step["ChallengeName"] == "EMAIL_OTP"
    signed_in = user_auth(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in signed_in["AuthenticationResult"]
    assert error_of(user_auth, idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD="wrong") == (
        "NotAuthorizedException", "Incorrect username or password.")
    # A preferred challenge the user cannot use (no phone): the choice instead.
    assert user_auth(idp, app, PREFERRED_CHALLENGE="SMS_OTP")["ChallengeName"] == "SELECT_CHALLENGE"


def test_a_wrong_code_may_be_retyped_until_the_attempt_limit(tsb, idp):
    pool, app = make_pool(idp)
    step = user_auth(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    code = tsb.inbox(EMAIL).latest.code
    wrong = "00000000" if code != "00000000" else "11111111"
    assert error_of(answer, idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=wrong) == (
        "CodeMismatchException", "Invalid code or auth state for the user.")
    assert "AuthenticationResult" in answer(idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=code)
    step = user_auth(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    code = tsb.inbox(EMAIL).latest.code
    for _ in range(5):
        error_of(answer, idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=wrong)
    assert error_of(answer, idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=code).code == "LimitExceededException"


def test_a_code_expires_with_its_session(tsb, idp):
    pool, app = make_pool(idp)
    step = user_auth(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    tsb.advance(181)
    assert error_of(answer, idp, app, step, "EMAIL_OTP", EMAIL_OTP_CODE=tsb.inbox(EMAIL).latest.code) == (
        "NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_sms_otp_goes_to_the_verified_phone(tsb, idp):
    pool, app = make_pool(idp, phone=True)
    step = answer(idp, app, user_auth(idp, app), "SELECT_CHALLENGE", ANSWER="SMS_OTP")
    assert step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    code = tsb.inbox(PHONE).latest.code
    assert len(code) == 8
    assert "AuthenticationResult" in answer(idp, app, step, "SMS_OTP", SMS_OTP_CODE=code)


def test_select_challenge_answers(idp):
    pool, app = make_pool(idp)
    step = user_auth(idp, app)
    assert error_of(answer, idp, app, step, "SELECT_CHALLENGE", ANSWER="SMS_OTP").code == "InvalidParameterException"
    tokens = answer(idp, app, step, "SELECT_CHALLENGE", ANSWER="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_user_auth_needs_the_client_flow_and_the_plan(idp):
    pool, app = make_pool(idp)
    other = idp.create_user_pool_client(UserPoolId=pool, ClientName="old", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    assert error_of(idp.initiate_auth, ClientId=other["UserPoolClient"]["ClientId"], AuthFlow="USER_AUTH",
                    AuthParameters={"USERNAME": "alice"}) == ("InvalidParameterException", "USER_AUTH flow not enabled for this client")
    lite, lite_app = make_pool(idp, tier="LITE", factors={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    assert error_of(user_auth, idp, lite_app).code == "FeatureUnavailableInTierException"


def test_get_user_auth_factors(idp):
    pool, app = make_pool(idp, phone=True)
    tokens = user_auth(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]
    factors = idp.get_user_auth_factors(AccessToken=tokens["AccessToken"])
    assert factors["Username"] == "alice" and factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
    admin = idp.admin_get_user_auth_factors(UserPoolId=pool, Username="alice")
    assert admin["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
    assert error_of(idp.admin_get_user_auth_factors, UserPoolId=pool, Username="bob").code == "UserNotFoundException"
