"""Tokens as Cognito issues them today: GetTokensFromRefreshToken, refresh-token rotation, token
lifetime bounds. Raw moto has no GetTokensFromRefreshToken (NotImplemented), stores RefreshTokenRotation
without acting on it, and accepts any token validity, so each test here fails on raw moto.

Each test runs on both transports (in-process and over HTTP) through the ``aws``/``tsb`` fixtures."""

import jwt
import pytest

from labkit.userpools.clients import secret_hash
from support import error_of

PASSWORD = "Passw0rd!"


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


@pytest.fixture
def pool(idp):
    pool_id = idp.create_user_pool(PoolName="lab")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    return pool_id


def make_client(idp, pool, **kw):
    kw.setdefault("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return idp.create_user_pool_client(UserPoolId=pool, ClientName="app", **kw)["UserPoolClient"]


def sign_in(idp, client):
    params = {"USERNAME": "alice", "PASSWORD": PASSWORD}
    if client.get("ClientSecret"):
        params["SECRET_HASH"] = secret_hash("alice", client["ClientId"], client["ClientSecret"])
    return idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters=params)["AuthenticationResult"]


def rotating(idp, pool, grace=None, **kw):
    rotation = {"Feature": "ENABLED"}
    if grace is not None:
        rotation["RetryGracePeriodSeconds"] = grace
    return make_client(idp, pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], RefreshTokenRotation=rotation, **kw)


# ------------------------------------------------------------------ GetTokensFromRefreshToken
def test_get_tokens_from_refresh_token_without_rotation(idp, pool):
    """Rotation off: new ID and access tokens for the same sign-in, no new refresh token."""
    client = make_client(idp, pool)
    first = sign_in(idp, client)
    result = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=first["RefreshToken"])["AuthenticationResult"]
    assert set(result) == {"AccessToken", "IdToken", "ExpiresIn", "TokenType"}
    new, old = (jwt.decode(t, options={"verify_signature": False}) for t in (result["AccessToken"], first["AccessToken"]))
    assert new["origin_jti"] == old["origin_jti"] and new["jti"] != old["jti"]
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"
    # The same refresh token keeps working (it is not rotated).
    idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=first["RefreshToken"])


def test_get_tokens_from_refresh_token_with_a_client_secret(idp, pool):
    client = make_client(idp, pool, GenerateSecret=True)
    token = sign_in(idp, client)["RefreshToken"]
    cid = client["ClientId"]
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=cid, RefreshToken=token) == (
        "NotAuthorizedException", f"Client {cid} is configured for secret but secret was not received")
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=cid, RefreshToken=token, ClientSecret="x" * 51) == (
        "NotAuthorizedException", f"Unable to verify secret for client {cid}")
    result = idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=token, ClientSecret=client["ClientSecret"])
    assert "AccessToken" in result["AuthenticationResult"]


def test_get_tokens_from_refresh_token_refuses_junk_and_other_clients(idp, pool):
    one, other = make_client(idp, pool), make_client(idp, pool)
    token = sign_in(idp, one)["RefreshToken"]
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=other["ClientId"], RefreshToken=token) == (
        "NotAuthorizedException", "Refresh Token has different Client")
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=one["ClientId"], RefreshToken="junk") == (
        "NotAuthorizedException", "Invalid Refresh Token")
    assert error_of(idp.get_tokens_from_refresh_token, ClientId="nosuchclient", RefreshToken=token).code == "ResourceNotFoundException"


# ------------------------------------------------------------------ rotation
def test_rotation_gives_a_new_refresh_token_and_ends_the_old_one(tsb, idp, pool):
    """RetryGracePeriodSeconds 0: "a successful request immediately invalidates the submitted refresh token"."""
    client = rotating(idp, pool, grace=0)
    assert idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"][
        "RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}
    old = sign_in(idp, client)["RefreshToken"]
    result = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=old)["AuthenticationResult"]
    new = result["RefreshToken"]
    assert new != old and idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=client["ClientId"], RefreshToken=old).code == "RefreshTokenReuseException"
    again = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=new)["AuthenticationResult"]
    assert again["RefreshToken"] not in (old, new)


def test_rotated_out_token_works_during_the_grace_period_only(tsb, idp, pool):
    client = rotating(idp, pool, grace=30)
    old = sign_in(idp, client)["RefreshToken"]
    idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=old)
    tsb.advance(20)
    retry = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=old)  # a client-side retry
    assert "RefreshToken" in retry["AuthenticationResult"]
    tsb.advance(11)
    err = error_of(idp.get_tokens_from_refresh_token, ClientId=client["ClientId"], RefreshToken=old)
    assert err.code == "RefreshTokenReuseException" and err.status == 400


def test_a_rotated_refresh_token_keeps_the_original_expiry(tsb, idp, pool):
    client = rotating(idp, pool, RefreshTokenValidity=60, TokenValidityUnits={"RefreshToken": "minutes"})
    token = sign_in(idp, client)["RefreshToken"]
    tsb.advance(50 * 60)
    token = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=token)["AuthenticationResult"]["RefreshToken"]
    tsb.advance(11 * 60)  # 61 minutes after the sign-in, 11 after the rotation
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=client["ClientId"], RefreshToken=token) == (
        "NotAuthorizedException", "Refresh Token has expired")


def test_refresh_token_auth_is_refused_on_a_rotating_client(idp, pool):
    """"Refresh token rotation must be completed with GetTokensFromRefreshToken" (RefreshTokenRotationType)."""
    client = rotating(idp, pool)
    token = sign_in(idp, client)["RefreshToken"]
    assert error_of(idp.initiate_auth, ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": token}) == (
        "InvalidParameterException", "REFRESH_TOKEN_AUTH flow not enabled for this client")


def test_revoked_rotating_session_is_refused(idp, pool):
    client = rotating(idp, pool, grace=60)
    token = sign_in(idp, client)["RefreshToken"]
    new = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=token)["AuthenticationResult"]["RefreshToken"]
    idp.revoke_token(ClientId=client["ClientId"], Token=new)
    assert error_of(idp.get_tokens_from_refresh_token, ClientId=client["ClientId"], RefreshToken=new) == (
        "NotAuthorizedException", "Refresh Token has been revoked")


@pytest.mark.parametrize("rotation, message", [
    ({"Feature": "ENABLED", "RetryGracePeriodSeconds": 61},
     "1 validation error detected: Value '61' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy "
     "constraint: Member must have value less than or equal to 60"),
    ({"Feature": "MAYBE"},
     "1 validation error detected: Value 'MAYBE' at 'refreshTokenRotation.feature' failed to satisfy constraint: "
     "Member must satisfy enum value set: [ENABLED, DISABLED]"),
])
def test_rotation_settings_are_checked(idp, pool, rotation, message):
    assert error_of(make_client, idp, pool, RefreshTokenRotation=rotation) == ("InvalidParameterException", message)


# ------------------------------------------------------------------ token lifetimes
@pytest.mark.parametrize("settings", [
    {"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}},
    {"AccessTokenValidity": 25},
    {"IdTokenValidity": 299, "TokenValidityUnits": {"IdToken": "seconds"}},
    {"IdTokenValidity": 2, "TokenValidityUnits": {"IdToken": "days"}},
    {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
    {"RefreshTokenValidity": 3651},
])
def test_token_validity_outside_the_bounds_is_refused(idp, pool, settings):
    """Access and ID tokens: five minutes to one day; refresh tokens: 60 minutes to 10 years (TokenValidityUnitsType)."""
    assert error_of(make_client, idp, pool, **settings) == ("InvalidParameterException", "Invalid range for token validity.")
    client = make_client(idp, pool)
    assert error_of(idp.update_user_pool_client, UserPoolId=pool, ClientId=client["ClientId"], **settings) == (
        "InvalidParameterException", "Invalid range for token validity.")


def test_token_validity_at_the_bounds_is_accepted(idp, pool):
    client = make_client(idp, pool, AccessTokenValidity=5, IdTokenValidity=1, RefreshTokenValidity=3650,
                         TokenValidityUnits={"AccessToken": "minutes", "IdToken": "days", "RefreshToken": "days"})
    updated = idp.update_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"], RefreshTokenValidity=60,
                                          TokenValidityUnits={"AccessToken": "minutes", "IdToken": "days",
                                                              "RefreshToken": "minutes"})["UserPoolClient"]
    assert updated["RefreshTokenValidity"] == 60
    assert sign_in(idp, client)["ExpiresIn"] == 300
