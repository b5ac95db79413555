"""The user pool's OAuth 2.0 authorization server: what Cognito decides, without HTTP.

Amazon Cognito Developer Guide, "User pool endpoints and managed login reference"
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html):

* "The redirect and authorization endpoint" (``authorization-endpoint.html``): :meth:`AuthorizationServer.authorize`;
* "The token issuer endpoint" (``token-endpoint.html``): :meth:`AuthorizationServer.token`;
* "The userInfo endpoint" (``userinfo-endpoint.html``): :meth:`AuthorizationServer.userinfo`;
* "The token revocation endpoint" (``revocation-endpoint.html``): :meth:`AuthorizationServer.revoke`;
* "The logout endpoint" (``logout-endpoint.html``): :meth:`AuthorizationServer.logout`.

The RFCs behind them: RFC 6749 (OAuth 2.0: §4.1 code grant, §4.2 implicit grant, §4.4 client credentials,
§5.2 error responses, §6 refreshing), RFC 7636 (PKCE, :mod:`.pkce`), RFC 7009 (revocation), OpenID Connect
Core 1.0 (§3.1.3.6 ``at_hash``, §3.1.2.1 ``nonce``, §5.3 UserInfo).

Passwords, users and tokens are the user pool's (:mod:`labkit.userpools`): this module only adds what the
OAuth endpoints add -- codes, scopes, ``nonce``, the managed-login session -- and never checks a password or
signs a token with anything but the pool's own key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets as _secrets
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlencode

import jwt

from .. import moto_adapter
from ..errors import ServiceError
from ..userpools import attributes as pool_attributes
from ..userpools import users as pool_users
from ..userpools.clients import grace_seconds, rotates_refresh_tokens, secret_hash_of
from ..userpools.exceptions import NotAuthorized
from ..userpools.issuing import validity_seconds
from ..userpools.signin import CHALLENGES
from . import pkce

#: "The token issuer endpoint": an authorization code is valid for five minutes, and only once.
CODE_LIFETIME = 300
#: The managed-login session cookie (``cognito``) lasts one hour.
SESSION_LIFETIME = 3600
#: The scopes an OpenID Connect client may ask for (developer guide, "Scopes, M2M, and resource servers").
OIDC_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
#: "The user attributes endpoint": the attributes each scope adds to the basic information (OIDC Core §5.4).
USERINFO_SCOPES = {
    "profile": ("name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
                "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "identities"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
#: The grants of the token endpoint, and the AllowedOAuthFlows value each needs.
GRANT_FLOWS = {"authorization_code": "code", "refresh_token": None, "client_credentials": "client_credentials"}


class OAuthError(Exception):
    """An OAuth 2.0 error as Cognito answers it: ``{"error": "<code>"}`` (RFC 6749 §5.2).

    ``redirect``: whether the authorization endpoint reports it on the app's ``redirect_uri`` (RFC 6749
    §4.1.2.1) or on its own error page (a bad ``client_id`` or ``redirect_uri`` is never redirected to).
    """

    def __init__(self, error: str, description: str | None = None, *, status: int = 400, redirect: bool = False):
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status
        self.redirect = redirect

    def body(self) -> dict:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


@dataclass
class AuthorizationRequest:
    """A checked request to ``/oauth2/authorize``: what the sign-in will be for."""

    pool_id: str
    client_id: str
    response_type: str
    redirect_uri: str
    scopes: list
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    identity_provider: str | None = None

    def query(self) -> dict:
        """The parameters again, as the login page carries them along."""
        q = {"client_id": self.client_id, "response_type": self.response_type, "redirect_uri": self.redirect_uri,
             "scope": " ".join(self.scopes)}
        for name in ("state", "nonce", "code_challenge", "code_challenge_method"):
            if getattr(self, name):
                q[name] = getattr(self, name)
        return q


@dataclass
class AuthorizationCode:
    code: str
    request: AuthorizationRequest
    username: str
    auth_time: int
    expires: float
    used: bool = False


@dataclass
class SignInSession:
    """The managed-login session (the ``cognito`` cookie): a signed-in user of one pool."""

    pool_id: str
    username: str
    auth_time: int
    expires: float


@dataclass
class AuthorizationServer:
    """The OAuth 2.0 / OIDC side of every user pool of one sandbox."""

    sandbox: object
    userpools: object  # labkit.userpools.UserPools
    codes: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    csrf_tokens: set = field(default_factory=set)
    granted_scopes: dict = field(default_factory=dict)  # origin_jti -> scopes of the sign-in

    # ------------------------------------------------------------------ lookups
    @property
    def pools(self):
        """The user pools' model (:class:`labkit.userpools.models.UserPoolsModel`): users, passwords, tokens."""
        return self.userpools.service.model

    def now(self) -> float:
        return self.sandbox.clock.time()

    def backend(self, region: str):
        return moto_adapter.backend("cognito-idp", self.sandbox.account_id, region)

    def pool_of_domain(self, domain: str, region: str | None = None):
        """The user pool whose domain (prefix or custom domain) is ``domain``, or None."""
        regions = [region] if region else [self.sandbox.region]
        for r in regions:
            try:
                entry = self.backend(r).user_pool_domains.get(domain)
            except KeyError:
                entry = None
            if entry is not None:
                return self.userpools.find_pool(entry.user_pool_id)
        return None

    def find_client(self, client_id: str | None, pool=None):
        """``(pool, client)`` for an app client id, within ``pool`` when the request named one."""
        if not client_id:
            return None, None
        pools = [pool] if pool is not None else list(self.backend(self.sandbox.region).user_pools.values())
        for p in pools:
            client = p.clients.get(client_id)
            if client is not None:
                return p, client
        return None, None

    @staticmethod
    def config(client, name: str, default=None):
        value = client.extended_config.get(name)
        return default if value is None else value

    # ------------------------------------------------------------------ /oauth2/authorize
    def authorize(self, params: dict, pool=None) -> AuthorizationRequest:
        """Check an authorization request ("The redirect and authorization endpoint", request parameters).

        First what is never redirected (RFC 6749 §4.1.2.1): an unknown ``client_id`` and a ``redirect_uri``
        that is not exactly one of the app client's ``CallbackURLs`` (Cognito: ``redirect_mismatch`` on its
        error page). Then, reported on the redirect URI: ``response_type``, the client's OAuth settings,
        ``scope``, PKCE and ``identity_provider``.
        """
        pool, client = self.find_client(params.get("client_id"), pool)
        if client is None:
            raise OAuthError("invalid_request", "The client_id is not an app client of this user pool.")
        redirect_uri = params.get("redirect_uri") or ""
        if redirect_uri not in (self.config(client, "CallbackURLs") or []):
            raise OAuthError("redirect_mismatch", "The redirect_uri is not one of the app client's callback URLs.")
        response_type = params.get("response_type") or ""
        if not response_type:
            raise OAuthError("invalid_request", "response_type is required.", redirect=True)
        if response_type not in ("code", "token"):
            raise OAuthError("unsupported_response_type", redirect=True)
        flows = self.config(client, "AllowedOAuthFlows") or []
        wanted_flow = "code" if response_type == "code" else "implicit"
        if not self.config(client, "AllowedOAuthFlowsUserPoolClient", False) or wanted_flow not in flows:
            raise OAuthError("unauthorized_client", redirect=True)
        scopes = self.requested_scopes(pool, client, params.get("scope"))
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge or method:
            if response_type != "code" or not challenge:
                raise OAuthError("invalid_request", "code_challenge and code_challenge_method go with response_type=code.", redirect=True)
            if (method or "") not in pkce.METHODS:
                raise OAuthError("invalid_request", "Amazon Cognito supports only the S256 code_challenge_method.", redirect=True)
        supported = self.config(client, "SupportedIdentityProviders") or []
        idp = params.get("identity_provider")
        if idp and idp not in supported:
            raise OAuthError("invalid_request", f"The app client does not support the identity provider {idp}.", redirect=True)
        if not supported:
            raise OAuthError("invalid_request", "The app client supports no identity provider.", redirect=True)
        return AuthorizationRequest(pool.id, client.id, response_type, redirect_uri, scopes, params.get("state"),
                                    params.get("nonce"), challenge, method, idp)

    def requested_scopes(self, pool, client, scope: str | None, *, machine: bool = False) -> list:
        """The scopes of a request: each must be one of the client's ``AllowedOAuthScopes`` (``invalid_scope``);
        none asked means all of them. ``machine``: client credentials, where only resource-server scopes count."""
        allowed = list(self.config(client, "AllowedOAuthScopes") or [])
        if machine:
            allowed = [s for s in allowed if "/" in s]
        asked = [s for s in (scope or "").split() if s]
        if not asked:
            asked = allowed
        if not asked:
            raise OAuthError("invalid_scope", redirect=not machine)
        for s in asked:
            if s not in allowed or ("/" in s and not self.resource_scope_exists(pool, s)) or ("/" not in s and s not in OIDC_SCOPES):
                raise OAuthError("invalid_scope", redirect=not machine)
        return list(dict.fromkeys(asked))

    @staticmethod
    def resource_scope_exists(pool, scope: str) -> bool:
        """A custom scope is ``<resource server identifier>/<scope name>`` of a CreateResourceServer."""
        identifier, _, name = scope.rpartition("/")
        server = pool.resource_servers.get(identifier)
        return server is not None and any(s.get("ScopeName") == name for s in server.scopes or [])

    def redirect_after_sign_in(self, request: AuthorizationRequest, username: str, auth_time: int) -> str:
        """Where the browser goes once the user signed in: ``redirect_uri?code=...`` (RFC 6749 §4.1.2) or,
        for ``response_type=token``, ``redirect_uri#id_token=...&access_token=...`` (§4.2.2)."""
        if request.response_type == "code":
            code = self.new_code(request, username, auth_time)
            q = {"code": code}
            if request.state is not None:
                q["state"] = request.state
            return _add_query(request.redirect_uri, q)
        pool = self.userpools.find_pool(request.pool_id)
        client = pool.clients[request.client_id]
        user = pool.users[username]
        tokens = self.issue(pool, client, user, request.scopes, nonce=request.nonce, with_refresh=False)
        fragment = {k: v for k, v in tokens.items() if k in ("id_token", "access_token")}
        fragment.update({"expires_in": tokens["expires_in"], "token_type": "Bearer"})
        if request.state is not None:
            fragment["state"] = request.state
        return f"{request.redirect_uri}#{urlencode(fragment)}"

    @staticmethod
    def error_redirect(request_params: dict, err: OAuthError) -> str:
        """RFC 6749 §4.1.2.1: the error on the app's redirect URI, with its ``state``."""
        q = {"error": err.error}
        if err.description:
            q["error_description"] = err.description
        if request_params.get("state"):
            q["state"] = request_params["state"]
        return _add_query(request_params.get("redirect_uri") or "", q)

    def new_code(self, request: AuthorizationRequest, username: str, auth_time: int) -> str:
        code = str(_uuid(self.sandbox.random))
        self.codes[code] = AuthorizationCode(code, request, username, auth_time, self.now() + CODE_LIFETIME)
        return code

    # ------------------------------------------------------------------ the managed-login session
    def start_session(self, pool_id: str, username: str) -> tuple[str, SignInSession]:
        now = self.now()
        cookie = _token(self.sandbox.random, 32)
        session = SignInSession(pool_id, username, int(now), now + SESSION_LIFETIME)
        self.sessions[cookie] = session
        return cookie, session

    def session(self, cookie: str | None, pool_id: str) -> SignInSession | None:
        """The signed-in user of this pool in this browser (single sign-on), if the session is alive."""
        s = self.sessions.get(cookie or "")
        if s is None or s.pool_id != pool_id or self.now() > s.expires:
            return None
        pool = self.userpools.find_pool(pool_id)
        user = pool.users.get(s.username) if pool else None
        if user is None or not user.enabled:
            return None
        return s

    def end_session(self, cookie: str | None) -> None:
        self.sessions.pop(cookie or "", None)

    def new_csrf(self) -> str:
        token = _token(self.sandbox.random, 24)
        self.csrf_tokens.add(token)
        return token

    def csrf_ok(self, cookie: str | None, form_value: str | None) -> bool:
        """The login form's ``_csrf`` field must equal the ``XSRF-TOKEN`` cookie the page was served with."""
        return bool(cookie) and cookie == form_value and cookie in self.csrf_tokens

    # ------------------------------------------------------------------ the user signs in (managed login)
    def sign_in_with_password(self, pool, client, username: str, password: str):
        """The managed-login form: the user pool's own checks (PreAuthentication, password, user state).

        Returns ``(user, step)``: ``step`` is None when the password is enough, else the challenge the user
        pool starts next (the sign-in registry's, :mod:`labkit.userpools.signin`: new password, MFA...).
        Raises the pool's ServiceError, whose message the page shows.
        """
        model = self.pools
        user = pool_users.find(pool, username)
        if user is None:
            raise model.no_such_user(client)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        if str(getattr(user.status, "value", user.status)) == "EXTERNAL_PROVIDER":
            raise NotAuthorized("Incorrect username or password.")
        model.pre_authentication(pool, client, user)
        model.check_password(pool, user, password)
        model.user_can_sign_in(pool, user)
        challenge = model.signin.next_challenge(pool, client, user)
        if challenge is None:
            return user, None
        return user, challenge.begin(model.signin, pool, client, user, "Authentication")

    def answer_challenge(self, pool, client, username: str, name: str, session: str | None, value: str) -> dict:
        """RespondToAuthChallenge on the user's behalf (the user pool checks the answer): the next step."""
        challenge = CHALLENGES.get(name)
        key = challenge.answer_key if challenge is not None else f"{name}_CODE"
        answers = {"USERNAME": username, key: value}
        if client.generate_secret:
            answers["SECRET_HASH"] = secret_hash_of(client, username)
        return self.pools.signin.answer(pool, client, {"ChallengeName": name, "Session": session, "ChallengeResponses": answers})

    def still_waiting(self, session: str | None) -> bool:
        """Whether the user may answer this challenge again (a mistyped code) or must sign in again."""
        return (session or "") in self.pools.signin.pending

    # ------------------------------------------------------------------ /oauth2/token
    def authenticate_client(self, form: dict, authorization: str | None, pool=None):
        """Client authentication ("The token issuer endpoint", ``Authorization``): a client with a secret
        sends ``Basic base64(client_id:client_secret)`` (RFC 6749 §2.3.1) or ``client_secret`` in the body;
        anything else is ``invalid_client``."""
        basic_id = basic_secret = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() != "basic":
                raise OAuthError("invalid_client")
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client") from None
            if ":" not in decoded:
                raise OAuthError("invalid_client")
            basic_id, _, basic_secret = decoded.partition(":")
            basic_id, basic_secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        client_id = form.get("client_id") or basic_id
        if not client_id:
            raise OAuthError("invalid_request", "client_id is required.")
        if basic_id is not None and form.get("client_id") and form["client_id"] != basic_id:
            raise OAuthError("invalid_client")
        pool, client = self.find_client(client_id, pool)
        if client is None:
            raise OAuthError("invalid_client")
        if client.generate_secret:
            given = basic_secret if basic_secret is not None else form.get("client_secret")
            if not given or not _secrets.compare_digest(given, client.secret):
                raise OAuthError("invalid_client")
        return pool, client

    def token(self, form: dict, authorization: str | None, pool=None) -> dict:
        """POST /oauth2/token: ``grant_type`` authorization_code, refresh_token or client_credentials."""
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant not in GRANT_FLOWS:
            raise OAuthError("unsupported_grant_type")
        pool, client = self.authenticate_client(form, authorization, pool)
        if grant == "authorization_code":
            return self.authorization_code_grant(pool, client, form)
        if grant == "refresh_token":
            return self.refresh_token_grant(pool, client, form)
        return self.client_credentials_grant(pool, client, form)

    def authorization_code_grant(self, pool, client, form: dict) -> dict:
        """RFC 6749 §4.1.3 and RFC 7636 §4.5-4.6: the code, issued to this client for this redirect URI,
        not used before and not older than five minutes; with PKCE, the verifier that answers the challenge."""
        if not form.get("code"):
            raise OAuthError("invalid_request", "code is required.")
        if not form.get("redirect_uri"):
            raise OAuthError("invalid_request", "redirect_uri is required.")
        if "code" not in (self.config(client, "AllowedOAuthFlows") or []):
            raise OAuthError("unauthorized_client")
        grant = self.codes.get(form["code"])
        if grant is None or grant.used or self.now() > grant.expires:
            raise OAuthError("invalid_grant")
        request = grant.request
        if request.client_id != client.id or request.redirect_uri != form["redirect_uri"]:
            raise OAuthError("invalid_grant")
        if request.code_challenge:
            verifier = form.get("code_verifier")
            if not verifier:
                grant.used = True
                raise OAuthError("invalid_request", "code_verifier is required.")
            if not pkce.verify(verifier, request.code_challenge, request.code_challenge_method or "S256"):
                grant.used = True
                raise OAuthError("invalid_grant")
        grant.used = True
        user = pool.users.get(grant.username)
        if user is None or not user.enabled:
            raise OAuthError("invalid_grant")
        return self.issue(pool, client, user, request.scopes, nonce=request.nonce)

    def refresh_token_grant(self, pool, client, form: dict) -> dict:
        """RFC 6749 §6: new ID and access tokens for a refresh token of this client (and a new refresh token when the
        client rotates them, RefreshTokenRotation)."""
        token = form.get("refresh_token")
        if not token:
            raise OAuthError("invalid_request", "refresh_token is required.")
        try:
            session = self.pools.tokens.session_for_refresh(token, client.id)
        except ServiceError:
            raise OAuthError("invalid_grant") from None
        user = pool.users.get(session.username)
        if user is None or not user.enabled:
            raise OAuthError("invalid_grant")
        scopes = self.granted_scopes.get(session.origin_jti) or [pool_issuing_scope()]
        out = self.issue(pool, client, user, scopes, session=session)
        if rotates_refresh_tokens(client):  # a rotating client renews the refresh token here too
            out["refresh_token"] = self.pools.tokens.rotate(session, token, grace_seconds(client))
        return out

    def client_credentials_grant(self, pool, client, form: dict) -> dict:
        """RFC 6749 §4.4 ("Scopes, M2M, and APIs with resource servers"): a confidential client gets an access
        token for its resource-server scopes; no ID token, no refresh token."""
        if not client.generate_secret:
            raise OAuthError("invalid_client")
        if not self.config(client, "AllowedOAuthFlowsUserPoolClient", False):
            raise OAuthError("invalid_grant")
        if "client_credentials" not in (self.config(client, "AllowedOAuthFlows") or []):
            raise OAuthError("unauthorized_client")
        scopes = self.requested_scopes(pool, client, form.get("scope"), machine=True)
        sb = self.sandbox
        now = int(self.now())
        life = validity_seconds(client, "AccessToken")
        claims = {"sub": client.id, "token_use": "access", "scope": " ".join(scopes), "auth_time": now,
                  "iss": self.issuer(pool), "exp": now + life, "iat": now, "version": 2, "jti": str(_uuid(sb.random)),
                  "client_id": client.id}
        return {"access_token": self.sign(pool, claims), "expires_in": life, "token_type": "Bearer"}

    # ------------------------------------------------------------------ issuing, through the user pool
    def issuer(self, pool) -> str:
        return f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"

    def sign(self, pool, claims: dict) -> str:
        key = self.sandbox.keys.for_owner(pool.id)
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "alg": "RS256", "typ": None})

    def issue(self, pool, client, user, scopes: list, *, nonce: str | None = None, session=None,
              with_refresh: bool = True) -> dict:
        """The user pool issues the tokens (PreTokenGeneration source ``TokenGeneration_HostedAuth``); the
        OAuth endpoints add what their tokens carry besides: the granted ``scope`` and ``version`` in the
        access token, ``nonce`` and ``at_hash`` in the ID token (OIDC Core §3.1.3.6), and the ID token only
        for the ``openid`` scope."""
        source = "RefreshTokens" if session is not None else "HostedAuth"
        result = self.pools.issue(pool, client, user, source, session=session)
        access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
        origin = access.get("origin_jti")
        if session is None and origin:
            self.granted_scopes[origin] = list(scopes)
        access["scope"] = " ".join(scopes)
        access["version"] = 2
        access_token = self.sign(pool, access)
        out = {"access_token": access_token}
        if "openid" in scopes:
            ident = jwt.decode(result["IdToken"], options={"verify_signature": False})
            ident["at_hash"] = _at_hash(access_token)
            if nonce is not None:
                ident["nonce"] = nonce
            if isinstance(ident.get("identities"), str):
                try:  # Cognito writes the identities attribute into ID tokens as a list of string values
                    ident["identities"] = [{k: (v if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                                            for k, v in i.items()} for i in json.loads(ident["identities"])]
                except (ValueError, AttributeError):
                    pass
            out["id_token"] = self.sign(pool, ident)
        if with_refresh and result.get("RefreshToken"):
            out["refresh_token"] = result["RefreshToken"]
        elif result.get("RefreshToken"):
            # The implicit grant returns no refresh token: the one the pool made can never be presented.
            self.pools.tokens.refresh_tokens.pop(result["RefreshToken"], None)
        out["expires_in"] = result["ExpiresIn"]
        out["token_type"] = "Bearer"
        return out

    # ------------------------------------------------------------------ /oauth2/userInfo
    def userinfo(self, access_token: str | None) -> dict:
        """OIDC Core §5.3 / "The user attributes endpoint": the attributes an access token's scopes allow.

        The token must carry the ``openid`` scope (tokens from InitiateAuth carry none, and are refused).
        ``openid`` alone: every attribute the app client can read; with ``profile``, ``email`` or ``phone``: the
        basic information (``sub``, ``username``) plus those scopes' attributes (``profile`` also returns the
        custom attributes). ``aws.cognito.signin.user.admin`` changes nothing. A token that is invalid,
        expired or revoked: 401 ``invalid_token``.
        """
        if not access_token:
            raise OAuthError("invalid_request", "Bearer access token is required.", status=400)
        try:
            claims = self.pools.tokens.check_access_token(access_token)
        except ServiceError:
            raise OAuthError("invalid_token", "Access token is expired, disabled, or deleted, or the user has globally signed out.",
                             status=401) from None
        scopes = set((claims.get("scope") or "").split())
        if "openid" not in scopes:
            raise OAuthError("invalid_token", "Access token does not contain openid scope", status=401)
        pool = self.userpools.find_pool(claims["iss"].rsplit("/", 1)[-1])
        user = pool.users.get(claims.get("username")) if pool else None
        if user is None or user.id != claims.get("sub") or not user.enabled:
            raise OAuthError("invalid_token", "User does not exist.", status=401)
        client = pool.clients.get(claims.get("client_id"))
        narrowed = scopes & set(USERINFO_SCOPES)
        wanted = set()
        for scope in narrowed:
            wanted |= set(USERINFO_SCOPES[scope])
        info = {"sub": user.id}
        for name, value in moto_adapter.flatten_attrs(user.attributes).items():
            if name == "sub" or (client is not None and not pool_attributes.readable(client, name)):
                continue
            if narrowed and name not in wanted and not (name.startswith("custom:") and "profile" in narrowed):
                continue
            info[name] = value
        info["username"] = user.username
        return info

    # ------------------------------------------------------------------ /oauth2/revoke
    def revoke(self, form: dict, authorization: str | None, pool=None) -> None:
        """RFC 7009 / "The token revocation endpoint": revoke a refresh token (and the tokens issued from it).
        Only refresh tokens can be revoked (``unsupported_token_type``); an unknown token is not an error."""
        token = form.get("token")
        if not token:
            raise OAuthError("invalid_request", "token is required.")
        pool, client = self.authenticate_client(form, authorization, pool)
        if not self.config(client, "EnableTokenRevocation", True):
            raise OAuthError("invalid_request", "Token revocation is not enabled for this app client.")
        if token.count(".") == 2:
            raise OAuthError("unsupported_token_type")
        self.pools.tokens.revoke(token, client.id)

    # ------------------------------------------------------------------ /logout
    def logout(self, params: dict, pool=None) -> str:
        """"The logout endpoint": with ``logout_uri`` (exactly one of the client's ``LogoutURLs``) the browser
        goes there; with ``redirect_uri`` and ``response_type`` it goes back to sign-in. Returns where to."""
        pool, client = self.find_client(params.get("client_id"), pool)
        if client is None:
            raise OAuthError("invalid_request", "The client_id is not an app client of this user pool.")
        if params.get("logout_uri"):
            if params["logout_uri"] not in (self.config(client, "LogoutURLs") or []):
                raise OAuthError("redirect_mismatch", "The logout_uri is not one of the app client's sign-out URLs.")
            return params["logout_uri"]
        if params.get("redirect_uri"):
            self.authorize(params, pool)  # the same checks as a new authorization request
            return ""
        raise OAuthError("invalid_request", "logout_uri or redirect_uri is required.")


def pool_issuing_scope() -> str:
    """The scope of tokens the user pool API (InitiateAuth) issues."""
    from ..userpools.issuing import SCOPE

    return SCOPE


def _at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _uuid(random):
    import uuid

    return uuid.UUID(int=random.getrandbits(128), version=4)


def _token(random, n: int) -> str:
    return base64.urlsafe_b64encode(random.randbytes(n)).rstrip(b"=").decode()


def _add_query(url: str, params: dict) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode(params)}"
