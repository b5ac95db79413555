"""labkit.tokens end to end: tokens from a plain boto3 sign-in (``initiate_auth``), verified as on AWS.

Each test would fail on raw moto, where every pool's tokens carry kid ``dummy`` (moto's one shipped key,
which the sandbox's pools do not publish), ``GetUser`` accepts an expired access token, and the JWKS URL
answers for any pool.
"""

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

import labkit
from labkit import tokens

PASSWORD = "Correct-Horse-42"


def _setup(region="us-east-1"):
    idp = boto3.client("cognito-idp", region_name=region)
    pool_id = idp.create_user_pool(PoolName="e2e")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    return idp, pool_id, client_id, issuer, result


def test_tokens_from_sign_in_verify(sb):
    """Fails on raw moto: its tokens are signed with the shipped key (kid ``dummy``)."""
    _, _, client_id, issuer, result = _setup()
    idc = tokens.verify(result["IdToken"], client_id=client_id, token_use="id", issuer=issuer)
    acc = tokens.verify(result["AccessToken"], client_id=client_id, token_use="access", issuer=issuer)
    assert idc["cognito:username"] == "alice" and acc["username"] == "alice"
    assert idc["sub"] == acc["sub"] and idc["origin_jti"] == acc["origin_jti"]
    with pytest.raises(tokens.WrongTokenUse):
        tokens.verify(result["AccessToken"], client_id=client_id, token_use="id")


def test_refresh_token_is_named_as_such(sb):
    _, _, _, _, result = _setup()
    with pytest.raises(tokens.Malformed, match="refresh token"):
        tokens.verify(result["RefreshToken"])


def test_global_sign_out_verifies_locally_but_check_revoked_refuses(sb):
    """AWS, "Ending user sessions with token revocation": a revoked access token still passes a
    signature check; GetUser (check_revoked) refuses it."""
    idp, _, client_id, issuer, result = _setup()
    access = result["AccessToken"]
    tokens.check_revoked(access)  # not revoked yet: no error
    idp.global_sign_out(AccessToken=access)
    assert tokens.verify(access, client_id=client_id, token_use="access", issuer=issuer)["username"] == "alice"
    with pytest.raises(tokens.Revoked) as err:
        tokens.check_revoked(access)
    assert "Access Token has been revoked" in str(err.value)
    with pytest.raises(tokens.WrongTokenUse):
        tokens.check_revoked(result["IdToken"])


def test_expired_by_the_sandbox_clock_locally_and_at_cognito(sb):
    """Fails on raw moto: GetUser accepts an expired access token (and moto's tokens do not verify)."""
    _, _, client_id, _, result = _setup()
    sb.advance(3601)
    with pytest.raises(tokens.Expired):
        tokens.verify(result["IdToken"], client_id=client_id)
    with pytest.raises(tokens.Expired, match="Access Token has expired"):
        tokens.check_revoked(result["AccessToken"])


def test_jwks_served_over_http_verifies_the_same_tokens(served_sb):
    """The JWKS a browser gets from ``sb.endpoint_url`` verifies what boto3's sign-in returned."""
    _, pool_id, client_id, _, result = _setup()
    jwks = requests.get(f"{served_sb.endpoint_url}/{pool_id}/.well-known/jwks.json", timeout=10).json()
    assert tokens.verify(result["IdToken"], client_id=client_id, jwks=jwks)["aud"] == client_id


def test_other_region(sb):
    """A pool of another region than the sandbox's: issuer and JWKS follow the token's region.
    (Minted with the pool's key: sign-in to a pool of another region is the user pools' business.)"""
    import jwt

    idp = boto3.client("cognito-idp", region_name="eu-west-1")
    pool_id = idp.create_user_pool(PoolName="eu")["UserPool"]["Id"]
    assert pool_id.startswith("eu-west-1_")
    issuer = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool_id}"
    now = int(sb.clock.time())
    key = sb.keys.for_owner(pool_id)
    token = jwt.encode({"iss": issuer, "token_use": "access", "client_id": "c", "exp": now + 60, "sub": "s"},
                       key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert tokens.verify(token, client_id="c", issuer=issuer)["iss"] == issuer
    with pytest.raises(tokens.WrongIssuer):
        tokens.verify(token, issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1234")
    with pytest.raises(labkit.LabkitError, match="user pool's issuer"):  # a pool id starts with its region
        tokens.verify(token, issuer=issuer.replace("cognito-idp.eu-west-1", "cognito-idp.us-east-1"))


def test_without_the_user_pools_component_raw_moto_tokens_do_not_verify(monkeypatch):
    """With labkit's user pools switched off (LABKIT_COMPONENTS), moto itself signs in and signs with
    its shipped key: the verifier still uses the sandbox's keys for existing pools only, so moto's
    token is refused (UnknownKeyId) and a made-up pool has no keys (WrongIssuer, no_such_pool)."""
    monkeypatch.setenv("LABKIT_COMPONENTS", "sts")
    with labkit.Sandbox():
        idp = boto3.client("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="raw")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="bob", TemporaryPassword="Temp-Pass-1!", MessageAction="SUPPRESS")
        try:
            result = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp-Pass-1!"})
        except ClientError as err:  # pragma: no cover - depends on moto's challenge handling
            pytest.skip(f"raw moto did not sign in: {err}")
        token = result.get("AuthenticationResult", {}).get("IdToken")
        if token is None:
            idp.admin_set_user_password(UserPoolId=pool_id, Username="bob", Password="Temp-Pass-1!", Permanent=True)
            token = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                            AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp-Pass-1!"})["AuthenticationResult"]["IdToken"]
        assert tokens.decode_unverified(token)[0]["kid"] == "dummy"
        with pytest.raises(tokens.UnknownKeyId):
            tokens.verify(token, client_id=client_id)
        header, payload = tokens.decode_unverified(token)
        import jwt

        sb = labkit.Sandbox.current()
        payload["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_nosuchpool"
        key = sb.keys.for_owner(pool_id)
        forged = jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})
        with pytest.raises(tokens.WrongIssuer) as err:
            tokens.verify(forged)
        assert err.value.reason == "no_such_pool"
        # and a token minted with the pool's sandbox key verifies through the fallback path
        payload["iss"] = f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
        good = jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})
        assert tokens.verify(good, client_id=client_id)["cognito:username"] == "bob"
