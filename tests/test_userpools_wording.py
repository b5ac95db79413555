"""Issue 18: user-pool errors in AWS's own words, on both transports.

Each message below is AWS's, as quoted in public SDK and Amplify issues (cited beside the code that
raises it). Raw moto says something else for every one of them ("User pool X does not exist.", "User
does not exist.", "Invalid Refresh Token", ...), and its UpdateUserPool drops UsernameAttributes.
"""

from __future__ import annotations

import pytest

from support import error_of

PASSWORD = "Passw0rd!xyz"
USER_POOL_PATTERN = r"[\w-]+_[0-9a-zA-Z]+"


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def email_pool(idp, **kw):
    pool = idp.create_user_pool(PoolName="by-email", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"], **kw)
    return pool["UserPool"]["Id"]


def app_client(idp, pool, **kw):
    return idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                       ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], **kw)["UserPoolClient"]


def user(idp, pool, name="erin@example.com"):
    idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    return name


def sign_in(idp, client_id, name):
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]


@pytest.mark.parametrize("given", [" us-east-1_AbC123", "us-east-1", "us-east-1:4c1f2ab0-0000-4000-8000-000000000000"])
def test_a_malformed_pool_id_is_a_validation_error_naming_the_pattern(idp, given):
    expected = (f"1 validation error detected: Value '{given}' at 'userPoolId' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {USER_POOL_PATTERN}")
    # labkit's own operations and those moto stores alike
    for call, kw in [(idp.describe_user_pool, {}), (idp.admin_get_user, {"Username": "x"}), (idp.list_users, {}),
                     (idp.list_groups, {})]:
        err = error_of(call, UserPoolId=given, **kw)
        assert (err.code, err.message, err.status) == ("InvalidParameterException", expected, 400)


def test_a_well_formed_unknown_pool_is_still_not_found(idp):
    assert error_of(idp.describe_user_pool, UserPoolId="us-east-1_Nope12345") == (
        "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")


def test_a_sensitive_member_is_named_without_its_value(idp):
    """botocore's model marks ClientId sensitive; AWS then says "Value at 'clientId'", without the value."""
    err = error_of(idp.sign_up, ClientId="not-a-client!", Username="a@example.com", Password=PASSWORD)
    assert err == ("InvalidParameterException", "1 validation error detected: Value at 'clientId' failed to satisfy "
                                                r"constraint: Member must satisfy regular expression pattern: [\w+]+")


@pytest.mark.parametrize("operation, extra", [
    ("confirm_sign_up", {"ConfirmationCode": "123456"}),
    ("resend_confirmation_code", {}),
    ("forgot_password", {}),
    ("confirm_forgot_password", {"ConfirmationCode": "123456", "Password": PASSWORD}),
])
def test_unknown_user_in_the_code_operations(idp, operation, extra):
    pool = email_pool(idp)
    client = app_client(idp, pool)["ClientId"]
    assert error_of(getattr(idp, operation), ClientId=client, Username="ghost@example.com", **extra) == (
        "UserNotFoundException", "Username/client id combination not found.")
    # while signing in, AWS says it the other way
    assert error_of(idp.initiate_auth, ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": "ghost@example.com", "PASSWORD": PASSWORD}) == (
        "UserNotFoundException", "User does not exist.")


@pytest.mark.parametrize("attributes, message", [
    (["email"], "Username should be an email."),
    (["phone_number"], "Username should be a phone number."),
    (["email", "phone_number"], "Username should be either an email or a phone number."),
])
def test_sign_up_with_a_username_the_pool_does_not_take(idp, attributes, message):
    pool = idp.create_user_pool(PoolName="p", UsernameAttributes=attributes)["UserPool"]["Id"]
    client = app_client(idp, pool)["ClientId"]
    assert error_of(idp.sign_up, ClientId=client, Username="erin", Password=PASSWORD) == ("InvalidParameterException", message)


def test_missing_secret_hash(idp):
    pool = email_pool(idp)
    client = app_client(idp, pool, GenerateSecret=True)["ClientId"]
    expected = ("NotAuthorizedException", f"Client {client} is configured with secret but SECRET_HASH was not received")
    assert error_of(idp.sign_up, ClientId=client, Username="a@example.com", Password=PASSWORD) == expected
    assert error_of(idp.initiate_auth, ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": "a@example.com", "PASSWORD": PASSWORD}) == expected
    assert error_of(idp.initiate_auth, ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": "a@example.com", "PASSWORD": PASSWORD, "SECRET_HASH": "bm90IGl0"}) == (
        "NotAuthorizedException", f"Unable to verify secret hash for client {client}")


def test_a_refresh_token_of_another_client(idp):
    pool = email_pool(idp)
    mine, theirs = app_client(idp, pool)["ClientId"], app_client(idp, pool)["ClientId"]
    refresh = sign_in(idp, mine, user(idp, pool))["RefreshToken"]
    assert error_of(idp.initiate_auth, ClientId=theirs, AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": refresh}) == ("NotAuthorizedException", "Refresh Token has different Client")
    assert error_of(idp.initiate_auth, ClientId=mine, AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": "not-a-token"}) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_update_user_pool_keeps_what_only_creation_sets(idp):
    """UpdateUserPool replaces the configuration, but UsernameAttributes / AliasAttributes are not among its
    members: AWS keeps them. Raw moto dropped them, and signing in by email then failed."""
    pool = email_pool(idp)
    client = app_client(idp, pool)["ClientId"]
    name = user(idp, pool)
    idp.update_user_pool(UserPoolId=pool, MfaConfiguration="OFF", AutoVerifiedAttributes=["email"])
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["UsernameAttributes"] == ["email"]
    assert "IdToken" in sign_in(idp, client, name)
    aliased = idp.create_user_pool(PoolName="aliases", AliasAttributes=["email", "preferred_username"])["UserPool"]["Id"]
    idp.update_user_pool(UserPoolId=aliased, Policies={"PasswordPolicy": {"MinimumLength": 12}})
    assert sorted(idp.describe_user_pool(UserPoolId=aliased)["UserPool"]["AliasAttributes"]) == ["email", "preferred_username"]


def test_verify_software_token_with_a_wrong_code(idp):
    pool = email_pool(idp)
    client = app_client(idp, pool)["ClientId"]
    access = sign_in(idp, client, user(idp, pool))["AccessToken"]
    idp.associate_software_token(AccessToken=access)
    assert error_of(idp.verify_software_token, AccessToken=access, UserCode="000000") == (
        "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
