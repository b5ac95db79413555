"""Web identities: checking what an identity provider vouched for, and turning it into a role session.

Two AWS services accept a token from an identity provider and give temporary credentials for it:

* Amazon Cognito identity pools (``Logins`` of ``GetId`` / ``GetCredentialsForIdentity``), which know the
  providers configured on the pool ("Identity pools third-party identity providers",
  https://docs.aws.amazon.com/cognito/latest/developerguide/external-identity-providers.html);
* STS ``AssumeRoleWithWebIdentity``, which knows the OIDC providers registered in IAM and the role's trust
  policy (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
  "Available keys for AWS web identity federation",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).

This module holds what both mean: each validator returns a :class:`WebIdentity` or raises a
:class:`LoginRejected` subclass saying why (as PyJWT does); each service words the reason its own way.
:func:`session_keys` are the condition keys a web identity brings to its role session; the session
itself is issued by :mod:`labkit.sts.sessions`, the one issuer of role sessions.
No HTTP in here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import tokens

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
COGNITO_IDENTITY_ISSUER = "https://cognito-identity.amazonaws.com"
GOOGLE = "accounts.google.com"
FACEBOOK = "graph.facebook.com"
AMAZON = "www.amazon.com"
USER_POOL_PROVIDER = re.compile(r"^cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<pool>[a-z0-9-]+_[A-Za-z0-9]+)$")


# ------------------------------------------------------------------------------------------------ reasons
class LoginRejected(Exception):
    """A token an identity provider issued was refused. ``reason`` is Cognito's wording after
    ``"Invalid login token. "``."""

    reason = "Not a valid OpenId Connect identity token."
    #: The short name a verdict shows before the reason (``show.token``): the class name unless set.
    label = ""

    def __init__(self, reason: str | None = None):
        if reason:
            self.reason = reason
        super().__init__(self.reason)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "label" not in cls.__dict__:
            cls.label = cls.__name__


class MalformedToken(LoginRejected):
    label = "Malformed"
    reason = "Not a valid OpenId Connect identity token."


class BadSignature(LoginRejected):
    reason = "Couldn't verify signed token."


class TokenExpired(LoginRejected):
    label = "Expired"

    def __init__(self, now: int, exp: int):
        self.now, self.exp = now, exp
        super().__init__(f"Token expired: {now} >= {exp}")


class IncorrectAudience(LoginRejected):
    reason = "Incorrect token audience."


class IssuerMismatch(LoginRejected):
    reason = "Issuer doesn't match providerName"


class MissingClaim(LoginRejected):
    def __init__(self, claim: str):
        self.claim = claim
        super().__init__(f"Missing a required claim: {claim}")


class SessionRevoked(LoginRejected):
    label = "Revoked"
    reason = "Token is revoked."


class NoOpenIdProvider(LoginRejected):
    """STS: no OIDC provider registered in IAM for the token's issuer."""

    label = "NoSuchProvider"


# ------------------------------------------------------------------------------------------------ identity
@dataclass
class WebIdentity:
    """Who an identity provider says the user is.

    ``provider`` is the provider's name as Cognito's ``Logins`` and IAM condition keys spell it
    (``accounts.google.com``, ``graph.facebook.com``, ``www.amazon.com``, ``login.example.com``,
    ``cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E``, ``cognito-identity.amazonaws.com``).
    """

    provider: str
    subject: str
    audience: str
    expires_at: int
    claims: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)  # the IAM condition keys this identity carries
    amr: str = ""  # the provider-specific entry of a Cognito OpenID token's amr

    @property
    def principal(self) -> str:
        """The ``Principal.Federated`` a trust policy names for this provider."""
        return self.claims.get("__principal__") or self.provider


def _sandbox_now(sb) -> int:
    return int(sb.clock.time())


def _decode_jwt(token: str, key_for_kid, now: int, *, issuers=None, audiences=None) -> dict:
    """:func:`labkit.tokens.verify_jwt` (structure, RS256, the issuer's key, signature, ``iss``/``sub``/
    ``aud``/``exp`` present, expiry on the sandbox's clock, then ``issuers`` and ``audiences``), its
    refusals worded as Cognito's ``Logins`` and STS word them."""
    try:
        return tokens.verify_jwt(token, lambda header, payload: key_for_kid(header.get("kid")), now=now,
                                 required=("iss", "sub", "aud", "exp"), issuers=issuers, audiences=audiences)
    except tokens.MissingClaim as why:
        raise MissingClaim(why.claim) from None
    except tokens.Expired as why:
        raise TokenExpired(now, int(why.exp)) from None
    except (tokens.AlgorithmNotAllowed, tokens.UnknownKeyId, tokens.InvalidSignature):
        raise BadSignature() from None
    except tokens.WrongIssuer:
        raise IssuerMismatch() from None
    except tokens.WrongAudience:
        raise IncorrectAudience() from None
    except tokens.TokenError:
        raise MalformedToken() from None


def _unverified_payload(token) -> dict:
    """The claims of a token before it is verified: only to learn who issued it, and so which key to use."""
    if not isinstance(token, str):
        raise MalformedToken()
    try:
        return tokens.decode_unverified(token)[1]
    except tokens.TokenError:
        raise MalformedToken() from None


def _audience_ok(aud, audiences) -> bool:
    values = aud if isinstance(aud, list) else [aud]
    return any(v in audiences for v in values)


def _idps(sb):
    idps = sb.components.get("idps")
    if idps is None:  # pragma: no cover - labkit.idps always installs
        raise BadSignature()
    return idps


# ------------------------------------------------------------------------------------------------ validators
def google(sb, token: str, client_ids) -> WebIdentity:
    """A Google ID token: Google's signature, ``iss`` accounts.google.com, ``aud`` one of the app's client ids."""
    provider = _idps(sb).google
    claims = _decode_jwt(token, provider.public_key, _sandbox_now(sb), issuers=(provider.issuer, GOOGLE), audiences=client_ids)
    aud = claims["aud"] if isinstance(claims["aud"], str) else claims["aud"][0]
    keys = {f"{GOOGLE}:aud": aud, f"{GOOGLE}:oaud": aud, f"{GOOGLE}:sub": claims["sub"]}
    return WebIdentity(GOOGLE, claims["sub"], aud, int(claims["exp"]), claims, keys, f"{GOOGLE}:{aud}:{claims['sub']}")


def facebook(sb, token: str, app_ids) -> WebIdentity:
    """A Facebook user access token, checked as Graph API ``debug_token`` reports it."""
    answer = _idps(sb).facebook.debug_token(token if isinstance(token, str) else "")
    data = answer.get("data")
    if data is None:
        raise LoginRejected("Invalid Facebook token.")
    if data["app_id"] not in app_ids:
        raise IncorrectAudience()
    now = _sandbox_now(sb)
    if now >= data["expires_at"]:
        raise TokenExpired(now, data["expires_at"])
    if not data["is_valid"]:
        raise LoginRejected("Invalid Facebook token.")
    keys = {f"{FACEBOOK}:app_id": data["app_id"], f"{FACEBOOK}:id": data["user_id"]}
    claims = dict(data, id=data["user_id"])  # Graph API's /me calls the user id "id"
    return WebIdentity(FACEBOOK, data["user_id"], data["app_id"], data["expires_at"], claims, keys, f"{FACEBOOK}:{data['user_id']}")


def amazon(sb, token: str, app_ids) -> WebIdentity:
    """A Login with Amazon access token, checked with ``tokeninfo`` (app_id) and ``user/profile``."""
    lwa = _idps(sb).amazon
    info = lwa.tokeninfo(token if isinstance(token, str) else "")
    if "error" in info:
        stored = lwa.tokens.get(token) if isinstance(token, str) else None
        if stored is not None and stored.valid:
            raise TokenExpired(_sandbox_now(sb), stored.expires_at)
        raise LoginRejected("Invalid Amazon token.")
    if info["app_id"] not in app_ids and info["aud"] not in app_ids:
        raise IncorrectAudience()
    expires_at = _sandbox_now(sb) + info["exp"]
    keys = {f"{AMAZON}:app_id": info["app_id"], f"{AMAZON}:user_id": info["user_id"]}
    return WebIdentity(AMAZON, info["user_id"], info["app_id"], expires_at, dict(info), keys, f"{AMAZON}:{info['app_id']}:{info['user_id']}")


def openid(sb, token: str, host_path: str, client_ids, *, principal: str = "") -> WebIdentity:
    """An ID token from an OIDC provider registered in IAM (``oidc-provider/<host_path>``)."""
    issuer = "https://" + host_path
    provider = _idps(sb).find_openid(issuer)
    if provider is None:  # nobody in the sandbox publishes keys for this issuer
        raise BadSignature()
    claims = _decode_jwt(token, provider.public_key, _sandbox_now(sb), issuers=(issuer, issuer + "/"), audiences=client_ids)
    aud = claims["aud"] if isinstance(claims["aud"], str) else claims["aud"][0]
    keys = {f"{host_path}:aud": aud, f"{host_path}:sub": claims["sub"]}
    if principal:
        claims = dict(claims, __principal__=principal)
    return WebIdentity(host_path, claims["sub"], aud, int(claims["exp"]), claims, keys, f"{host_path}:{aud}:{claims['sub']}")


def user_pool(sb, token: str, provider_name: str, client_ids, *, server_side_check: bool = False) -> WebIdentity:
    """A user pool ID token: the pool's own key, ``iss`` the pool, ``aud`` a configured app client.

    "Integrating user pools with identity pools" (amazon-cognito-integrating-user-pools-with-identity-pools).
    With ``ServerSideTokenCheck`` Cognito also asks the user pool whether the user is still signed in.
    """
    m = USER_POOL_PROVIDER.match(provider_name)
    if not m:
        raise IssuerMismatch()
    pool_id, region = m.group("pool"), m.group("region")
    unverified = _unverified_payload(token)
    if unverified.get("iss") != f"https://{provider_name}":
        raise IssuerMismatch()
    pool = _moto_user_pool(sb, region, pool_id)
    if pool is None:
        raise BadSignature()
    key = sb.keys.for_owner(pool_id)
    claims = _decode_jwt(token, lambda kid: key.public_key if kid == key.kid else None, _sandbox_now(sb))
    if claims.get("token_use", "id") != "id" or "aud" not in claims:
        raise MissingClaim("aud")
    if not _audience_ok(claims["aud"], client_ids):
        raise IncorrectAudience()
    if server_side_check and not _user_signed_in(sb, pool, claims):
        raise SessionRevoked()
    keys = {f"{provider_name}:aud": claims["aud"], f"{provider_name}:sub": claims["sub"]}
    return WebIdentity(provider_name, claims["sub"], claims["aud"], int(claims["exp"]), claims, keys,
                       f"{provider_name}:CognitoSignIn:{claims['sub']}")


def cognito_identity(sb, token: str) -> WebIdentity:
    """An OpenID token Cognito identity pools issued (``GetOpenIdToken*``), signed with the identity service's key."""
    key = sb.keys.for_owner(COGNITO_IDENTITY)
    claims = _decode_jwt(token, lambda kid: key.public_key if kid == key.kid else None, _sandbox_now(sb),
                         issuers=(COGNITO_IDENTITY_ISSUER,))
    amr = claims.get("amr") or []
    keys = {f"{COGNITO_IDENTITY}:aud": claims["aud"], f"{COGNITO_IDENTITY}:sub": claims["sub"], f"{COGNITO_IDENTITY}:amr": list(amr)}
    return WebIdentity(COGNITO_IDENTITY, claims["sub"], claims["aud"], int(claims["exp"]), claims, keys)


def _moto_user_pool(sb, region: str, pool_id: str):
    from . import moto_adapter

    return moto_adapter.user_pool(sb.account_id, region, pool_id)


def _user_signed_in(sb, pool, claims: dict) -> bool:
    """ServerSideTokenCheck: the user still exists and is enabled, and the sign-in was not revoked
    (GlobalSignOut, RevokeToken), as the user pool knows it."""
    username = claims.get("cognito:username")
    user = pool.users.get(username) if username else None
    if user is None:
        user = next((u for u in pool.users.values() if getattr(u, "id", None) == claims.get("sub")), None)
    if user is None or not getattr(user, "enabled", True):
        return False
    issuer = getattr(getattr(sb.components.get("userpools"), "service", None), "tokens", None)
    session = getattr(issuer, "sessions", {}).get(claims.get("origin_jti")) if issuer is not None else None
    return not getattr(session, "revoked", False)


# ------------------------------------------------------------------------------------------------ STS's view
def for_sts(sb, token: str, provider_id: str | None = None) -> WebIdentity:
    """Validate a ``WebIdentityToken`` as STS does: by its issuer, against IAM's OIDC providers.

    Google, Cognito identity pools, and (with ``ProviderId``) Facebook and Login with Amazon are known
    to STS without an IAM provider; any other issuer needs ``oidc-provider/<issuer host/path>`` whose
    ClientIDList holds the token's ``aud``.
    """
    if provider_id in (FACEBOOK, AMAZON):
        check = facebook if provider_id == FACEBOOK else amazon
        answer = check(sb, token, _AnyAudience())
        return answer
    unverified = _unverified_payload(token)
    iss = str(unverified.get("iss") or "").rstrip("/")
    if not iss:
        raise MissingClaim("iss")
    if iss == COGNITO_IDENTITY_ISSUER:
        return cognito_identity(sb, token)
    host_path = iss.split("://", 1)[-1]
    provider_arn = f"arn:aws:iam::{sb.account_id}:oidc-provider/{host_path}"
    registered = iam_oidc_provider_for(sb, provider_arn)
    if host_path == GOOGLE and registered is None:
        return google(sb, token, _AnyAudience())
    if registered is None:
        raise NoOpenIdProvider(f"No OpenIDConnect provider found in your account for {iss}")
    m = USER_POOL_PROVIDER.match(host_path)
    if m:
        identity = user_pool(sb, token, host_path, registered.client_id_list)
        identity.claims["__principal__"] = provider_arn
        return identity
    return openid(sb, token, host_path, registered.client_id_list, principal=provider_arn)


class _AnyAudience:
    """STS checks Google/Facebook/Amazon audiences in the trust policy's conditions, not itself."""

    def __contains__(self, item):
        return True


def iam_oidc_provider_for(sb, arn: str):
    """The IAM OIDC provider object for an ARN in a pool's OpenIdConnectProviderARNs (or None)."""
    from .iam import models as iam

    return iam.oidc_provider(sb, arn)


def session_keys(identity: WebIdentity, extra: dict | None = None) -> dict:
    """Condition keys and policy variables of a web identity session (IAM User Guide, condition-keys-wif)."""
    keys = dict(identity.keys)
    keys["aws:FederatedProvider"] = identity.principal
    if extra:
        keys.update(extra)
    return keys
