"""User pools (cognito-idp): sign-up codes, passwords, sign-in flows, app clients, tokens, MFA,
schema, triggers. Each test pins a behaviour that raw moto 5.2.5 gets wrong (see docs/moto-gaps.md)."""

import re

import boto3
import jwt
import pyotp
import pytest
import requests
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

import labkit
import labkit.userpools
from labkit.userpools import srp
from labkit.userpools.clients import secret_hash
from support import error_of

PASSWORD = "Passw0rd!"


@pytest.fixture
def sb(tsb):
    """The test's sandbox, on each transport (in-process, and served over HTTP): an app runs both ways."""
    return tsb


@pytest.fixture
def idp(aws):
    """A cognito-idp client that reaches the sandbox by the test's transport."""
    return aws("cognito-idp")


def make_pool(idp, **kw):
    kw.setdefault("AutoVerifiedAttributes", ["email"])
    return idp.create_user_pool(PoolName="lab", **kw)["UserPool"]["Id"]


def make_client(idp, pool_id, **kw):
    kw.setdefault("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                                        "ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **kw)["UserPoolClient"]


@pytest.fixture
def pool(idp):
    return make_pool(idp)


@pytest.fixture
def app(idp, pool):
    return make_client(idp, pool)["ClientId"]


def sign_up(sb, idp, app, name="alice", email="alice@example.com", password=PASSWORD, confirm=True):
    idp.sign_up(ClientId=app, Username=name, Password=password, UserAttributes=[{"Name": "email", "Value": email}])
    if confirm:
        idp.confirm_sign_up(ClientId=app, Username=name, ConfirmationCode=sb.inbox(email).latest.code)


def login(idp, app, name="alice", password=PASSWORD):
    return idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": name, "PASSWORD": password})["AuthenticationResult"]


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


# ------------------------------------------------------------------ pools and clients

def test_pool_and_client_ids_are_shaped_like_aws(idp):
    """Raw moto: pool ids are us-east-1_<32 hex>. AWS: region + "_" + 9 alphanumerics; client ids 26 chars."""
    pool = make_pool(idp)
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool)
    client = make_client(idp, pool, GenerateSecret=True)
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    assert re.fullmatch(r"[a-z0-9]{51}", client["ClientSecret"])
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool
    assert idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]["ClientSecret"] == client["ClientSecret"]


def test_ids_repeat_with_the_seed():
    """Ids come from the sandbox's seeded random, so a notebook prints the same pool id every run."""
    ids = []
    for _ in range(2):
        with labkit.Sandbox(seed=7):
            ids.append(make_pool(boto3.client("cognito-idp")))
    assert ids[0] == ids[1]


# ------------------------------------------------------------------ codes

def test_sign_up_code_is_delivered_by_email_and_checked(sb, idp, pool, app):
    """Raw moto: no code is sent anywhere, CodeDeliveryDetails say SMS to +*******9934, any string confirms."""
    resp = idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD,
                       UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    assert resp["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    message = sb.inbox("alice@example.com").latest
    assert re.fullmatch(r"\d{6}", message.code) and message.code in message.body
    with pytest.raises(ClientError) as e:
        idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode="000000" if message.code != "000000" else "111111")
    assert error_of(e)[0] == "CodeMismatchException"
    idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode=message.code)
    user = idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_phone_sign_up_code_goes_to_the_phone(sb, idp):
    """Raw moto delivers nothing; with AutoVerifiedAttributes=phone_number the code is an SMS."""
    pool = make_pool(idp, AutoVerifiedAttributes=["phone_number"])
    app = make_client(idp, pool)["ClientId"]
    resp = idp.sign_up(ClientId=app, Username="bob", Password=PASSWORD,
                       UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}])
    assert resp["CodeDeliveryDetails"] == {"Destination": "+*******0100", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    assert sb.inbox("+15555550100").latest.medium == "SMS"


def test_resend_confirmation_code_sends_a_new_code(sb, idp, app):
    """Raw moto: resend_confirmation_code raises NotImplementedError. The old code stops working."""
    sign_up(sb, idp, app, confirm=False)
    first = sb.inbox("alice@example.com").latest.code
    resp = idp.resend_confirmation_code(ClientId=app, Username="alice")
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    second = sb.inbox("alice@example.com").latest.code
    assert len(sb.inbox("alice@example.com")) == 2
    if first != second:
        with pytest.raises(ClientError) as e:
            idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode=first)
        assert error_of(e)[0] == "CodeMismatchException"
    idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode=second)


def test_sign_up_code_expires_after_24_hours(sb, idp, app):
    """Raw moto never expires codes (it never checks them)."""
    sign_up(sb, idp, app, confirm=False)
    sb.advance(24 * 3600 + 1)
    with pytest.raises(ClientError) as e:
        idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode=sb.inbox("alice@example.com").latest.code)
    assert error_of(e)[0] == "ExpiredCodeException"


def test_code_works_once_and_wrong_tries_are_limited(sb, idp, pool, app):
    """Raw moto: any forgot-password code string is accepted, any number of times."""
    sign_up(sb, idp, app)
    idp.forgot_password(ClientId=app, Username="alice")
    code = sb.inbox("alice@example.com").latest.code
    idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=code, Password="N3w-passw0rd")
    with pytest.raises(ClientError) as e:
        idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=code, Password="An0ther-pass")
    assert error_of(e)[0] == "ExpiredCodeException"
    idp.forgot_password(ClientId=app, Username="alice")
    wrong = "123456" if sb.inbox("alice@example.com").latest.code != "123456" else "654321"
    for _ in range(5):
        with pytest.raises(ClientError) as e:
            idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=wrong, Password="An0ther-pass")
        assert error_of(e)[0] == "CodeMismatchException"
    with pytest.raises(ClientError) as e:
        idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=sb.inbox("alice@example.com").latest.code,
                                    Password="An0ther-pass")
    assert error_of(e) == ("LimitExceededException", "Attempt limit exceeded, please try after some time.")


def test_forgot_password_code_by_email_expires_in_an_hour_and_sets_password(sb, idp, app):
    """Raw moto: the code only travels in an x-moto header; confirm accepts anything and skips the policy."""
    sign_up(sb, idp, app)
    resp = idp.forgot_password(ClientId=app, Username="alice")
    assert resp["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    code = sb.inbox("alice@example.com").latest.code
    with pytest.raises(ClientError) as e:
        idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=code, Password="x")
    assert error_of(e) == ("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    sb.advance(3601)
    with pytest.raises(ClientError) as e:
        idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=code, Password="N3w-passw0rd")
    assert error_of(e)[0] == "ExpiredCodeException"
    idp.forgot_password(ClientId=app, Username="alice")
    idp.confirm_forgot_password(ClientId=app, Username="alice", ConfirmationCode=sb.inbox("alice@example.com").latest.code,
                                Password="N3w-passw0rd")
    assert login(idp, app, password="N3w-passw0rd")["AccessToken"]
    with pytest.raises(ClientError) as e:
        login(idp, app)
    assert error_of(e)[0] == "NotAuthorizedException"


def test_admin_create_user_sends_invitation_and_requires_new_password(sb, idp, pool, app):
    """Raw moto sends no invitation and ignores the temporary password's policy."""
    with pytest.raises(ClientError) as e:
        idp.admin_create_user(UserPoolId=pool, Username="carol", TemporaryPassword="weakpass1!",
                              UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    assert error_of(e) == ("InvalidPasswordException", "Password did not conform with password policy: Password must have uppercase characters")
    idp.admin_create_user(UserPoolId=pool, Username="carol", DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    invitation = sb.inbox("carol@example.com").latest
    assert invitation.purpose == "invitation" and "carol" in invitation.body
    resp = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "carol", "PASSWORD": invitation.code})
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
                                      ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": "short"})
    assert error_of(e)[0] == "InvalidPasswordException"
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
                                         ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": "Brand-n3w-pass"})
    assert done["AuthenticationResult"]["IdToken"]
    assert idp.admin_get_user(UserPoolId=pool, Username="carol")["UserStatus"] == "CONFIRMED"


def test_temporary_password_expires(sb, idp, app, pool):
    """Raw moto: a temporary password never expires (TemporaryPasswordValidityDays ignored)."""
    idp.admin_create_user(UserPoolId=pool, Username="dan", TemporaryPassword="Temp-pass1", MessageAction="SUPPRESS")
    sb.advance(8 * 86400)
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "dan", "PASSWORD": "Temp-pass1"})
    assert error_of(e) == ("NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.")


def test_attribute_verification_code(sb, idp, app):
    """Raw moto: get_user_attribute_verification_code / verify_user_attribute never send or check a code."""
    sign_up(sb, idp, app)
    token = login(idp, app)["AccessToken"]
    resp = idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "alice@new.example"}])
    assert resp["CodeDeliveryDetailsList"][0]["Destination"] == "a***@n***"
    code = sb.inbox("alice@new.example").latest.code
    user = idp.get_user(AccessToken=token)
    assert {"Name": "email_verified", "Value": "false"} in user["UserAttributes"]
    with pytest.raises(ClientError) as e:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code="999999" if code != "999999" else "111111")
    assert error_of(e)[0] == "CodeMismatchException"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert {"Name": "email_verified", "Value": "true"} in idp.get_user(AccessToken=token)["UserAttributes"]
    idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert sb.inbox("alice@new.example").latest.purpose == "verify-attribute"


# ------------------------------------------------------------------ passwords

@pytest.mark.parametrize("password,why", [
    ("Sh0rt!", "Password not long enough"),
    ("passw0rd!", "Password must have uppercase characters"),
    ("PASSW0RD!", "Password must have lowercase characters"),
    ("Password!", "Password must have numeric characters"),
    ("Passw0rdd", "Password must have symbol characters"),
])
def test_password_policy_on_sign_up(idp, app, password, why):
    """Raw moto: InvalidPasswordException with a generic text; AWS names the broken rule."""
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="alice", Password=password)
    assert error_of(e) == ("InvalidPasswordException", f"Password did not conform with policy: {why}")


def test_password_policy_on_every_path(sb, idp, pool, app):
    """Raw moto skips the policy in confirm_forgot_password and change_password."""
    relaxed = make_pool(idp, Policies={"PasswordPolicy": {"MinimumLength": 6, "RequireUppercase": False,
                                                            "RequireLowercase": True, "RequireNumbers": False, "RequireSymbols": False}})
    idp.sign_up(ClientId=make_client(idp, relaxed)["ClientId"], Username="easy", Password="simple")
    sign_up(sb, idp, app)
    token = login(idp, app)["AccessToken"]
    with pytest.raises(ClientError) as e:
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="weak")
    assert error_of(e)[0] == "InvalidPasswordException"
    with pytest.raises(ClientError) as e:
        idp.change_password(AccessToken=token, PreviousPassword="Wr0ng-pass", ProposedPassword="Str0ng-pass")
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="Str0ng-pass")
    assert login(idp, app, password="Str0ng-pass")
    with pytest.raises(ClientError) as e:
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="nope", Permanent=True)
    assert error_of(e)[0] == "InvalidPasswordException"


def test_password_is_stored_as_srp_verifier(sb, idp, pool, app):
    """Raw moto keeps the plain password on the user; the pool keeps only salt and verifier."""
    sign_up(sb, idp, app)
    p = sb.components["userpools"].service.pool(pool)
    user = p.users["alice"]
    assert user.password is None
    s = labkit.userpools.users.secrets(p, user, sb.random)
    assert s.verifier.v == srp.make_verifier(pool, "alice", PASSWORD, s.verifier.salt_hex)


# ------------------------------------------------------------------ sign-in flows

def test_wrong_password_and_unknown_user(sb, idp, app):
    """Wrong password -> NotAuthorizedException; unknown user -> UserNotFoundException (LEGACY clients).
    Raw moto agrees here: this is the baseline that PreventUserExistenceErrors changes (next test)."""
    sign_up(sb, idp, app)
    with pytest.raises(ClientError) as e:
        login(idp, app, password="Wr0ng-pass")
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as e:
        login(idp, app, name="nobody")
    assert error_of(e) == ("UserNotFoundException", "User does not exist.")


def test_prevent_user_existence_errors(sb, idp, pool):
    """Raw moto ignores PreventUserExistenceErrors=ENABLED: UserNotFoundException leaks."""
    app = make_client(idp, pool, PreventUserExistenceErrors="ENABLED")["ClientId"]
    with pytest.raises(ClientError) as e:
        login(idp, app, name="nobody")
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")
    resp = idp.forgot_password(ClientId=app, Username="nobody@example.com")
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert len(sb.inbox("nobody@example.com")) == 0
    with pytest.raises(ClientError) as e:
        AWSSRP("nobody", PASSWORD, pool, app, client=idp).authenticate_user()
    assert error_of(e)[0] == "NotAuthorizedException"


def test_admin_initiate_auth_refuses_unconfirmed_users(sb, idp, pool, app):
    """Raw moto: admin_initiate_auth issues tokens to UNCONFIRMED users."""
    sign_up(sb, idp, app, confirm=False)
    with pytest.raises(ClientError) as e:
        idp.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert error_of(e) == ("UserNotConfirmedException", "User is not confirmed.")
    with pytest.raises(ClientError) as e:
        login(idp, app)
    assert error_of(e)[0] == "UserNotConfirmedException"


def test_admin_user_password_auth(sb, idp, pool, app):
    """ADMIN_USER_PASSWORD_AUTH checks the stored verifier (raw moto compares its plain-text password)."""
    sign_up(sb, idp, app)
    resp = idp.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert claims(resp["AuthenticationResult"]["AccessToken"])["username"] == "alice"


def test_pycognito_srp_sign_in(sb, idp, pool, app):
    """Raw moto never checks the SRP proof: pycognito's AWSSRP signs in with a wrong password."""
    sign_up(sb, idp, app)
    tokens = AWSSRP("alice", PASSWORD, pool, app, client=idp).authenticate_user()
    assert claims(tokens["AuthenticationResult"]["IdToken"])["cognito:username"] == "alice"
    with pytest.raises(ClientError) as e:
        AWSSRP("alice", "Wr0ng-pass!", pool, app, client=idp).authenticate_user()
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_junk_signature_is_refused(sb, idp, pool, app):
    """Raw moto: PASSWORD_CLAIM_SIGNATURE="junk" returns tokens."""
    sign_up(sb, idp, app)
    helper = AWSSRP("alice", PASSWORD, pool, app, client=idp)
    ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_SRP_AUTH", AuthParameters=helper.get_auth_params())
    params = ch["ChallengeParameters"]
    assert set(params) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    answer = helper.process_challenge(params, {"USERNAME": "alice"})
    answer["PASSWORD_CLAIM_SIGNATURE"] = "junk"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert error_of(e)[0] == "NotAuthorizedException"


def test_srp_username_may_be_user_id_for_srp(sb, idp):
    """Raw moto: USERNAME=USER_ID_FOR_SRP (the sub, as AWS's JS SDK sends it) gives UserNotFoundException."""
    pool = make_pool(idp, UsernameAttributes=["email"])
    app = make_client(idp, pool)["ClientId"]
    idp.sign_up(ClientId=app, Username="erin@example.com", Password=PASSWORD)
    idp.confirm_sign_up(ClientId=app, Username="erin@example.com", ConfirmationCode=sb.inbox("erin@example.com").latest.code)
    helper = AWSSRP("erin@example.com", PASSWORD, pool, app, client=idp)
    ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_SRP_AUTH", AuthParameters=helper.get_auth_params())
    user_id = ch["ChallengeParameters"]["USER_ID_FOR_SRP"]
    assert re.fullmatch(r"[0-9a-f-]{36}", user_id)
    answer = helper.process_challenge(ch["ChallengeParameters"], {"USERNAME": "erin@example.com"})
    answer["USERNAME"] = user_id
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert claims(done["AuthenticationResult"]["IdToken"])["email"] == "erin@example.com"


# ------------------------------------------------------------------ app clients

def test_secret_hash_required_and_checked(sb, idp, pool):
    """Raw moto does not require SECRET_HASH on sign_up / USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH."""
    client = make_client(idp, pool, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=cid, Username="alice", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "a@example.com"}])
    assert error_of(e) == ("NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH was not received")
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=cid, Username="alice", Password=PASSWORD, SecretHash="bad",
                    UserAttributes=[{"Name": "email", "Value": "a@example.com"}])
    assert error_of(e) == ("NotAuthorizedException", f"Unable to verify secret hash for client {cid}")
    good = secret_hash("alice", cid, secret)
    idp.sign_up(ClientId=cid, Username="alice", Password=PASSWORD, SecretHash=good, UserAttributes=[{"Name": "email", "Value": "a@example.com"}])
    idp.confirm_sign_up(ClientId=cid, Username="alice", SecretHash=good, ConfirmationCode=sb.inbox("a@example.com").latest.code)
    for call in (
        lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD}),
        lambda: idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD}),
        lambda: idp.forgot_password(ClientId=cid, Username="alice"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == "NotAuthorizedException"
    tokens = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": good})
    assert tokens["AuthenticationResult"]["AccessToken"]
    srp_tokens = AWSSRP("alice", PASSWORD, pool, cid, client=idp, client_secret=secret).authenticate_user()
    assert srp_tokens["AuthenticationResult"]["IdToken"]


def test_explicit_auth_flows_enforced(sb, idp, pool, app):
    """Raw moto ignores ExplicitAuthFlows. AWS's default (none given) is SRP, refresh and custom only."""
    sign_up(sb, idp, app)
    default = make_client(idp, pool, ExplicitAuthFlows=[])["ClientId"]
    with pytest.raises(ClientError) as e:
        login(idp, default)
    assert error_of(e) == ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
    with pytest.raises(ClientError) as e:
        idp.admin_initiate_auth(UserPoolId=pool, ClientId=default, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert error_of(e)[0] == "InvalidParameterException"
    assert AWSSRP("alice", PASSWORD, pool, default, client=idp).authenticate_user()["AuthenticationResult"]
    password_only = make_client(idp, pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["ClientId"]
    with pytest.raises(ClientError) as e:
        AWSSRP("alice", PASSWORD, pool, password_only, client=idp).authenticate_user()
    # AWS's text for SRP is not the other flows' "<flow> flow not enabled for this client" (aws-serverless-workshops#277)
    assert error_of(e) == ("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client.")


def test_token_validity_from_client(sb, idp, pool):
    """Raw moto: tokens always live 3600 s whatever the client says."""
    app = make_client(idp, pool, AccessTokenValidity=5, IdTokenValidity=2, RefreshTokenValidity=60,
                      TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "minutes"})["ClientId"]
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    assert tokens["ExpiresIn"] == 300
    a, i = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
    assert a["exp"] - a["iat"] == 300 and i["exp"] - i["iat"] == 7200
    sb.advance(301)
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(e) == ("NotAuthorizedException", "Access Token has expired")
    fresh = idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert idp.get_user(AccessToken=fresh["AuthenticationResult"]["AccessToken"])["Username"] == "alice"
    sb.advance(3600)
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert error_of(e) == ("NotAuthorizedException", "Refresh Token has expired")


# ------------------------------------------------------------------ tokens

def test_token_claims_like_aws(sb, idp, pool, app):
    """Raw moto lacks email_verified, event_id, origin_jti, jti, cognito:roles, cognito:preferred_role; kid 'dummy'."""
    sign_up(sb, idp, app)
    idp.create_group(UserPoolId=pool, GroupName="admins", RoleArn="arn:aws:iam::123456789012:role/Admins", Precedence=1)
    idp.create_group(UserPoolId=pool, GroupName="readers", RoleArn="arn:aws:iam::123456789012:role/Readers", Precedence=5)
    for g in ("admins", "readers"):
        idp.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName=g)
    tokens = login(idp, app)
    header = jwt.get_unverified_header(tokens["IdToken"])
    assert header["kid"] == sb.keys.for_owner(pool).kid and header["alg"] == "RS256"
    ident, access = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    assert ident["email_verified"] is True and ident["email"] == "alice@example.com"
    assert ident["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert ident["token_use"] == "id" and ident["aud"] == app and ident["cognito:username"] == "alice"
    for claim in ("origin_jti", "event_id", "jti", "auth_time", "exp", "iat"):
        assert claim in ident and claim in access
    assert ident["cognito:groups"] == ["admins", "readers"]
    assert ident["cognito:roles"] == ["arn:aws:iam::123456789012:role/Admins", "arn:aws:iam::123456789012:role/Readers"]
    assert ident["cognito:preferred_role"] == "arn:aws:iam::123456789012:role/Admins"
    assert access["token_use"] == "access" and access["scope"] == "aws.cognito.signin.user.admin"
    assert access["client_id"] == app and access["username"] == "alice" and access["cognito:groups"] == ["admins", "readers"]
    assert access["origin_jti"] == ident["origin_jti"]
    assert tokens["RefreshToken"].count(".") == 4  # a JWE, not a JWT with readable claims


def test_tokens_verify_against_the_pool_jwks(sb, idp, pool, app):
    """Raw moto signs every pool with one key (kid 'dummy') whose private half ships in its wheel."""
    sign_up(sb, idp, app)
    other = make_pool(idp)
    token = login(idp, app)["IdToken"]
    jwks = requests.get(f"https://cognito-idp.us-east-1.amazonaws.com/{pool}/.well-known/jwks.json").json()
    key = jwt.PyJWK(jwks["keys"][0])
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience=app)["cognito:username"] == "alice"
    other_jwks = requests.get(f"https://cognito-idp.us-east-1.amazonaws.com/{other}/.well-known/jwks.json").json()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, jwt.PyJWK(other_jwks["keys"][0]).key, algorithms=["RS256"], audience=app)


def test_jwks_unknown_pool_is_404(sb):
    """Raw moto answers the JWKS URL for pools that do not exist."""
    resp = requests.get("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_nOsUchPoo/.well-known/jwks.json")
    assert resp.status_code == 404


def test_jwks_and_openid_configuration_over_http(served_sb):
    """The same documents over HTTP on the sandbox's endpoint."""
    idp = boto3.client("cognito-idp")
    pool = make_pool(idp)
    base = served_sb.endpoint_url
    jwks = requests.get(f"{base}/{pool}/.well-known/jwks.json").json()
    assert jwks["keys"][0]["kid"] == served_sb.keys.for_owner(pool).kid
    conf = requests.get(f"{base}/{pool}/.well-known/openid-configuration").json()
    assert conf["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert conf["jwks_uri"].endswith(f"/{pool}/.well-known/jwks.json")
    assert requests.get(f"{base}/us-east-1_nOsUchPoo/.well-known/jwks.json").status_code == 404


def test_refresh_token_bound_to_client(sb, idp, pool, app):
    """Raw moto: a refresh token works through a different client and never expires."""
    sign_up(sb, idp, app)
    other = make_client(idp, pool)["ClientId"]
    refresh = login(idp, app)["RefreshToken"]
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=other, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    assert error_of(e) == ("NotAuthorizedException", "Refresh Token has different Client")
    ok = idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    assert "RefreshToken" not in ok["AuthenticationResult"]
    sb.advance(30 * 86400 + 1)
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    assert error_of(e) == ("NotAuthorizedException", "Refresh Token has expired")


def test_revoke_token(sb, idp, app):
    """Raw moto: revoke_token is NotImplemented."""
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    second = login(idp, app)
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=app)
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(e) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert error_of(e)[0] == "NotAuthorizedException"
    assert idp.get_user(AccessToken=second["AccessToken"])["Username"] == "alice"


def test_global_sign_out(sb, idp, pool, app):
    """After GlobalSignOut every token of the user is refused ("Access Token has been revoked").
    Raw moto forgets only the exact access-token strings it stored and answers other errors."""
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(e) == ("NotAuthorizedException", "Access Token has been revoked")
    again = login(idp, app)
    idp.admin_user_global_sign_out(UserPoolId=pool, Username="alice")
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": again["RefreshToken"]})
    assert error_of(e) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_forged_and_id_tokens_are_refused(sb, idp, pool, app):
    """Raw moto: anyone with moto's shipped key can mint tokens that get_user accepts."""
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    body = claims(tokens["AccessToken"])
    from cryptography.hazmat.primitives.asymmetric import rsa
    forged = jwt.encode(body, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
                        headers={"kid": jwt.get_unverified_header(tokens["AccessToken"])["kid"]})
    for token in (forged, tokens["IdToken"], "not-a-jwt"):
        with pytest.raises(ClientError) as e:
            idp.get_user(AccessToken=token)
        assert error_of(e) == ("NotAuthorizedException", "Invalid Access Token")


def test_delete_user(sb, idp, pool, app):
    """DeleteUser with the user's access token (raw moto has no DeleteUser: NotImplemented)."""
    sign_up(sb, idp, app)
    token = login(idp, app)["AccessToken"]
    idp.delete_user(AccessToken=token)
    with pytest.raises(ClientError) as e:
        idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert error_of(e)[0] == "UserNotFoundException"


# ------------------------------------------------------------------ MFA

def totp_setup(sb, idp, pool, app):
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
    sign_up(sb, idp, app)
    token = login(idp, app)["AccessToken"]
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    return token, secret


def test_totp_mfa(sb, idp, pool, app):
    """Raw moto: TOTP is only checked with an env flag and every user shares the secret 'asdfasdfasdf'."""
    token, secret = totp_setup(sb, idp, pool, app)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    totp = pyotp.TOTP(secret)
    with pytest.raises(ClientError) as e:
        idp.verify_software_token(AccessToken=token, UserCode="000000" if totp.at(sb.clock.time()) != "000000" else "111111")
    assert error_of(e)[0] == "EnableSoftwareTokenMFAException"
    assert idp.verify_software_token(AccessToken=token, UserCode=totp.at(sb.clock.time()))["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert ch["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    wrong = "000000" if totp.at(sb.clock.time()) != "000000" else "111111"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"],
                                      ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": wrong})
    assert error_of(e)[0] == "CodeMismatchException"
    used = totp.at(sb.clock.time())  # the code VerifySoftwareToken just accepted: it works once
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"],
                                      ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": used})
    assert error_of(e) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    phone = sb.authenticator_app(secret)
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": phone.next_code()})
    assert done["AuthenticationResult"]["AccessToken"]
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_a_totp_code_works_once_and_the_app_follows_the_sandbox_clock(sb, idp, pool, app):
    """Issue 18: the sandbox accepted the same TOTP code twice, and pyotp's wall-clock codes failed after
    sb.advance. RFC 6238 5.2: a verifier must not accept the same OTP twice."""
    token, secret = totp_setup(sb, idp, pool, app)
    phone = sb.authenticator_app(secret)
    sb.advance(6 * 3600)  # the lesson moved the clock; the phone moves with it
    token = login(idp, app)["AccessToken"]
    assert phone.code() == pyotp.TOTP(secret).at(sb.clock.time()) and 1 <= phone.seconds_left() <= 30
    assert idp.verify_software_token(AccessToken=token, UserCode=phone.code())["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    def sign_in_with(code):
        ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
        return idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"],
                                             ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code})

    code = phone.next_code()
    assert "AccessToken" in sign_in_with(code)["AuthenticationResult"]
    assert error_of(sign_in_with, code) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    # the previous step's code is within Cognito's drift tolerance, but older than the one used: refused too
    earlier = pyotp.TOTP(secret).at(sb.clock.time() - 30)
    assert error_of(sign_in_with, earlier).code == "CodeMismatchException"
    assert "AccessToken" in sign_in_with(phone.next_code())["AuthenticationResult"]
    with pytest.raises(ValueError, match="base32"):
        sb.authenticator_app("not base32!")


def test_totp_secrets_differ_per_user(sb, idp, pool, app):
    """Raw moto: every user's secret is 'asdfasdfasdf'."""
    _, first = totp_setup(sb, idp, pool, app)
    sign_up(sb, idp, app, name="bob", email="bob@example.com")
    second = idp.associate_software_token(AccessToken=login(idp, app, name="bob")["AccessToken"])["SecretCode"]
    assert first != second


def test_sms_mfa_needs_verified_phone_and_code_goes_to_phone(sb, idp, pool, app):
    """Raw moto: SMS_MFA accepts 'abc' with no phone number."""
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                                 SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}})
    sign_up(sb, idp, app)
    with pytest.raises(ClientError) as e:
        idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice", SMSMfaSettings={"Enabled": True})
    assert error_of(e)[0] == "InvalidParameterException"
    idp.admin_update_user_attributes(UserPoolId=pool, Username="alice", UserAttributes=[
        {"Name": "phone_number", "Value": "+15555550123"}, {"Name": "phone_number_verified", "Value": "true"}])
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice", SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert ch["ChallengeName"] == "SMS_MFA"
    assert ch["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0123"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SMS_MFA", Session=ch["Session"],
                                      ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": "abc"})
    assert error_of(e)[0] == "CodeMismatchException"
    ch = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="SMS_MFA", Session=ch["Session"], ChallengeResponses={
        "USERNAME": "alice", "SMS_MFA_CODE": sb.inbox("+15555550123").latest.code})
    assert done["AuthenticationResult"]["IdToken"]


# ------------------------------------------------------------------ custom attributes

def test_custom_attribute_schema(sb, idp):
    """Raw moto: no schema validation (unknown custom:nope, over-length values accepted)."""
    pool = make_pool(idp, Schema=[
        {"Name": "team", "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "5"}},
        {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
    ])
    app = make_client(idp, pool)["ClientId"]
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "custom:nope", "Value": "x"}])
    assert error_of(e) == ("InvalidParameterException",
                        "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.")
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "custom:team", "Value": "toolong"}])
    assert error_of(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD, UserAttributes=[{"Name": "custom:team", "Value": "red"}])
    assert error_of(e) == ("InvalidParameterException", "Attributes did not conform to the schema: email: The attribute is required")
    idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD, UserAttributes=[
        {"Name": "email", "Value": "alice@example.com"}, {"Name": "custom:team", "Value": "red"}, {"Name": "custom:tenant", "Value": "acme"}])
    idp.confirm_sign_up(ClientId=app, Username="alice", ConfirmationCode=sb.inbox("alice@example.com").latest.code)
    token = login(idp, app)
    assert claims(token["IdToken"])["custom:team"] == "red"
    with pytest.raises(ClientError) as e:
        idp.update_user_attributes(AccessToken=token["AccessToken"], UserAttributes=[{"Name": "custom:tenant", "Value": "evil"}])
    assert error_of(e) == ("InvalidParameterException", "user.custom:tenant: Attribute cannot be updated.")
    idp.update_user_attributes(AccessToken=token["AccessToken"], UserAttributes=[{"Name": "custom:team", "Value": "blue"}])


# ------------------------------------------------------------------ triggers

def test_pre_sign_up_trigger_auto_confirms(sb, idp, pool, app):
    """Raw moto never invokes Lambda triggers."""
    seen = []

    def pre_sign_up(event, context):
        seen.append(event)
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
        return event

    arn = labkit.userpools.attach_trigger(sb, pool, "PreSignUp", pre_sign_up)
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["LambdaConfig"]["PreSignUp"] == arn
    resp = idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    assert resp["UserConfirmed"] is True and "CodeDeliveryDetails" not in resp
    event = seen[0]
    assert event["triggerSource"] == "PreSignUp_SignUp" and event["userPoolId"] == pool and event["userName"] == "alice"
    assert event["request"]["userAttributes"]["email"] == "alice@example.com"
    assert event["callerContext"]["clientId"] == app and event["version"] == "1" and event["region"] == "us-east-1"
    assert claims(login(idp, app)["IdToken"])["email_verified"] is True


def test_pre_sign_up_trigger_error(sb, idp, pool, app):
    """A failing PreSignUp refuses the sign-up with AWS's message (raw moto never invokes triggers)."""

    def pre_sign_up(event, context):
        raise ValueError("Only example.org addresses may sign up")

    labkit.userpools.attach_trigger(sb, pool, "PreSignUp", pre_sign_up)
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="alice", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    assert error_of(e) == ("UserLambdaValidationException", "PreSignUp failed with error Only example.org addresses may sign up.")


def test_post_confirmation_and_pre_authentication_triggers(sb, idp, pool, app):
    """PostConfirmation runs after confirm_sign_up; a failing PreAuthentication refuses sign-in (raw moto: never invoked)."""
    events = []
    sb.components["userpools"].attach_trigger(pool, "PostConfirmation", lambda event, context: events.append(event) or event)

    def pre_auth(event, context):
        if event["request"]["userAttributes"].get("email", "").startswith("blocked"):
            raise Exception("You are blocked")
        return event

    labkit.userpools.attach_trigger(sb, pool, "PreAuthentication", pre_auth)
    sign_up(sb, idp, app)
    assert events[0]["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert login(idp, app)["AccessToken"]
    sign_up(sb, idp, app, name="mallory", email="blocked@example.com")
    with pytest.raises(ClientError) as e:
        login(idp, app, name="mallory")
    assert error_of(e) == ("NotAuthorizedException", "PreAuthentication failed with error You are blocked.")


def test_pre_token_generation_trigger(sb, idp, pool, app):
    """claimsOverrideDetails shape the ID token (raw moto never invokes triggers)."""

    def pre_token(event, context):
        event["response"]["claimsOverrideDetails"] = {
            "claimsToAddOrOverride": {"tier": "gold"},
            "claimsToSuppress": ["email"],
            "groupOverrideDetails": {"groupsToOverride": ["vip"], "iamRolesToOverride": ["arn:aws:iam::123456789012:role/Vip"],
                                     "preferredRole": "arn:aws:iam::123456789012:role/Vip"},
        }
        return event

    labkit.userpools.attach_trigger(sb, pool, "PreTokenGeneration", pre_token)
    sign_up(sb, idp, app)
    ident = claims(login(idp, app)["IdToken"])
    assert ident["tier"] == "gold" and "email" not in ident
    assert ident["cognito:groups"] == ["vip"] and ident["cognito:preferred_role"] == "arn:aws:iam::123456789012:role/Vip"


def test_attach_trigger_misuse_is_a_labkit_error(sb, idp, pool):
    """A misspelt trigger name or an unknown pool is the learner's labkit mistake: LabkitError naming the fix."""
    with pytest.raises(labkit.LabkitError):
        labkit.userpools.attach_trigger(sb, pool, "PreSignup", lambda e, c: e)
    with pytest.raises(labkit.LabkitError):
        labkit.userpools.attach_trigger(sb, "us-east-1_missing00", "PreSignUp", lambda e, c: e)


# ------------------------------------------------------------------ scale

def test_sign_in_with_users_filled_into_moto_storage(sb, idp, pool, app):
    """Users put straight into moto's storage (with a password) can sign in; the password is then dropped."""
    from moto.backends import get_backend
    from moto.cognitoidp.models import CognitoIdpUser, UserStatus

    storage = get_backend("cognito-idp")[sb.account_id]["us-east-1"].user_pools[pool]
    for i in range(50):
        user = CognitoIdpUser(pool, f"user{i}", PASSWORD, UserStatus.CONFIRMED, [{"Name": "email", "Value": f"u{i}@example.com"}])
        storage.users[user.username] = user
    assert login(idp, app, name="user42")["AccessToken"]
    assert storage.users["user42"].password is None


def test_create_user_pool_does_not_import_motos_key(sb, idp, monkeypatch):
    """Raw moto imports its shipped RSA key for every pool (~140 ms each); the sandbox never needs it."""
    import joserfc.jwk

    def refuse(*a, **k):
        raise AssertionError("moto's shipped key was imported")

    monkeypatch.setattr(joserfc.jwk.RSAKey, "import_key", refuse)
    for _ in range(5):
        make_pool(idp)


def test_whole_flow_over_http(served_sb):
    """Sign-up, code, confirm, sign-in and GetUser through sb.endpoint_url (same state, same rules)."""
    idp = boto3.client("cognito-idp", endpoint_url=served_sb.endpoint_url)
    pool = make_pool(idp)
    app = make_client(idp, pool)["ClientId"]
    sign_up(served_sb, idp, app)
    tokens = login(idp, app)
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    with pytest.raises(ClientError) as e:
        login(idp, app, password="Wr0ng-pass")
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")


def test_admin_disable_user_revokes_tokens(sb, idp, pool, app):
    """AWS: AdminDisableUser revokes the user's tokens; a disabled user cannot sign in."""
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    idp.admin_disable_user(UserPoolId=pool, Username="alice")
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(e)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as e:
        login(idp, app)
    assert error_of(e) == ("NotAuthorizedException", "User is disabled.")


def test_password_attempts_exceeded(sb, idp, app):
    """Raw moto has no lockout. AWS: five failures, then lockouts from 1 s, doubling per failure."""
    sign_up(sb, idp, app)
    for _ in range(5):
        with pytest.raises(ClientError) as e:
            login(idp, app, password="Wr0ng-pass")
        assert error_of(e)[1] == "Incorrect username or password."
    for lock in (1, 2, 4, 8, 16):  # wait out each lockout, fail again: the next one doubles
        sb.advance(lock + 0.5)
        with pytest.raises(ClientError) as e:
            login(idp, app, password="Wr0ng-pass")
        assert error_of(e)[1] == "Incorrect username or password."
    with pytest.raises(ClientError) as e:  # now locked for 32 s, even with the right password
        login(idp, app)
    assert error_of(e) == ("NotAuthorizedException", "Password attempts exceeded")
    sb.advance(33)
    assert login(idp, app)["AccessToken"]


ACCESS_TOKEN_OPERATIONS = [
    ("get_user", {}),
    ("update_user_attributes", {"UserAttributes": [{"Name": "name", "Value": "Alice"}]}),
    ("change_password", {"PreviousPassword": PASSWORD, "ProposedPassword": "An0ther-pass"}),
    ("global_sign_out", {}),
    ("associate_software_token", {}),
    ("set_user_mfa_preference", {"SoftwareTokenMfaSettings": {"Enabled": False}}),
    ("get_user_attribute_verification_code", {"AttributeName": "email"}),
    ("verify_user_attribute", {"AttributeName": "email", "Code": "123456"}),
    ("delete_user", {}),
]


@pytest.mark.parametrize("operation,params", ACCESS_TOKEN_OPERATIONS, ids=[op for op, _ in ACCESS_TOKEN_OPERATIONS])
def test_access_token_operations_check_expiry_and_revocation(sb, idp, app, operation, params):
    """Raw moto: an expired access token is accepted (and revocation is not checked)."""
    sign_up(sb, idp, app)
    tokens = login(idp, app)
    second = login(idp, app)
    idp.revoke_token(Token=second["RefreshToken"], ClientId=app)
    with pytest.raises(ClientError) as e:
        getattr(idp, operation)(AccessToken=second["AccessToken"], **params)
    assert error_of(e) == ("NotAuthorizedException", "Access Token has been revoked")
    sb.advance(3601)
    with pytest.raises(ClientError) as e:
        getattr(idp, operation)(AccessToken=tokens["AccessToken"], **params)
    assert error_of(e) == ("NotAuthorizedException", "Access Token has expired")


def test_mfa_required_pool_asks_for_setup(sb, idp, pool, app):
    """MfaConfiguration=ON: a user without MFA gets MFA_SETUP, sets up the app with the Session, signs in."""
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    sign_up(sb, idp, app)
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert step["ChallengeName"] == "MFA_SETUP"
    assoc = idp.associate_software_token(Session=step["Session"])
    totp = pyotp.TOTP(assoc["SecretCode"])
    verified = idp.verify_software_token(Session=assoc["Session"], UserCode=totp.at(sb.clock.time()))
    assert verified["Status"] == "SUCCESS"
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="MFA_SETUP", Session=verified["Session"],
                                         ChallengeResponses={"USERNAME": "alice"})
    assert done["AuthenticationResult"]["AccessToken"]
    again = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_email_as_username_with_required_email(sb, idp):
    """UsernameAttributes=[email]: the username is the email (a required attribute), the Username a sub."""
    pool = make_pool(idp, UsernameAttributes=["email"],
                     Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}])
    app = make_client(idp, pool)["ClientId"]
    resp = idp.sign_up(ClientId=app, Username="frank@example.com", Password=PASSWORD)
    idp.confirm_sign_up(ClientId=app, Username="frank@example.com", ConfirmationCode=sb.inbox("frank@example.com").latest.code)
    tokens = login(idp, app, name="frank@example.com")
    assert claims(tokens["AccessToken"])["username"] == resp["UserSub"]
    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=app, Username="frank@example.com", Password=PASSWORD)
    assert error_of(e) == ("UsernameExistsException", "An account with the given email already exists.")


def test_pool_with_custom_schema_keeps_standard_attributes(idp):
    """Raw moto: a pool created with a Schema lists only those attributes (AWS adds the standard ones)."""
    pool = idp.create_user_pool(PoolName="lab", Schema=[{"Name": "team", "AttributeDataType": "String"}])["UserPool"]
    names = [a["Name"] for a in pool["SchemaAttributes"]]
    assert names[0] == "sub" and "email" in names and "phone_number" in names and names[-1] == "custom:team"


def test_srp_fixed_base_table_equals_pow():
    """The comb table that speeds up g^x (verifiers) and g^b (SRP_B) gives exactly pow's answers."""
    import random

    from labkit.userpools import srp

    rnd = random.Random(5)
    for bits in (0, 1, 7, 8, 9, 255, 256, 257, 1024):
        e = rnd.getrandbits(bits) if bits else 0
        assert srp.g_pow(e) == pow(srp.G, e, srp.N), bits


# ------------------------------------------------------------------ federation: identity providers

def test_a_second_identity_provider_of_the_same_name_is_refused(idp, pool):
    """Raw moto replaces the first provider; AWS refuses with DuplicateProviderException (400) and keeps it.
    The way to change a provider is UpdateIdentityProvider."""
    def google(client_id):
        return dict(UserPoolId=pool, ProviderName="Google", ProviderType="Google",
                    ProviderDetails={"client_id": client_id, "client_secret": "s", "authorize_scopes": "openid email"},
                    AttributeMapping={"email": "email"})

    idp.create_identity_provider(**google("first.apps.googleusercontent.com"))
    err = error_of(idp.create_identity_provider, **google("second.apps.googleusercontent.com"))
    assert err == ("DuplicateProviderException", f"Google already exists in user pool {pool}")
    assert err.status == 400
    kept = idp.describe_identity_provider(UserPoolId=pool, ProviderName="Google")["IdentityProvider"]
    assert kept["ProviderDetails"]["client_id"] == "first.apps.googleusercontent.com"
    assert [p["ProviderName"] for p in idp.list_identity_providers(UserPoolId=pool, MaxResults=10)["Providers"]] == ["Google"]

    idp.update_identity_provider(UserPoolId=pool, ProviderName="Google",
                                 ProviderDetails=google("second.apps.googleusercontent.com")["ProviderDetails"])
    updated = idp.describe_identity_provider(UserPoolId=pool, ProviderName="Google")["IdentityProvider"]
    assert updated["ProviderDetails"]["client_id"] == "second.apps.googleusercontent.com"
    # Another name in the same pool, and the same name in another pool, are new providers.
    idp.create_identity_provider(**{**google("x"), "ProviderName": "Google2"})
    other = make_pool(idp)
    idp.create_identity_provider(**{**google("x"), "UserPoolId": other})
    assert error_of(idp.create_identity_provider, **{**google("x"), "UserPoolId": "us-east-1_NoSuchPl"}).code == "ResourceNotFoundException"
