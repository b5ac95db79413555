"""Mock identity providers: the parts of the outside world that vouch for a user.

A web or mobile app signs its user in with an identity provider (IdP) and hands what the IdP returned
to Amazon Cognito (``Logins``) or to STS (``WebIdentityToken``). Each mock here issues exactly what
the real one issues, and answers the look-ups Cognito makes to check it:

* :class:`Google` -- OpenID Connect: an RS256 ID token signed with Google's own key, published at its
  JWKS URI (https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken).
* :class:`Facebook` -- an opaque user access token, checked with the Graph API's ``debug_token``
  (https://developers.facebook.com/docs/graph-api/reference/debug_token).
* :class:`LoginWithAmazon` -- an opaque ``Atza|...`` access token, checked with ``tokeninfo`` and
  ``user/profile`` (https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html).
* :class:`OpenIdProvider` -- any other OIDC provider (the kind registered in IAM with
  ``create_open_id_connect_provider``), with its own key: ``sb.idp("oidc", issuer="https://login.example.com")``.

Users are created on first sign-in with subjects drawn from ``sb.random`` (so they repeat with the
seed). ``sign_in`` returns the token string the real IdP would hand the app. The HTTP faces
(discovery, JWKS, debug_token, profile, a minimal sign-in page) are served as dispatcher routes under
``/idp/<name>/...`` on the sandbox's endpoint.
"""

from __future__ import annotations

import html
import json
import string
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import jwt

from .errors import LabkitError
from .wire.request import Response

ID_TOKEN_LIFETIME = 3600  # Google and most OIDC providers: one hour
FACEBOOK_TOKEN_LIFETIME = 2 * 3600  # a short-lived user access token
AMAZON_TOKEN_LIFETIME = 3600  # "expires_in": 3600


class UnknownIdentityProvider(LabkitError):
    """``sb.idp(name)`` was asked for a provider the sandbox does not play."""


@dataclass
class User:
    """One person known to a mock IdP."""

    email: str
    subject: str  # Google "sub", Facebook user id, Amazon user_id, OIDC "sub"
    name: str = ""
    attributes: dict = field(default_factory=dict)


def _digits(rnd, n: int) -> str:
    return str(rnd.randint(1, 9)) + "".join(str(rnd.randint(0, 9)) for _ in range(n - 1))


def _chars(rnd, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(n))


def _display_name(email: str) -> str:
    return email.split("@", 1)[0].replace(".", " ").title()


class IdentityProvider:
    """Common to the mocks: a user directory filled on first use, and the sandbox's clock."""

    name = ""
    issuer = ""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.users: dict[str, User] = {}

    def user(self, email: str) -> User:
        """The user with this email, created (with a deterministic subject) on first use."""
        if not isinstance(email, str) or "@" not in email:
            raise LabkitError(f"{self.name} signs people in by email address; got {email!r}. Pass e.g. 'alice@example.com'.")
        key = email.strip().lower()
        if key not in self.users:
            self.users[key] = User(key, self._new_subject(), _display_name(key))
        return self.users[key]

    def _new_subject(self) -> str:
        raise NotImplementedError

    def now(self) -> int:
        return int(self.sandbox.clock.time())

    def __repr__(self):
        return f"<labkit mock IdP {self.name}: {len(self.users)} user(s)>"


class OpenIdProvider(IdentityProvider):
    """An OpenID Connect provider: RS256 ID tokens, a discovery document and a JWKS.

    OpenID Connect Core 1.0, section 2 (ID Token) and OpenID Connect Discovery 1.0, section 3.
    """

    name = "oidc"

    def __init__(self, sandbox, issuer: str, route: str):
        super().__init__(sandbox)
        parts = urlsplit(issuer)
        if parts.scheme != "https" or not parts.netloc:
            raise LabkitError(f"An OpenID Connect issuer is an https URL, like 'https://login.example.com'; got {issuer!r}.")
        self.issuer = issuer.rstrip("/")
        self.route = route  # "/idp/google" or "/idp/oidc/login.example.com"

    @property
    def key(self):
        return self.sandbox.keys.for_owner(self.issuer)

    @property
    def host_path(self) -> str:
        """The issuer without ``https://``: how IAM and Cognito name the provider."""
        return self.issuer.split("://", 1)[1]

    def _new_subject(self) -> str:
        return str(uuid.UUID(int=self.sandbox.random.getrandbits(128), version=4))

    def claims(self, user: User, client_id: str, nonce: str | None, lifetime: int) -> dict:
        now = self.now()
        claims = {"iss": self.issuer, "sub": user.subject, "aud": client_id, "iat": now, "exp": now + lifetime,
                  "email": user.email, "email_verified": True, "name": user.name}
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def sign_in(self, email: str, *, client_id: str, nonce: str | None = None, lifetime: int = ID_TOKEN_LIFETIME) -> str:
        """Sign ``email`` in to the app ``client_id``; returns the ID token (a JWT) the IdP returns."""
        if not client_id or not isinstance(client_id, str):
            raise LabkitError(f"{self.name}: pass the app's client id, sign_in(email, client_id='...'): it becomes the token's audience.")
        user = self.user(email)
        key = self.key
        return jwt.encode(self.claims(user, client_id, nonce, lifetime), key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def jwks(self) -> dict:
        return self.sandbox.keys.jwks(self.issuer)

    def public_key(self, kid: str | None):
        """The public key for ``kid`` (what a verifier finds in the JWKS), or None."""
        key = self.key
        return key.public_key if kid in (None, key.kid) else None

    def discovery(self, base: str = "") -> dict:
        """OpenID Connect Discovery 1.0 section 3 (the fields a relying party reads)."""
        base = base or self.issuer
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["id_token", "code", "token id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub"],
        }


class Google(OpenIdProvider):
    """Google Identity: ID tokens for ``*.apps.googleusercontent.com`` clients, iss ``https://accounts.google.com``."""

    name = "google"
    provider_name = "accounts.google.com"  # the key in Cognito's Logins / SupportedLoginProviders

    def __init__(self, sandbox):
        super().__init__(sandbox, "https://accounts.google.com", "/idp/google")

    def _new_subject(self) -> str:
        return _digits(self.sandbox.random, 21)  # Google subjects are 21-digit numbers

    def claims(self, user, client_id, nonce, lifetime):
        claims = super().claims(user, client_id, nonce, lifetime)
        claims["azp"] = client_id
        return claims

    def discovery(self, base: str = "") -> dict:
        doc = super().discovery(base)
        base = base or "https://accounts.google.com"
        doc.update({"authorization_endpoint": f"{base}/o/oauth2/v2/auth",
                    "jwks_uri": f"{base}/oauth2/v3/certs" if base != "https://accounts.google.com" else "https://www.googleapis.com/oauth2/v3/certs"})
        return doc


@dataclass
class AccessToken:
    """An opaque access token as the issuing IdP remembers it."""

    token: str
    user: User
    app_id: str
    client_id: str
    issued_at: int
    expires_at: int
    scopes: tuple = ("public_profile", "email")
    valid: bool = True


class Facebook(IdentityProvider):
    """Facebook Login: opaque user access tokens for an app id, checked with Graph API ``debug_token``."""

    name = "facebook"
    provider_name = "graph.facebook.com"

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.tokens: dict[str, AccessToken] = {}

    def _new_subject(self) -> str:
        return _digits(self.sandbox.random, 17)

    def sign_in(self, email: str, *, app_id: str, lifetime: int = FACEBOOK_TOKEN_LIFETIME) -> str:
        """Sign ``email`` in to the Facebook app ``app_id``; returns the user access token (``EAA...``)."""
        if not app_id or not str(app_id).isdigit():
            raise LabkitError(f"Facebook app ids are numbers, like '1234567890123456'; got {app_id!r}.")
        user = self.user(email)
        token = "EAA" + _chars(self.sandbox.random, 180)
        now = self.now()
        self.tokens[token] = AccessToken(token, user, str(app_id), str(app_id), now, now + lifetime)
        return token

    def revoke(self, token: str) -> None:
        """The user removed the app (or logged out everywhere): the token stops being valid."""
        if token in self.tokens:
            self.tokens[token].valid = False

    def debug_token(self, input_token: str) -> dict:
        """``GET /debug_token?input_token=...``: what Graph API answers about a user access token."""
        info = self.tokens.get(input_token)
        if info is None:
            return {"error": {"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190}}
        now = self.now()
        data = {"app_id": info.app_id, "type": "USER", "application": "labkit app", "data_access_expires_at": info.expires_at + 90 * 86400,
                "expires_at": info.expires_at, "is_valid": info.valid and now < info.expires_at, "issued_at": info.issued_at,
                "scopes": list(info.scopes), "user_id": info.user.subject}
        if not data["is_valid"]:
            data["error"] = {"code": 190, "message": "Error validating access token: Session has expired." if info.valid
                             else "Error validating access token: The user has not authorized application.", "subcode": 463 if info.valid else 458}
        return {"data": data}

    def me(self, access_token: str) -> dict:
        """``GET /me?fields=id,name,email``."""
        info = self.tokens.get(access_token)
        if info is None or not info.valid or self.now() >= info.expires_at:
            return {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        return {"id": info.user.subject, "name": info.user.name, "email": info.user.email}


class LoginWithAmazon(IdentityProvider):
    """Login with Amazon: opaque ``Atza|...`` access tokens, ``tokeninfo`` and ``user/profile``."""

    name = "amazon"
    provider_name = "www.amazon.com"

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.tokens: dict[str, AccessToken] = {}

    def _new_subject(self) -> str:
        return "amzn1.account." + _chars(self.sandbox.random, 28, string.ascii_uppercase + string.digits)

    def sign_in(self, email: str, *, app_id: str, client_id: str | None = None, lifetime: int = AMAZON_TOKEN_LIFETIME) -> str:
        """Sign ``email`` in to the Amazon app ``app_id`` (``amzn1.application.<hex>``); returns ``Atza|...``."""
        if not app_id or not str(app_id).startswith("amzn1.application."):
            raise LabkitError(f"Login with Amazon app ids look like 'amzn1.application.0123456789abcdef...'; got {app_id!r}.")
        user = self.user(email)
        client_id = client_id or "amzn1.application-oa2-client." + app_id.rsplit(".", 1)[-1]
        token = "Atza|" + _chars(self.sandbox.random, 300, string.ascii_letters + string.digits + "-_")
        now = self.now()
        self.tokens[token] = AccessToken(token, user, app_id, client_id, now, now + lifetime, scopes=("profile",))
        return token

    def tokeninfo(self, access_token: str) -> dict:
        """``GET /auth/o2/tokeninfo?access_token=...``."""
        info = self.tokens.get(access_token)
        if info is None or not info.valid:
            return {"error": "invalid_token", "error_description": "The request has an invalid parameter : access_token"}
        remaining = info.expires_at - self.now()
        if remaining <= 0:
            return {"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed, or invalid for other reasons."}
        return {"iss": "https://www.amazon.com", "user_id": info.user.subject, "aud": info.client_id, "app_id": info.app_id,
                "exp": remaining, "iat": info.issued_at}

    def profile(self, access_token: str) -> dict:
        """``GET /user/profile`` with ``Authorization: bearer <token>``."""
        info = self.tokeninfo(access_token)
        if "error" in info:
            return info
        user = self.tokens[access_token].user
        return {"user_id": user.subject, "name": user.name, "email": user.email}


class IdentityProviders:
    """The mock IdPs of one sandbox (``sb.components["idps"]``); ``sb.idp(name)`` calls :meth:`get`."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.google = Google(sandbox)
        self.facebook = Facebook(sandbox)
        self.amazon = LoginWithAmazon(sandbox)
        self.oidc: dict[str, OpenIdProvider] = {}  # by issuer

    def get(self, name: str, *, issuer: str | None = None):
        fixed = {"google": self.google, "facebook": self.facebook, "amazon": self.amazon}
        if name in fixed:
            return fixed[name]
        if name == "oidc":
            if not issuer:
                raise UnknownIdentityProvider('An OpenID Connect provider needs its issuer: sb.idp("oidc", issuer="https://login.example.com").')
            return self.openid(issuer)
        raise UnknownIdentityProvider(f"The sandbox plays these identity providers: 'google', 'facebook', 'amazon', and any OpenID Connect "
                                      f"provider with sb.idp('oidc', issuer='https://...'); not {name!r}.")

    def openid(self, issuer: str) -> OpenIdProvider:
        """The OIDC provider with this issuer (made on first use)."""
        issuer = issuer.rstrip("/")
        if issuer == self.google.issuer:
            return self.google
        if issuer not in self.oidc:
            host_path = issuer.split("://", 1)[-1]
            self.oidc[issuer] = OpenIdProvider(self.sandbox, issuer, f"/idp/oidc/{host_path}")
        return self.oidc[issuer]

    def find_openid(self, issuer: str) -> OpenIdProvider | None:
        """The provider that issues tokens with this ``iss`` (with or without ``https://``), if it exists."""
        issuer = issuer.rstrip("/")
        if issuer in (self.google.issuer, "accounts.google.com"):
            return self.google
        if not issuer.startswith("https://"):
            issuer = "https://" + issuer
        return self.oidc.get(issuer)

    # ------------------------------------------------------------------ HTTP faces
    def route(self, request) -> Response | None:
        """Dispatcher route for ``/idp/...``: discovery, JWKS, debug_token, tokeninfo, profile, sign-in page."""
        path = request.path
        if not path.startswith("/idp/") or request.header("Authorization", "").startswith("AWS4-"):
            return None
        q = {k: v[-1] for k, v in request.query.items()}
        base = self._base(request)
        if path.startswith("/idp/google/"):
            return self._openid_route(self.google, path[len("/idp/google"):], q, base + "/idp/google", request)
        if path.startswith("/idp/oidc/"):
            for provider in self.oidc.values():
                if path.startswith(provider.route + "/"):
                    return self._openid_route(provider, path[len(provider.route):], q, base + provider.route, request)
            return _json(404, {"error": "not_found", "error_description": "No OpenID Connect provider with this issuer in the sandbox."})
        if path == "/idp/facebook/debug_token":
            answer = self.facebook.debug_token(q.get("input_token", ""))
            return _json(400 if "error" in answer else 200, answer)
        if path == "/idp/facebook/me":
            answer = self.facebook.me(q.get("access_token", ""))
            return _json(400 if "error" in answer else 200, answer)
        if path == "/idp/facebook/dialog/oauth":
            return self._sign_in_page(request, q, "Facebook", lambda email: {"access_token": self.facebook.sign_in(email, app_id=q.get("client_id", "")),
                                                                               "token_type": "bearer", "expires_in": FACEBOOK_TOKEN_LIFETIME})
        if path == "/idp/amazon/auth/o2/tokeninfo":
            answer = self.amazon.tokeninfo(q.get("access_token", ""))
            return _json(400 if "error" in answer else 200, answer)
        if path == "/idp/amazon/user/profile":
            auth = request.header("Authorization", "") or ""
            token = auth.split(" ", 1)[1] if auth.lower().startswith("bearer ") else q.get("access_token", "")
            answer = self.amazon.profile(token)
            return _json(400 if "error" in answer else 200, answer)
        if path == "/idp/amazon/ap/oa":
            return self._sign_in_page(request, q, "Amazon", lambda email: {"access_token": self.amazon.sign_in(email, app_id=q.get("app_id", "") or q.get("client_id", "")),
                                                                             "token_type": "bearer", "expires_in": AMAZON_TOKEN_LIFETIME})
        return None

    @staticmethod
    def _base(request) -> str:
        if request.transport == "http":
            host = request.header("Host") or "127.0.0.1"
            return f"http://{host}"
        return ""

    def _openid_route(self, provider: OpenIdProvider, rest: str, q: dict, base: str, request):
        if rest == "/.well-known/openid-configuration":
            return _json(200, provider.discovery(base))
        if rest in ("/oauth2/v3/certs", "/jwks"):
            return _json(200, provider.jwks())
        if rest in ("/o/oauth2/v2/auth", "/authorize"):
            def issue(email):
                return {"id_token": provider.sign_in(email, client_id=q.get("client_id", ""), nonce=q.get("nonce"))}
            return self._sign_in_page(request, q, provider.name.title() if provider.name != "oidc" else provider.issuer, issue)
        return None

    @staticmethod
    def _sign_in_page(request, q: dict, title: str, issue) -> Response:
        """A minimal implicit-grant sign-in: a form for an email, then a redirect with the token in the fragment."""
        email = q.get("login_hint") or q.get("email")
        redirect = q.get("redirect_uri", "")
        if email and redirect:
            try:
                fragment = issue(email)
            except LabkitError as exc:
                return Response.of(400, html.escape(str(exc)), "text/plain; charset=utf-8")
            if q.get("state"):
                fragment["state"] = q["state"]
            return Response(302, {"Location": f"{redirect}#{urlencode(fragment)}", "Content-Type": "text/html"}, b"")
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in q.items() if k not in ("login_hint", "email"))
        page = (f"<!doctype html><title>Sign in with {html.escape(title)}</title><h1>Sign in with {html.escape(title)}</h1>"
                f'<form method="get">{hidden}<label>Email <input name="login_hint" type="email" required></label>'
                f'<button type="submit">Continue</button></form><p>(A labkit mock: no password is asked.)</p>')
        return Response.of(200, page, "text/html; charset=utf-8")


def _json(status: int, body: dict) -> Response:
    return Response.of(status, json.dumps(body), "application/json")


def install(sandbox) -> IdentityProviders:
    idps = IdentityProviders(sandbox)
    sandbox.dispatcher.routes.append(idps.route)
    return idps
