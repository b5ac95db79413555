"""Issuing a user pool's tokens, and checking the access tokens that authorise user operations.

Developer guide, "Understanding user pool JSON web tokens": the ID and access tokens are RS256 JWTs
signed with the pool's own key (``kid`` in the header, published at the pool's
``/.well-known/jwks.json``); the refresh token is opaque (an encrypted JWE), bound to its app client.
Lifetimes come from the app client (AccessTokenValidity, IdTokenValidity, RefreshTokenValidity with
TokenValidityUnits). ``RevokeToken`` ends a refresh token and every token issued from it
(``origin_jti``); ``GlobalSignOut`` ends all of a user's.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field

import jwt

from .. import tokens
from .exceptions import NotAuthorized, RefreshTokenReuse, UserNotFound

SCOPE = "aws.cognito.signin.user.admin"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# API reference, TokenValidityUnitsType: the units when the client does not say.
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
DEFAULT_VALIDITY = {"AccessToken": 3600, "IdToken": 3600, "RefreshToken": 30 * 86400}
# The protected header every Cognito refresh token starts with.
_JWE_HEADER = base64.urlsafe_b64encode(b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}').rstrip(b"=").decode()
# Claims Cognito sets itself: a PreTokenGeneration trigger cannot override or suppress them.
PROTECTED_CLAIMS = {
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat", "identities",
    "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "event_id",
}
#: ... and in the access token, the claims that say whose token it is and what it may do (``scope`` changes
#: only through scopesToAdd / scopesToSuppress). labkit's reading of the developer guide's "Pre token
#: generation Lambda trigger" (excluded claims); the list is a reconstruction.
ACCESS_PROTECTED_CLAIMS = PROTECTED_CLAIMS | {"client_id", "scope", "username", "version", "device_key"}


def validity_seconds(client, kind: str) -> int:
    """Seconds a token of ``kind`` ("AccessToken", "IdToken", "RefreshToken") lives for this client."""
    cfg = client.extended_config
    value = cfg.get(f"{kind}Validity")
    if value is None:
        return DEFAULT_VALIDITY[kind]
    units = (cfg.get("TokenValidityUnits") or {}).get(kind) or DEFAULT_UNITS[kind]
    return int(value) * UNIT_SECONDS[units]


def _uuid(random) -> str:
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


@dataclass
class Session:
    """One sign-in (an ``origin_jti``): the tokens issued from one refresh token share it."""

    origin_jti: str
    pool_id: str
    client_id: str
    username: str
    auth_time: int
    refresh_expires: float
    revoked: bool = False
    refresh_token: str | None = None


@dataclass
class TokenIssuer:
    """Tokens of every pool of one sandbox."""

    sandbox: object
    sessions: dict = field(default_factory=dict)  # origin_jti -> Session
    refresh_tokens: dict = field(default_factory=dict)  # refresh token -> origin_jti
    rotated_out: dict = field(default_factory=dict)  # refresh token replaced by rotation -> the time it stops working

    # ------------------------------------------------------------ issuing
    def issue(self, pool, client, user, *, id_claims: dict, access_claims: dict, session: Session | None = None,
              with_refresh: bool = True, scope: str = SCOPE) -> dict:
        """An AuthenticationResult. ``id_claims``/``access_claims`` are the user's claims (attributes,
        groups, trigger overrides); the standard claims are added here (``scope``: the access token's)."""
        sb = self.sandbox
        now = int(sb.clock.time())
        if session is None:
            session = Session(_uuid(sb.random), pool.id, client.id, user.username, now,
                              now + validity_seconds(client, "RefreshToken"))
            self.sessions[session.origin_jti] = session
        iss = f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"
        key = sb.keys.for_owner(pool.id)
        event_id = _uuid(sb.random)
        access_life = validity_seconds(client, "AccessToken")
        id_life = validity_seconds(client, "IdToken")

        access = {"sub": user.id}
        access.update(access_claims)
        access.update({"iss": iss, "client_id": client.id, "origin_jti": session.origin_jti, "event_id": event_id,
                       "token_use": "access", "scope": scope, "auth_time": session.auth_time,
                       "exp": now + access_life, "iat": now, "jti": _uuid(sb.random), "username": user.username})
        if not scope:
            del access["scope"]  # a pre token generation trigger suppressed every scope

        ident = {"sub": user.id}
        ident.update({k: v for k, v in id_claims.items()})
        ident.update({"iss": iss, "cognito:username": user.username, "origin_jti": session.origin_jti, "aud": client.id,
                      "event_id": event_id, "token_use": "id", "auth_time": session.auth_time,
                      "exp": now + id_life, "iat": now, "jti": _uuid(sb.random)})
        headers = {"kid": key.kid, "alg": "RS256", "typ": None}  # Cognito sends no "typ"
        result = {
            "AccessToken": jwt.encode(access, key.private_key, algorithm="RS256", headers=headers),
            "ExpiresIn": access_life,
            "TokenType": "Bearer",
            "IdToken": jwt.encode(ident, key.private_key, algorithm="RS256", headers=headers),
        }
        if with_refresh:
            token = self._refresh_token()
            session.refresh_token = token
            self.refresh_tokens[token] = session.origin_jti
            result["RefreshToken"] = token
        return result

    def _refresh_token(self) -> str:
        r = self.sandbox.random

        def part(n):
            return base64.urlsafe_b64encode(r.randbytes(n)).rstrip(b"=").decode()

        return ".".join([_JWE_HEADER, part(256), part(12), part(1200), part(16)])

    # ------------------------------------------------------------ refresh, revoke, sign out
    def session_for_refresh(self, token: str, client_id: str) -> Session:
        """The sign-in a refresh token continues; NotAuthorizedException as Cognito words it."""
        origin = self.refresh_tokens.get(token or "")
        session = self.sessions.get(origin) if origin else None
        if session is None:
            raise NotAuthorized("Invalid Refresh Token")
        if session.client_id != client_id:
            # AWS's wording since January 2022 for a refresh token of another app client of the same pool
            # (aws-sdk-js#4016, amplify-js#9502: before, it said "Invalid Refresh Token").
            raise NotAuthorized("Refresh Token has different Client")
        if session.revoked:
            raise NotAuthorized("Refresh Token has been revoked")
        now = self.sandbox.clock.time()
        if now > session.refresh_expires:
            raise NotAuthorized("Refresh Token has expired")
        if token in self.rotated_out and now >= self.rotated_out[token]:
            raise RefreshTokenReuse("Refresh Token has been used already")
        return session

    def rotate(self, session: Session, old: str, grace_seconds: int) -> str:
        """Refresh-token rotation (API reference, GetTokensFromRefreshToken and RefreshTokenRotationType): a
        new refresh token for the same sign-in, which keeps the original expiry; the one presented keeps
        working for ``grace_seconds`` (RetryGracePeriodSeconds, 0-60) on the sandbox clock, then is refused."""
        token = self._refresh_token()
        self.refresh_tokens[token] = session.origin_jti
        session.refresh_token = token
        if old not in self.rotated_out:  # a retry within the grace period does not extend it
            self.rotated_out[old] = self.sandbox.clock.time() + grace_seconds
        return token

    def revoke(self, token: str, client_id: str) -> bool:
        """RevokeToken: False when the token is not a refresh token of this client."""
        origin = self.refresh_tokens.get(token or "")
        session = self.sessions.get(origin) if origin else None
        if session is None or session.client_id != client_id:
            return False
        session.revoked = True
        return True

    def sign_out(self, pool_id: str, username: str) -> None:
        """GlobalSignOut / AdminUserGlobalSignOut: every session of the user ends."""
        for s in self.sessions.values():
            if s.pool_id == pool_id and s.username == username:
                s.revoked = True

    # ------------------------------------------------------------ checking
    def check_access_token(self, token: str) -> dict:
        """The claims of a valid access token of this sandbox, or NotAuthorizedException.

        Verified by :func:`labkit.tokens.verify_jwt` (signed by the key of the pool its ``iss`` names,
        ``token_use`` access, not expired on the sandbox clock), then the sign-in must not be revoked."""
        sb = self.sandbox

        def key_for(header, payload):
            key = sb.keys.find(str(header.get("kid", "")))
            pool_id = str(payload.get("iss", "")).rsplit("/", 1)[-1]
            return key.public_key if key is not None and sb.keys.get(pool_id) is key else None

        def access_only(payload):
            if payload.get("token_use") != "access":
                raise tokens.WrongTokenUse("not an access token")

        try:
            claims = tokens.verify_jwt(token, key_for, now=sb.clock.time(), check_claims=access_only)
        except tokens.Expired:
            raise NotAuthorized("Access Token has expired") from None
        except tokens.TokenError:
            raise NotAuthorized("Invalid Access Token") from None
        session = self.sessions.get(claims.get("origin_jti"))
        if session is None or session.revoked:
            raise NotAuthorized("Access Token has been revoked")
        return claims


def user_from_claims(backend, claims: dict):
    """(pool, user) an access token belongs to."""
    pool_id = claims["iss"].rsplit("/", 1)[-1]
    pool = backend.user_pools.get(pool_id)
    user = pool.users.get(claims.get("username")) if pool else None
    if pool is None or user is None or user.id != claims.get("sub"):
        raise UserNotFound("User does not exist.")
    if not user.enabled:
        raise NotAuthorized("User is disabled.")
    return pool, user
