"""labkit.tokens: every rejection reason of verify(), and a valid ID and access token.

Tokens here are minted in the test with the pool's own key (``sb.keys.for_owner(pool_id)``) and
Cognito's claim set, so these tests do not depend on how the user pools sign in.
(End-to-end tests with tokens from boto3 sign-in: ``tests/test_tokens_e2e.py``.)

Which of these would pass on raw moto is said per test. On raw moto every pool is signed with one key
(kid ``dummy``) whose private half ships in moto's wheel, and ``/.well-known/jwks.json`` answers for any
pool id, existing or not.
"""

import base64
import gzip
import hashlib
import hmac
import json
import pathlib
import time
import uuid

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

import labkit
from labkit import tokens

CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"


# ---------------------------------------------------------------------------------------------- minting
def _pool(sb, name="tokens-lab"):
    idp = boto3.client("cognito-idp")
    return idp.create_user_pool(PoolName=name)["UserPool"]["Id"]


def claims_for(sb, pool_id, token_use="id", *, client_id=CLIENT_ID, lifetime=3600, **extra):
    """Cognito's claim set for an ID or an access token of user ``alice``."""
    now = int(sb.clock.time())
    iss = f"https://cognito-idp.{sb.region}.amazonaws.com/{pool_id}"
    common = {
        "sub": "8f2c5d1e-0000-4000-8000-000000000001",
        "iss": iss,
        "origin_jti": str(uuid.UUID(int=1)),
        "event_id": str(uuid.UUID(int=2)),
        "token_use": token_use,
        "auth_time": now,
        "exp": now + lifetime,
        "iat": now,
        "jti": str(uuid.UUID(int=3)),
    }
    if token_use == "id":
        claims = {
            "sub": common["sub"],
            "email_verified": True,
            "iss": iss,
            "cognito:username": "alice",
            "origin_jti": common["origin_jti"],
            "aud": client_id,
            "event_id": common["event_id"],
            "token_use": "id",
            "auth_time": now,
            "exp": now + lifetime,
            "iat": now,
            "jti": common["jti"],
            "email": "alice@example.com",
        }
    else:
        claims = {**common, "client_id": client_id, "scope": "aws.cognito.signin.user.admin", "username": "alice"}
    claims.update(extra)
    return claims


def mint(sb, pool_id, token_use="id", *, key_owner=None, kid=None, **claims):
    """A token signed as Cognito would sign it, with the key of ``key_owner`` (default: the pool)."""
    key = sb.keys.for_owner(key_owner or pool_id)
    payload = claims_for(sb, pool_id, token_use, **claims)
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _reassemble(token, header=None, payload=None):
    h, p, s = token.split(".")
    if header is not None:
        h = _b64(json.dumps(header).encode())
    if payload is not None:
        p = _b64(json.dumps(payload).encode())
    return f"{h}.{p}.{s}"


@pytest.fixture
def pool(sb):
    return _pool(sb)


# ---------------------------------------------------------------------------------------------- valid tokens
def test_valid_id_token_verifies(sb, pool):
    token = mint(sb, pool, "id")
    claims = tokens.verify(token, client_id=CLIENT_ID, token_use="id",
                           issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool}")
    assert isinstance(claims, tokens.Claims) and isinstance(claims, dict)
    assert claims["cognito:username"] == "alice"
    assert claims["email"] == "alice@example.com"
    assert claims.token_use == "id"
    assert claims.header["alg"] == "RS256"
    assert claims.header["kid"] == sb.keys.for_owner(pool).kid


def test_valid_access_token_verifies(sb, pool):
    token = mint(sb, pool, "access")
    claims = tokens.verify(token, client_id=CLIENT_ID, token_use="access")
    assert claims["client_id"] == CLIENT_ID
    assert claims["username"] == "alice"
    assert claims["scope"] == "aws.cognito.signin.user.admin"


def test_verify_with_no_expectations_checks_signature_and_expiry_only(sb, pool):
    claims = tokens.verify(mint(sb, pool, "access"))
    assert claims["token_use"] == "access"


def test_explicit_jwks_is_used_instead_of_fetching(sb, pool):
    token = mint(sb, pool, "id")
    assert tokens.verify(token, jwks=sb.keys.jwks(pool))["aud"] == CLIENT_ID
    other = _pool(sb, "other")
    with pytest.raises(tokens.UnknownKeyId) as err:
        tokens.verify(token, jwks=sb.keys.jwks(other))
    assert "JWKS passed to verify()" in str(err.value)


# ---------------------------------------------------------------------------------------------- rejections
def test_payload_edited_is_invalid_signature(sb, pool):
    """A claim changed after signing (alice -> admin). Also refused on raw moto (a verifier checks the
    signature there too; but there anyone holding moto's shipped key can re-sign the edit)."""
    token = mint(sb, pool, "id")
    _, payload = tokens.decode_unverified(token)
    payload["cognito:username"] = "admin"
    payload["cognito:groups"] = ["admins"]
    forged = _reassemble(token, payload=payload)
    with pytest.raises(tokens.InvalidSignature) as err:
        tokens.verify(forged, client_id=CLIENT_ID)
    assert err.value.reason == "invalid_signature"
    assert "changed after Cognito signed it" in str(err.value)


def test_alg_none_is_refused(sb, pool):
    """``alg: none`` and an empty signature: the header must never choose the algorithm.
    (The verifier's own rule: refused on raw moto too.)"""
    token = mint(sb, pool, "id")
    header, payload = tokens.decode_unverified(token)
    h = _b64(json.dumps({"alg": "none", "kid": header["kid"], "typ": "JWT"}).encode())
    p = _b64(json.dumps(payload).encode())
    with pytest.raises(tokens.AlgorithmNotAllowed) as err:
        tokens.verify(f"{h}.{p}.", client_id=CLIENT_ID)
    assert err.value.reason == "algorithm_not_allowed"
    assert "'none'" in str(err.value) and "RS256" in str(err.value)


def test_hs256_signed_with_the_public_key_is_refused(sb, pool):
    """The key-confusion attack: HMAC-SHA256 with the pool's PUBLIC key (PEM) as the shared secret.

    (Signed by hand: PyJWT itself refuses to use a PEM key as an HMAC secret.) The verifier's own rule:
    refused on raw moto too."""
    key = sb.keys.for_owner(pool)
    pem = key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    payload = claims_for(sb, pool, "id")
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': key.kid}).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = _b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(tokens.AlgorithmNotAllowed) as err:
        tokens.verify(f"{signing_input}.{signature}", client_id=CLIENT_ID)
    assert "'HS256'" in str(err.value)


def test_wrong_issuer_expected_pool(sb, pool):
    """A genuine token of pool A offered to a verifier of pool B. Refused on raw moto too (the claim
    differs), although there pool A's key IS pool B's key."""
    other = _pool(sb, "other")
    token = mint(sb, pool, "id")
    with pytest.raises(tokens.WrongIssuer) as err:
        tokens.verify(token, issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{other}")
    assert err.value.reason == "wrong_issuer"
    assert pool in str(err.value) and other in str(err.value)


def test_issuer_that_is_not_a_user_pool_is_refused_before_any_key_is_fetched(sb, pool):
    """iss chooses the JWKS URL, so it must name a user pool before anything is fetched."""
    token = mint(sb, pool, "id", iss="https://evil.example.com/us-east-1_attacker")
    with pytest.raises(tokens.WrongIssuer) as err:
        tokens.verify(token)
    assert "not a user pool issuer" in str(err.value)
    assert len(list(sb.calls)) == 1  # only create_user_pool: no JWKS request went anywhere


def test_wrong_audience_id_token(sb, pool):
    """A token issued to another app client. A claim check: refused on raw moto too."""
    token = mint(sb, pool, "id", client_id="someotherclientid0000000000")
    with pytest.raises(tokens.WrongAudience) as err:
        tokens.verify(token, client_id=CLIENT_ID, token_use="id")
    assert err.value.reason == "wrong_audience"
    assert "aud" in str(err.value) and CLIENT_ID in str(err.value)


def test_wrong_audience_access_token_checks_client_id_claim(sb, pool):
    token = mint(sb, pool, "access", client_id="someotherclientid0000000000")
    with pytest.raises(tokens.WrongAudience) as err:
        tokens.verify(token, client_id=CLIENT_ID, token_use="access")
    assert "client_id" in str(err.value)


def test_wrong_token_use(sb, pool):
    """An ID token where an access token is required (and the reverse). Refused on raw moto too."""
    with pytest.raises(tokens.WrongTokenUse) as err:
        tokens.verify(mint(sb, pool, "id"), client_id=CLIENT_ID, token_use="access")
    assert err.value.reason == "wrong_token_use"
    with pytest.raises(tokens.WrongTokenUse):
        tokens.verify(mint(sb, pool, "access"), client_id=CLIENT_ID, token_use="id")


def test_unknown_kid(sb, pool):
    """A kid the pool never published. Refused on raw moto too (its JWKS has only kid ``dummy``)."""
    token = mint(sb, pool, "id", kid="not-a-key-of-this-pool")
    with pytest.raises(tokens.UnknownKeyId) as err:
        tokens.verify(token)
    assert err.value.reason == "unknown_kid"
    assert "did not sign" in str(err.value)


def test_expired_after_the_sandbox_clock_moves(sb, pool):
    """exp is checked against the sandbox's clock: ``sb.advance(3601)`` expires a one-hour token.
    Raw moto has no clock to move (and its GetUser accepts expired access tokens)."""
    token = mint(sb, pool, "access")
    tokens.verify(token)
    sb.advance(3601)
    with pytest.raises(tokens.Expired) as err:
        tokens.verify(token)
    assert err.value.reason == "expired"
    assert "expired less than a minute ago" in str(err.value)
    # an explicit ``now`` wins over the sandbox clock
    assert tokens.verify(token, now=sb.clock.time() - 3600)["username"] == "alice"


def test_key_of_another_pool(sb, pool):
    """Signed with pool B's private key but claiming pool A: B's kid is unknown to A; with A's kid
    written in the header the signature fails. Fails on raw moto: there every pool signs with the same
    key (kid ``dummy``), so another pool's token carries a kid and signature the pool accepts."""
    other = _pool(sb, "other")
    with pytest.raises(tokens.UnknownKeyId):
        tokens.verify(mint(sb, pool, "id", key_owner=other))
    forged = mint(sb, pool, "id", key_owner=other, kid=sb.keys.for_owner(pool).kid)
    with pytest.raises(tokens.InvalidSignature):
        tokens.verify(forged)


MOTO_PRIVATE_JWKS = pathlib.Path(__import__("moto").__file__).parent / "cognitoidp/resources/jwks-private.json.gz"


def _moto_private_key():
    with gzip.open(MOTO_PRIVATE_JWKS, "rt") as fh:
        data = json.load(fh)
    jwk = data["keys"][0] if "keys" in data else data
    return jwk.get("kid", "dummy"), jwt.PyJWK(jwk, algorithm="RS256").key


def test_token_minted_with_motos_shipped_key_does_not_verify(sb, pool):
    """Fails on raw moto: moto signs every pool with this key (kid ``dummy``), and its private half ships
    in moto's wheel, so anyone could mint tokens that verify. In the sandbox each pool has its own key."""
    kid, private = _moto_private_key()
    payload = claims_for(sb, pool, "id")
    forged = jwt.encode(payload, private, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(tokens.UnknownKeyId):
        tokens.verify(forged, client_id=CLIENT_ID)
    forged_with_pool_kid = jwt.encode(payload, private, algorithm="RS256", headers={"kid": sb.keys.for_owner(pool).kid})
    with pytest.raises(tokens.InvalidSignature):
        tokens.verify(forged_with_pool_kid, client_id=CLIENT_ID)


def test_jwks_of_a_pool_that_does_not_exist_is_refused(sb, pool):
    """Fails on raw moto: moto's /<pool>/.well-known/jwks.json answers for any pool id, so a token of a
    made-up pool would find keys. The sandbox has none for it."""
    ghost = "us-east-1_" + "0" * 32
    token = mint(sb, ghost, "id", key_owner=pool)
    with pytest.raises(tokens.WrongIssuer) as err:
        tokens.verify(token)
    assert err.value.reason == "no_such_pool"
    assert "does not exist" in str(err.value)


def test_raw_moto_serves_a_jwks_for_a_pool_that_does_not_exist():
    """The moto behaviour the previous test guards against (no sandbox here)."""
    import requests
    from moto import mock_aws

    with mock_aws():
        answer = requests.get("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_nosuchpool/.well-known/jwks.json")
    assert answer.status_code == 200
    assert answer.json()["keys"][0]["kid"] == "dummy"


@pytest.mark.parametrize(
    "token, says",
    [
        ("not-a-jwt", "three base64url parts"),
        ("a.b.c.d.e", "refresh token"),
        ("!!!.???.sig", "not base64url-encoded JSON"),
        (12345, "not int"),
    ],
)
def test_malformed(sb, token, says):
    with pytest.raises(tokens.Malformed) as err:
        tokens.verify(token)
    assert err.value.reason == "malformed"
    assert says in str(err.value)


def test_every_rejection_is_a_labkit_error_with_a_reason(sb, pool):
    for cls in (tokens.Malformed, tokens.AlgorithmNotAllowed, tokens.WrongIssuer, tokens.UnknownKeyId,
                tokens.KeysUnavailable, tokens.InvalidSignature, tokens.Expired, tokens.WrongAudience,
                tokens.WrongTokenUse, tokens.Revoked):
        assert issubclass(cls, tokens.TokenError) and issubclass(cls, labkit.LabkitError)
        assert cls.reason and cls.reason != tokens.TokenError.reason
    assert len({c.reason for c in (tokens.Malformed, tokens.AlgorithmNotAllowed, tokens.WrongIssuer,
                                    tokens.UnknownKeyId, tokens.InvalidSignature, tokens.Expired,
                                    tokens.WrongAudience, tokens.WrongTokenUse, tokens.Revoked)}) == 9


def test_misuse_names_the_fix(sb, pool):
    with pytest.raises(labkit.LabkitError, match="'id' or 'access'"):
        tokens.verify(mint(sb, pool), token_use="ID")
    with pytest.raises(labkit.LabkitError, match="https://cognito-idp.<region>"):
        tokens.verify(mint(sb, pool), issuer=pool)


def test_public_surface():
    assert set(tokens.__all__) >= {"verify", "decode_unverified", "explain", "check_revoked", "TokenError"}
    for name in tokens.__all__:
        assert hasattr(tokens, name)


# ---------------------------------------------------------------------------------------------- outside a sandbox
def test_outside_a_sandbox_the_jwks_is_fetched_over_https_and_cached(monkeypatch):
    """No sandbox: the issuer's public JWKS URL is fetched (urllib via PyJWKClient), once."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid="k1", alg="RS256", use="sig")
    fetched = []

    def fake_fetch(self):
        fetched.append(self.uri)
        return {"keys": [jwk]}

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fake_fetch)
    monkeypatch.setattr(tokens, "_HTTPS_CLIENTS", {})
    iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    now = int(time.time())
    payload = {"iss": iss, "token_use": "access", "client_id": "c", "exp": now + 60, "iat": now, "sub": "s"}
    token = jwt.encode(payload, private, algorithm="RS256", headers={"kid": "k1"})
    assert labkit.Sandbox.current() is None
    assert tokens.verify(token, client_id="c")["sub"] == "s"
    assert tokens.verify(token, client_id="c")["sub"] == "s"
    assert fetched == [f"{iss}/.well-known/jwks.json"]


def test_jwks_that_cannot_be_fetched_is_keys_unavailable(monkeypatch):
    """No sandbox and no network: KeysUnavailable, nothing verified."""
    def fail(self):
        raise jwt.PyJWKClientConnectionError("Fail to fetch data from the url, err: no network")

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fail)
    monkeypatch.setattr(tokens, "_HTTPS_CLIENTS", {})
    iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    token = jwt.encode({"iss": iss, "token_use": "id", "exp": 2**31}, "k" * 32, algorithm="HS256")
    token = _reassemble(token, header={"alg": "RS256", "kid": "k1"})
    with pytest.raises(tokens.KeysUnavailable) as err:
        tokens.verify(token)
    assert err.value.reason == "jwks_unavailable" and "nothing was verified" in str(err.value)


# ---------------------------------------------------------------------------------------------- explain / decode
def test_decode_unverified_returns_header_and_payload(sb, pool):
    header, payload = tokens.decode_unverified(mint(sb, pool, "access"))
    assert header["alg"] == "RS256" and payload["token_use"] == "access"


def test_explain_says_what_each_claim_means(sb, pool):
    token = mint(sb, pool, "id", **{"cognito:groups": ["admins"]})
    rows = tokens.explain(token)
    by_name = {name: (value, meaning) for _, name, value, meaning in rows}
    assert "unique" in by_name["sub"][1]
    assert "app client" in by_name["aud"][1]
    assert "'id' proves who the user is" in by_name["token_use"][1]
    assert "groups" in by_name["cognito:groups"][1]
    assert "revok" in by_name["origin_jti"][1]
    assert "sign-in" in by_name["event_id"][1]
    assert "authenticated" in by_name["auth_time"][1]
    assert by_name["exp"][0].endswith("(expires in 60 min)")
    assert by_name["exp"][0].startswith("20") and "Z (" in by_name["exp"][0]
    assert by_name["iat"][0].endswith("(less than a minute ago)")
    sb.advance(30 * 60)
    text = str(tokens.explain(token, dates=False))
    assert "expires in 30 min" in text and "30 min ago" in text
    assert "T" not in {name: v for _, name, v, _m in tokens.explain(token, dates=False)}["exp"]
