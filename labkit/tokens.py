"""``labkit.tokens``: verify and explain the JSON Web Tokens an Amazon Cognito user pool issues.

A few verbs and one family of errors, in the manner of PyJWT (``jwt/api_jwt.py``, ``jwt/exceptions.py``)::

    from labkit import tokens

    claims = tokens.verify(id_token, client_id=CLIENT_ID, token_use="id")   # or raises a TokenError
    print(tokens.explain(id_token))                                          # each claim in plain words
    header, payload = tokens.decode_unverified(id_token)                     # for display only
    tokens.check_revoked(access_token)                                       # asks Cognito (GetUser)

:func:`verify` follows, in its order, AWS's "Verifying JSON web tokens" (Amazon Cognito Developer Guide,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html):

1. *Confirm the structure of the JWT*: three base64url parts, a JSON header and payload   -> :class:`Malformed`
2. the header's ``alg`` is ``RS256``, the only algorithm Cognito signs with              -> :class:`AlgorithmNotAllowed`
3. *Verify the signature*: fetch the JWKS of the token's issuer, find the key whose
   ``kid`` matches the header's (:class:`UnknownKeyId`), check the RSA signature with
   that public key (:class:`InvalidSignature`).
4. *Verify the claims*: not expired (:class:`Expired`); ``aud`` of an ID token /
   ``client_id`` of an access token is your app client (:class:`WrongAudience`); ``iss``
   is your user pool (:class:`WrongIssuer`); ``token_use`` is what you accept
   (:class:`WrongTokenUse`).

One step moves earlier than the guide lists it: ``iss`` is checked (a user pool issuer, and yours if
``issuer`` is given) before step 3, because the JWKS URL is built from it; a verifier must never let a
token choose where its keys come from. A pool that does not exist has no keys (``WrongIssuer``, reason
``no_such_pool``).

The same code is valid against real AWS: outside a sandbox the JWKS comes from
``https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json`` over HTTPS (urllib, cached).
Inside a running :class:`labkit.Sandbox` it comes from the sandbox, and only for user pools that exist.

Signature verification cannot see revocation ("Ending user sessions with token revocation",
https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html): a token revoked by
``GlobalSignOut`` or ``RevokeToken`` still verifies until it expires. Cognito itself is the authority:
:func:`check_revoked` asks it with ``GetUser``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import jwt

from . import errors

__all__ = [
    "verify",
    "verify_jwt",
    "decode_unverified",
    "explain",
    "check_revoked",
    "Claims",
    "TokenError",
    "Malformed",
    "MissingClaim",
    "AlgorithmNotAllowed",
    "WrongIssuer",
    "UnknownKeyId",
    "KeysUnavailable",
    "InvalidSignature",
    "Expired",
    "WrongAudience",
    "WrongTokenUse",
    "Revoked",
]

VERIFYING_A_JWT = "https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html"
TOKEN_REVOCATION = "https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html"

ALGORITHM = "RS256"  # the only algorithm Cognito signs user pool tokens with
TOKEN_USES = ("id", "access")
# https://cognito-idp.<region>.amazonaws.com/<region>_<pool suffix>: the issuer of every user pool token.
_ISSUER = re.compile(r"^https://cognito-idp\.(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com/(?P<pool>(?P=region)_[0-9A-Za-z]+)$")


# ---------------------------------------------------------------------------------------------- errors
class TokenError(errors.LabkitError):
    """A token was refused. ``reason`` is a short code; the message says what was wrong and what was expected."""

    reason = "invalid"

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class Malformed(TokenError):
    """Not a JWT: not three base64url parts, or a header/payload that is not a JSON object, or a claim
    every Cognito token carries is missing. (AWS doc: "Confirm the structure of the JWT".)"""

    reason = "malformed"


class MissingClaim(Malformed):
    """A claim the verifier requires is absent (``claim`` names it)."""

    def __init__(self, claim: str):
        super().__init__(f"The token has no {claim} claim, which this verifier requires.")
        self.claim = claim


class AlgorithmNotAllowed(TokenError):
    """The header's ``alg`` is not ``RS256`` (``none``, ``HS256``...): Cognito only signs with RS256, so a
    verifier fixes the algorithm instead of trusting the header."""

    reason = "algorithm_not_allowed"


class WrongIssuer(TokenError):
    """``iss`` is not a user pool issuer, not the issuer expected, or names a pool that does not exist
    (reason ``no_such_pool``). (AWS doc: "The iss claim should match your user pool".)"""

    reason = "wrong_issuer"


class UnknownKeyId(TokenError):
    """No key of the issuer's JWKS has the header's ``kid``: the token was not signed by that user pool.
    (AWS doc: "Compare the local key ID (kid) to the public kid".)"""

    reason = "unknown_kid"


class KeysUnavailable(TokenError):
    """The issuer's JWKS could not be fetched (network, or not a JWKS): nothing was verified."""

    reason = "jwks_unavailable"


class InvalidSignature(TokenError):
    """The RS256 signature does not match the header and payload under the pool's public key: the token
    was edited, or signed by someone else. (AWS doc: "Use the public key to verify the signature".)"""

    reason = "invalid_signature"


class Expired(TokenError):
    """``exp`` is not after the current time. (AWS doc: "Verify that the token is not expired".)"""

    reason = "expired"

    def __init__(self, message: str, *, now: float | None = None, exp: float | None = None, reason: str | None = None):
        super().__init__(message, reason=reason)
        self.now, self.exp = now, exp


class WrongAudience(TokenError):
    """The ID token's ``aud`` / the access token's ``client_id`` is not the app client expected.
    (AWS doc: "The aud claim in an ID token and the client_id claim in an access token should match
    the app client ID".)"""

    reason = "wrong_audience"


class WrongTokenUse(TokenError):
    """``token_use`` is not the kind of token expected (``id`` where ``access`` is wanted, or the reverse).
    (AWS doc: "Check the token_use claim".)"""

    reason = "wrong_token_use"


class Revoked(TokenError):
    """Cognito no longer accepts this access token (signed out with GlobalSignOut, refresh token revoked,
    user disabled or deleted): its signature still verifies, only Cognito knows."""

    reason = "revoked"


class Claims(dict):
    """The payload of a verified token (a ``dict``); ``.header`` holds its JOSE header."""

    def __init__(self, payload: dict, header: dict):
        super().__init__(payload)
        self.header = header

    @property
    def token_use(self) -> str | None:
        return self.get("token_use")


# ---------------------------------------------------------------------------------------------- decoding
def decode_unverified(token: str) -> tuple[dict, dict]:
    """``(header, payload)`` of a token, WITHOUT checking anything: for display, never for trust."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    if not isinstance(token, str):
        raise Malformed(f"A token is a string (three base64url parts joined by dots), not {type(token).__name__}.")
    token = token.strip()
    parts = token.split(".")
    if len(parts) == 5:
        raise Malformed(
            "This token has five parts: it is an encrypted JWE, which is what a Cognito refresh token is. "
            "Only Cognito can read a refresh token; verify the ID token or the access token instead."
        )
    if len(parts) != 3:
        raise Malformed(
            f"A JWT has three base64url parts joined by dots (header.payload.signature); this one has {len(parts)}. "
            "Pass the IdToken or AccessToken from AuthenticationResult, exactly as Cognito returned it."
        )
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Malformed(f"The token's header or payload is not base64url-encoded JSON ({exc}).") from None
    if not isinstance(payload, dict):
        raise Malformed("The token's payload is not a JSON object of claims.")
    return header, payload


# ---------------------------------------------------------------------------------------------- the core
def verify_jwt(token, key_for, *, now: float | None = None, algorithms=(ALGORITHM,), required=(), check_claims=None,
               issuers=None, audiences=None, audience_claim: str = "aud") -> Claims:
    """The one JWT verification every labkit verifier is built on (RFC 7519 section 7.2, RFC 7515 section 5.2).

    In this order: the structure (:class:`Malformed`); ``alg`` is one the verifier chose (never the
    header's choice: :class:`AlgorithmNotAllowed`); ``key_for(header, payload)`` picks the key (it may
    raise; None is :class:`UnknownKeyId`); the signature (:class:`InvalidSignature`); the ``required``
    claims (:class:`MissingClaim`) and ``check_claims(payload)``, the caller's own; ``exp`` is a number
    (every token labkit checks must expire) and, given ``now``, later than ``now`` (RFC 7519 4.1.4 "MUST NOT be accepted on or after": :class:`Expired`);
    ``iss`` is one of ``issuers`` (:class:`WrongIssuer`); ``audience_claim`` (a string or a list) names one
    of ``audiences`` (:class:`WrongAudience`). Callers word these errors their own way.
    """
    header, payload = decode_unverified(token)
    alg = header.get("alg")
    if alg not in algorithms:
        raise AlgorithmNotAllowed(
            f"The token's header says alg={alg!r}; Amazon Cognito signs user pool tokens only with RS256 "
            "(an RSA signature with the pool's private key), so the verifier accepts RS256 and nothing else."
        )
    key = key_for(header, payload)
    if key is None:
        raise UnknownKeyId(f"No key of the token's issuer has kid {_short(str(header.get('kid')))}.")
    try:
        jwt.PyJWS().decode_complete(token, key, algorithms=list(algorithms))
    except jwt.InvalidSignatureError:
        raise InvalidSignature(
            f"The signature does not match the token's header and payload under the public key of {_pool(str(payload.get('iss')))} "
            "that its kid names: "
            "the token was changed after Cognito signed it, or signed with another private key."
        ) from None
    except jwt.PyJWTError as exc:
        raise Malformed(f"The token's signature part cannot be read ({exc}).") from None
    for claim in required:
        if claim not in payload:
            raise MissingClaim(claim)
    if check_claims is not None:
        check_claims(payload)
    exp = payload.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise Malformed(f"The token's exp is {exp!r}; every Cognito token carries its expiry time in seconds since 1970.")
    if now is not None and exp <= now:
        raise Expired(
            f"The token expired {_ago(now - exp)} ago; it is valid only before the time in its exp claim. "
            "Get fresh tokens: sign in again, or use the refresh token (REFRESH_TOKEN_AUTH).", now=now, exp=exp
        )
    if issuers is not None and payload.get("iss") not in issuers:
        raise WrongIssuer(f"The token was issued by {payload.get('iss')}, not by an expected issuer.")
    if audiences is not None:
        got = payload.get(audience_claim)
        values = got if isinstance(got, list) else [got]
        if not any(v in audiences for v in values):
            raise WrongAudience(f"The token's {audience_claim} is {got!r}, which is not an audience this verifier accepts.")
    return Claims(payload, header)


# ---------------------------------------------------------------------------------------------- verify
def verify(token: str, *, client_id: str | None = None, token_use: str | None = None, issuer: str | None = None,
           jwks: dict | None = None, now: float | None = None) -> Claims:
    """Verify a user pool ID or access token as AWS prescribes (see the module docstring) and return its claims.

    ``client_id``: your app client id (checked against ``aud`` of an ID token, ``client_id`` of an access
    token). ``token_use``: ``"id"`` or ``"access"``. ``issuer``: your pool's issuer
    (``https://cognito-idp.<region>.amazonaws.com/<pool id>``). ``jwks``: a JWKS dict to use instead of
    fetching the issuer's. ``now``: epoch seconds (default: the running sandbox's clock, else the real time).
    Raises a :class:`TokenError` subclass naming the first check that failed.
    """
    if token_use is not None and token_use not in TOKEN_USES:
        raise errors.LabkitError(f"token_use must be 'id' or 'access' (the values Cognito writes in token_use), not {token_use!r}.")
    if issuer is not None and not _ISSUER.match(issuer):
        raise errors.LabkitError(
            f"issuer must be a user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<user pool id>, not {issuer!r}."
        )

    def key_for(header, payload):
        # 3a. The issuer names a user pool (the JWKS URL is built from it), then 3b. the key by kid.
        iss = payload.get("iss")
        if not isinstance(iss, str) or not _ISSUER.match(iss):
            raise WrongIssuer(
                f"The token's iss is {iss!r}, which is not a user pool issuer; expected "
                f"{issuer or 'https://cognito-idp.<region>.amazonaws.com/<user pool id>'}."
            )
        if issuer is not None and iss != issuer:
            raise WrongIssuer(f"The token was issued by {iss}, not by the expected user pool {issuer}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise UnknownKeyId("The token's header has no kid, so no key of the user pool can be chosen to verify it.")
        return _find_key(iss, kid, jwks)

    def token_use_of(payload):
        use = payload.get("token_use")
        if use not in TOKEN_USES:
            raise Malformed(f"The token's token_use is {use!r}; every Cognito ID or access token says 'id' or 'access'.")

    # 1-4: structure, algorithm, issuer and key, signature, token_use, expiry (the core's order).
    claims = verify_jwt(token, key_for, now=_now(now), check_claims=token_use_of)
    use = claims["token_use"]
    if client_id is not None:
        claim = "aud" if use == "id" else "client_id"
        got = claims.get(claim)
        if got != client_id:
            raise WrongAudience(
                f"The {'ID' if use == 'id' else 'access'} token's {claim} is {got!r}, but this verifier expects "
                f"app client {client_id!r}: the token was issued to another app client."
            )
    if token_use is not None and use != token_use:
        raise WrongTokenUse(
            f"The token's token_use is {use!r}, but an {token_use!r} token is expected here "
            f"({'an ID token proves who the user is' if token_use == 'id' else 'an access token authorizes API calls'})."
        )
    return claims


def _find_key(iss: str, kid: str, jwks: dict | None):
    if jwks is not None:
        keyset = _keyset(jwks, "the JWKS passed to verify()")
        found = _lookup(keyset, kid)
        if found is None:
            raise UnknownKeyId(f"No key in the JWKS passed to verify() has kid {_short(kid)} (it has {_count(keyset)}).")
        return found
    from .sandbox import Sandbox

    sb = Sandbox.current()
    if sb is not None and sb.running:
        keyset = _keyset(_sandbox_jwks(sb, iss), f"the JWKS of {_pool(iss)}")
        found = _lookup(keyset, kid)
    else:
        client = _https_client(iss)
        try:
            keyset = client.get_jwk_set()
            found = _lookup(keyset, kid)
            if found is None:  # keys may have rotated since the cached copy: fetch once more
                keyset = client.get_jwk_set(refresh=True)
                found = _lookup(keyset, kid)
        except jwt.PyJWTError as exc:  # PyJWKClientConnectionError, or not a JWKS (PyJWKSetError)
            raise KeysUnavailable(f"Could not get the keys at {iss}/.well-known/jwks.json ({exc}); nothing was verified.") from None
    if found is None:
        raise UnknownKeyId(
            f"The token's kid {_short(kid)} is not a key of {_pool(iss)} (its JWKS has {_count(keyset)}): "
            "this user pool did not sign the token."
        )
    return found


def _keyset(jwks, what: str) -> jwt.PyJWKSet:
    try:
        return jwks if isinstance(jwks, jwt.PyJWKSet) else jwt.PyJWKSet.from_dict(jwks)
    except (jwt.PyJWTError, AttributeError, TypeError, KeyError) as exc:
        raise KeysUnavailable(f"{what[0].upper()}{what[1:]} is not a usable JWKS ({exc}).") from None


def _lookup(keyset: jwt.PyJWKSet, kid: str):
    for k in keyset.keys:
        if k.key_id == kid:
            return k
    return None


def _sandbox_jwks(sb, iss: str) -> dict:
    """The JWKS the sandbox publishes for ``iss``: the same GET a verifier makes on AWS, answered in-process.

    If no labkit route answers it (only moto does: moto serves its one shipped key for ANY pool id, even
    one that does not exist), the sandbox's own truth is used: the pool must exist, its key is
    ``sb.keys.for_owner(pool_id)``.
    """
    from .wire.request import Headers, Request, classify

    m = _ISSUER.match(iss)
    region, pool_id = m.group("region"), m.group("pool")
    request = classify(Request("GET", f"{iss}/.well-known/jwks.json", Headers(), b"", transport="in-process"), sb.region)
    request.canonical_url = request.url
    response, by = sb.dispatcher.handle(request)
    if response is not None and by in ("route", "labkit"):
        if response.status == 200:
            try:
                return json.loads(response.body)
            except ValueError:
                raise KeysUnavailable(f"The JWKS of {_pool(iss)} is not JSON.") from None
        raise WrongIssuer(_no_such_pool(pool_id, region), reason="no_such_pool")
    from . import moto_adapter

    try:
        pools = moto_adapter.backend("cognito-idp", sb.account_id, region).user_pools
    except (KeyError, ValueError):  # a region moto does not know
        pools = {}
    if pool_id not in pools:
        raise WrongIssuer(_no_such_pool(pool_id, region), reason="no_such_pool")
    return sb.keys.jwks(pool_id)


def _no_such_pool(pool_id: str, region: str) -> str:
    return (
        f"The token's iss names user pool {pool_id} in {region}, which does not exist in this sandbox, so it has "
        "no keys to verify with (raw moto would serve a JWKS for any pool id). Check the pool id."
    )


_HTTPS_CLIENTS: dict[str, jwt.PyJWKClient] = {}


def _https_client(iss: str) -> jwt.PyJWKClient:
    """A PyJWKClient (urllib, JWKS cached 5 minutes) for the issuer's public ``/.well-known/jwks.json``."""
    url = f"{iss}/.well-known/jwks.json"
    client = _HTTPS_CLIENTS.get(url)
    if client is None:
        client = _HTTPS_CLIENTS[url] = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=10)
    return client


# ---------------------------------------------------------------------------------------------- revocation
def check_revoked(access_token: str) -> None:
    """Ask Cognito whether it still accepts ``access_token``; raise :class:`Revoked` if it does not.

    Calls ``GetUser`` (the sandbox's when one runs, else AWS in the token's region): the authority on
    revocation, which a local signature check cannot see (AWS doc "Ending user sessions with token
    revocation"). Only access tokens can be checked; Cognito's APIs do not accept ID tokens.
    """
    import boto3
    from botocore.exceptions import ClientError

    _, payload = decode_unverified(access_token)
    if payload.get("token_use") != "access":
        raise WrongTokenUse(
            f"check_revoked needs an access token (token_use 'access'); this one says {payload.get('token_use')!r}. "
            "Cognito's GetUser accepts only access tokens."
        )
    m = _ISSUER.match(str(payload.get("iss", "")))
    kwargs = {"region_name": m.group("region")} if m else {}
    try:
        boto3.client("cognito-idp", **kwargs).get_user(AccessToken=access_token)
    except ClientError as err:
        code = err.response["Error"].get("Code")
        message = err.response["Error"].get("Message") or ""
        if code == "NotAuthorizedException" and "expired" in message.lower():
            raise Expired(f"Cognito refuses this access token: {message} (GetUser said NotAuthorizedException).") from None
        if code == "NotAuthorizedException":
            raise Revoked(
                f"Cognito refuses this access token: {message} (GetUser said NotAuthorizedException). "
                "Its signature may still verify locally: only Cognito knows it was revoked."
            ) from None
        raise


# ---------------------------------------------------------------------------------------------- explain
# What Cognito's claims mean: "Understanding the identity (ID) token" and "Understanding the access token"
# (Amazon Cognito Developer Guide, amazon-cognito-user-pools-using-the-id-token.html / -access-token.html).
_HEADER_MEANINGS = {
    "kid": "key id: which key of the user pool's JWKS (/.well-known/jwks.json) signed this token",
    "alg": "signature algorithm: RS256, an RSA signature with the pool's private key (SHA-256)",
    "typ": "the token type (JWT)",
}
_CLAIM_MEANINGS = {
    "sub": "the user's unique, permanent id in this pool (a UUID); the username may change, sub never does",
    "iss": "issuer: the user pool that signed the token (its JWKS is at iss + /.well-known/jwks.json)",
    "aud": "audience: the app client id the ID token was issued to",
    "client_id": "the app client id the access token was issued to",
    "token_use": "what the token is for: 'id' proves who the user is, 'access' authorizes API calls",
    "cognito:username": "the user's username in the pool",
    "username": "the user's username in the pool",
    "cognito:groups": "the user pool groups the user belongs to",
    "cognito:roles": "the IAM role ARNs of the user's groups",
    "cognito:preferred_role": "the IAM role of the user's highest-priority group",
    "email": "the user's email address attribute",
    "email_verified": "whether Cognito confirmed the user owns that email address",
    "phone_number": "the user's phone number attribute",
    "phone_number_verified": "whether Cognito confirmed the user owns that phone number",
    "origin_jti": "token-revocation id shared by every token of this sign-in; revoking the refresh token revokes them all",
    "event_id": "the id of the authentication event (the sign-in) that produced this token",
    "auth_time": "when the user authenticated (a refreshed token keeps the original sign-in time)",
    "iat": "issued at: when Cognito issued this token",
    "exp": "expires at: the token is refused from this time on",
    "jti": "this token's own unique id",
    "scope": "OAuth scopes granted; aws.cognito.signin.user.admin lets the token call the user's own Cognito APIs (GetUser...)",
    "nonce": "the nonce your app sent to the authorize endpoint, echoed back to stop replay",
    "at_hash": "hash of the access token issued alongside this ID token",
    "identities": "the external identity providers (Google, SAML...) linked to this user",
    "version": "the access token format version",
    "device_key": "the remembered device this sign-in used",
}
_TIME_CLAIMS = ("iat", "exp", "auth_time")


class Explanation(list):
    """Rows ``(part, claim, value, meaning)``; prints as an aligned table."""

    def __str__(self) -> str:
        if not self:
            return ""
        wc = max(len(r[1]) for r in self)
        wv = min(max(len(r[2]) for r in self), 64)
        lines, part = [], None
        for where, name, value, meaning in self:
            if where != part:
                part = where
                lines.append(f"{where}:")
            lines.append(f"  {name:<{wc}}  {value:<{wv}}  {meaning}")
        return "\n".join(lines)

    __repr__ = __str__


def explain(token: str, *, now: float | None = None, dates: bool = True) -> Explanation:
    """Each header field and claim of ``token`` in plain words (nothing is verified: see :func:`verify`).

    Times show as UTC dates and as durations relative to ``now`` (default: the sandbox's clock), e.g.
    ``expires in 60 min``; ``dates=False`` leaves out the dates (deterministic notebook output).
    """
    header, payload = decode_unverified(token)
    current = _now(now)
    rows = Explanation()
    for name, value in header.items():
        rows.append(("header", name, _show(value), _HEADER_MEANINGS.get(name, "")))
    for name, value in payload.items():
        if name in _TIME_CLAIMS and isinstance(value, (int, float)):
            shown = _relative(value, current, expiry=name == "exp")
            if dates:
                shown = f"{_utc(value)} ({shown})"
        else:
            shown = _show(value)
        meaning = _CLAIM_MEANINGS.get(name)
        if meaning is None:
            meaning = "a custom attribute of the user" if name.startswith("custom:") else "a user attribute or extra claim"
        rows.append(("payload", name, shown, meaning))
    return rows


# ---------------------------------------------------------------------------------------------- helpers
def _now(now: float | None) -> float:
    if now is not None:
        return float(now)
    from .sandbox import Sandbox

    sb = Sandbox.current()
    if sb is not None and sb.running:
        return sb.clock.time()
    import time

    return time.time()


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ago(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f} h"


def _relative(when: float, now: float, expiry: bool) -> str:
    delta = when - now
    if expiry:
        return f"expires in {_ago(delta)}" if delta > 0 else f"expired {_ago(delta)} ago"
    return f"{_ago(delta)} ago" if delta <= 0 else f"in {_ago(delta)}"


def _show(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _short(kid: str) -> str:
    return repr(kid if len(kid) <= 16 else kid[:12] + "...")


def _count(keyset: jwt.PyJWKSet) -> str:
    n = len(keyset.keys)
    return f"{n} key" if n == 1 else f"{n} keys"


def _pool(iss: str) -> str:
    m = _ISSUER.match(iss)
    return f"user pool {m.group('pool')}" if m else iss
