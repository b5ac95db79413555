"""The hosted UI on the sandbox's HTTP transport: HTTP in, :mod:`.oauth` / :mod:`.broker` decide, HTTP out.

A user pool's domain ``https://<prefix>.auth.<region>.amazoncognito.com`` is reached by the sandbox's one
addressing rule (:mod:`labkit.wire.addressing`), plus a shortcut:

* ``http://127.0.0.1:<port>/<prefix>.auth.<region>.amazoncognito.com/oauth2/authorize?...`` -- the real address
  with ``https://`` replaced by the sandbox's endpoint (what :func:`labkit.hostedui.base_url` gives);
* any path with the header ``Host: <prefix>.auth.<region>.amazoncognito.com``;
* ``http://127.0.0.1:<port>/oauth2/authorize?client_id=...`` -- the client id tells which pool.

Redirects and forms stay in the form the caller used (``Where.base``).

Endpoints ("User pool endpoints and managed login reference"): ``/oauth2/authorize``, ``/login``,
``/signup``, ``/confirm``, ``/forgotPassword``, ``/confirmForgotPassword``, ``/logout``, ``/oauth2/token``,
``/oauth2/userInfo``, ``/oauth2/revoke``, ``/oauth2/idpresponse``, ``/saml2/idpresponse``, ``/error``; and the
mock IdPs' sign-in pages the broker sends users to (``/idp/google/o/oauth2/v2/auth`` and
``/idp/oidc/<issuer>/authorize`` with ``response_type=code``; AD FS at ``/adfs/<directory>/ls/``).
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode

from ..errors import LabkitError, ServiceError
from ..wire.request import Response
from . import pages, passkey_pages
from .broker import FederationFailed
from ..userpools.clients import secret_hash_of
from .oauth import OAuthError

_DOMAIN_HOST = re.compile(r"^(?P<prefix>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.auth\.(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazoncognito\.com$")
ENDPOINTS = {"/oauth2/authorize", "/login", "/signup", "/confirm", "/forgotPassword", "/confirmForgotPassword",
             "/logout", "/oauth2/token", "/oauth2/userInfo", "/oauth2/revoke", "/oauth2/idpresponse",
             "/saml2/idpresponse", "/error"} | passkey_pages.ENDPOINTS
AUTHZ_PARAMS = ("client_id", "response_type", "redirect_uri", "scope", "state", "nonce", "code_challenge",
                "code_challenge_method")
JSON = "application/json;charset=UTF-8"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class Where(SimpleNamespace):
    """A request located: ``pool`` (None when only the client id will tell), ``base`` (this hosted UI's URL
    prefix), ``path`` (the endpoint), ``http_base`` (the sandbox's own ``http://host``)."""


def _flat(multi: dict | None) -> dict:
    return {k: v[0] for k, v in (multi or {}).items() if v}


def _cookies(request) -> dict:
    jar = SimpleCookie()
    try:
        jar.load(request.header("Cookie") or "")
    except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


def _redirect(location: str, cookie: str | None = None) -> Response:
    headers = {"Location": location, "Content-Type": "text/html; charset=utf-8", **NO_STORE}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(302, headers, b"")


def _html(body: str, status: int = 200, cookie: str | None = None) -> Response:
    headers = {"Content-Type": "text/html; charset=utf-8", **NO_STORE}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(status, headers, body.encode("utf-8"))


def _json(status: int, doc: dict | None, **headers) -> Response:
    body = b"" if doc is None else json.dumps(doc).encode("utf-8")
    return Response(status, {"Content-Type": JSON, **NO_STORE, **headers}, body)


class HostedUIRoutes:
    """Dispatcher routes of the hosted UI (``__call__``) and of the IdPs' code-flow pages (:meth:`upstream`)."""

    def __init__(self, component):
        self.component = component
        self.server = component.server
        self.broker = component.broker
        self.sandbox = component.sandbox

    # ------------------------------------------------------------------ where is this request going
    def locate(self, request) -> Where | None:
        """Where the request goes, by the sandbox's one addressing rule (:mod:`labkit.wire.addressing`): the
        domain's host in the URL (in-process), in the ``Host`` header, or as the path's first segment."""
        from ..wire import addressing

        http_base = addressing.endpoint_of(request)
        address = addressing.address_of(request)
        if address is not None and address.path in ENDPOINTS and address.host.endswith(".amazoncognito.com"):
            m = _DOMAIN_HOST.match(address.host)
            domain, region = (m.group("prefix"), m.group("region")) if m else (address.host, None)
            pool = self.server.pool_of_domain(domain, region)
            return Where(pool=pool, base=address.base, path=address.path, http_base=http_base, domain=domain)
        path = request.path or "/"
        first, _, rest = path.lstrip("/").partition("/")
        if address is None and "." in first and ("/" + rest) in ENDPOINTS:  # a custom domain in the path form
            pool = self.server.pool_of_domain(first.lower(), None)
            return Where(pool=pool, base=f"{http_base}/{first}", path="/" + rest, http_base=http_base, domain=first.lower())
        if address is None and path in ENDPOINTS:
            return Where(pool=None, base=http_base, path=path, http_base=http_base, domain=None)
        return None

    # ------------------------------------------------------------------ the route
    def __call__(self, request) -> Response | None:
        if request.transport != "http" or (request.header("Authorization") or "").startswith("AWS4-"):
            return None
        if request.path.startswith("/adfs/"):
            return self.adfs(request)
        where = self.locate(request)
        if where is None:
            return None
        # What the call log (and the flow pictures) should say answered it: the user pool, at this endpoint.
        request.service, request.operation = "cognito-idp", f"{request.method} {where.path}"
        if where.domain is not None and where.pool is None:
            return _html(pages.error_page("Not found", f"No user pool of this sandbox has the domain {where.domain}. "
                                          "Create it with create_user_pool_domain."), 404)
        if where.path in passkey_pages.ENDPOINTS:
            return passkey_pages.handle(self, request, where)
        handler = {
            "/oauth2/authorize": self.authorize, "/login": self.login, "/signup": self.signup, "/confirm": self.confirm,
            "/forgotPassword": self.forgot_password, "/confirmForgotPassword": self.confirm_forgot_password,
            "/logout": self.logout, "/oauth2/token": self.token, "/oauth2/userInfo": self.userinfo,
            "/oauth2/revoke": self.revoke, "/oauth2/idpresponse": self.idp_response,
            "/saml2/idpresponse": self.saml_response, "/error": self.error,
        }.get(where.path)
        if handler is None:  # a path the hosted UI does not have (was a KeyError, a 500 over HTTP)
            return _html(pages.error_page("Not found", f"The hosted UI has no page at {where.path}."), 404)
        return handler(request, where)

    # ------------------------------------------------------------------ helpers
    def error_redirect(self, where, error: OAuthError, client_id: str | None) -> Response:
        q = {"error": error.error}
        if client_id:
            q["client_id"] = client_id
        return _redirect(f"{where.base}/error?{urlencode(q)}")

    def authorization(self, where, params: dict):
        """``(AuthorizationRequest, None)`` or ``(None, the error response)``; a pool without a domain has no
        hosted UI."""
        try:
            authz = self.server.authorize(params, where.pool)
        except OAuthError as err:
            if err.redirect:
                return None, _redirect(self.server.error_redirect(params, err))
            return None, self.error_redirect(where, err, params.get("client_id"))
        pool = self.component.userpools.find_pool(authz.pool_id)
        if pool.domain is None:
            return None, _html(pages.error_page("invalid_request", "This user pool has no domain, so it has no hosted UI: "
                                                "create one with create_user_pool_domain."), 400)
        return authz, None

    def finish(self, where, authz, user, auth_time: int | None = None, cookie: str | None = None) -> Response:
        """The user signed in: a session cookie, and the browser back to the app with a code or tokens."""
        if cookie is None:
            value, session = self.server.start_session(authz.pool_id, user.username)
            cookie = f"cognito={value}; Path=/; HttpOnly; SameSite=Lax"
            auth_time = session.auth_time
        return _redirect(self.server.redirect_after_sign_in(authz, user.username, auth_time), cookie)

    def app_name(self, authz) -> str:
        pool = self.component.userpools.find_pool(authz.pool_id)
        client = pool.clients[authz.client_id]
        return client.extended_config.get("ClientName") or pool.name

    def footer(self, authz) -> str:
        pool = self.component.userpools.find_pool(authz.pool_id)
        return f"Hosted UI of user pool {pool.name} ({pool.id}) at {self.component.domain_of(pool.id)}"

    def csrf_cookie(self) -> tuple[str, str]:
        token = self.server.new_csrf()
        return token, f"XSRF-TOKEN={token}; Path=/; HttpOnly; SameSite=Lax"

    def csrf_checked(self, request) -> bool:
        return self.server.csrf_ok(_cookies(request).get("XSRF-TOKEN"), _flat(request.form).get("_csrf"))

    def carried(self, authz) -> dict:
        return authz.query()

    # ------------------------------------------------------------------ /oauth2/authorize
    def authorize(self, request, where) -> Response:
        """GET only. An IdP named: straight to it; a live session: straight back to the app; else /login."""
        if request.method != "GET":
            return _html(pages.error_page("invalid_request", "The authorize endpoint supports only GET."), 405)
        params = _flat(request.query)
        authz, failed = self.authorization(where, params)
        if failed:
            return failed
        if authz.identity_provider and authz.identity_provider != "COGNITO":
            return self.to_identity_provider(where, authz, authz.identity_provider)
        session = self.server.session(_cookies(request).get("cognito"), authz.pool_id)
        if session is not None:
            pool = self.component.userpools.find_pool(authz.pool_id)
            return self.finish(where, authz, pool.users[session.username], session.auth_time, cookie="")
        return _redirect(f"{where.base}/login?{urlencode(params)}")

    def to_identity_provider(self, where, authz, name: str) -> Response:
        try:
            url = self.broker.start(authz, name, pool_base=where.base, idp_base=where.http_base)
        except OAuthError as err:
            return _redirect(self.server.error_redirect(authz.query(), err))
        except LabkitError as err:
            return _html(pages.error_page("invalid_request", str(err)), 400)
        return _redirect(url)

    # ------------------------------------------------------------------ /login
    def login(self, request, where, *, error: str | None = None, note: str | None = None, username: str = "",
              status: int = 200) -> Response:
        if request.method == "POST" and error is None and note is None:
            return self.login_post(request, where)
        params = {k: v for k, v in (_flat(request.form) if request.method == "POST" else _flat(request.query)).items()
                  if k in AUTHZ_PARAMS}
        authz, failed = self.authorization(where, params)
        if failed:
            return failed
        if request.method == "GET":
            session = self.server.session(_cookies(request).get("cognito"), authz.pool_id)
            if session is not None:
                pool = self.component.userpools.find_pool(authz.pool_id)
                return self.finish(where, authz, pool.users[session.username], session.auth_time, cookie="")
        pool = self.component.userpools.find_pool(authz.pool_id)
        client = pool.clients[authz.client_id]
        carried = urlencode(self.carried(authz))
        buttons = []
        for provider in self.broker.identity_providers(pool, client):
            kind = provider.extended_config.get("ProviderType")
            label = f"Continue with {provider.name}" if kind != "SAML" else f"Sign in with {provider.name}"
            buttons.append((label, f"{where.base}/oauth2/authorize?{urlencode({**self.carried(authz), 'identity_provider': provider.name})}"))
        buttons += passkey_pages.login_buttons(self, where, authz, pool)
        admin_only = (pool.extended_config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")
        token, cookie = self.csrf_cookie()
        page = pages.login(app=self.app_name(authz), action=f"{where.base}/login", csrf=token, params=self.carried(authz),
                           providers=buttons, show_password="COGNITO" in (client.extended_config.get("SupportedIdentityProviders") or []),
                           signup_url=None if admin_only else f"{where.base}/signup?{carried}",
                           forgot_url=f"{where.base}/forgotPassword?{carried}", error=error, note=note, username=username,
                           footer=self.footer(authz))
        return _html(page, status, cookie)

    def login_post(self, request, where) -> Response:
        form = _flat(request.form)
        if not self.csrf_checked(request):
            return _html(pages.error_page("invalid_request", "Invalid CSRF token: reload the sign-in page and try again."), 403)
        params = {k: v for k, v in form.items() if k in AUTHZ_PARAMS}
        authz, failed = self.authorization(where, params)
        if failed:
            return failed
        pool = self.component.userpools.find_pool(authz.pool_id)
        client = pool.clients[authz.client_id]
        if "COGNITO" not in (client.extended_config.get("SupportedIdentityProviders") or []):
            return _redirect(self.server.error_redirect(params, OAuthError("invalid_request")))
        username = form.get("username") or ""
        if form.get("_challenge"):
            return self.challenge_answer(request, where, authz, pool, client, form)
        try:
            user, step = self.server.sign_in_with_password(pool, client, username, form.get("password") or "")
        except ServiceError as err:
            return self.login(request, where, error=err.message, username=username)
        if step is not None:
            return self.next_step(request, where, authz, pool, client, user.username, step)
        return self.finish(where, authz, user)

    # ------------------------------------------------------------------ challenges after the password
    SHOWN_CHALLENGES = {
        "NEW_PASSWORD_REQUIRED": ("Change password", "Please enter a new password.", [("new_password", "New Password", "password")]),
        "SOFTWARE_TOKEN_MFA": ("Multi-factor authentication", "Enter the code from your authenticator app.", [("code", "Code", "text")]),
        "SMS_MFA": ("Multi-factor authentication", "We have sent a code by text message. Enter it below.", [("code", "Code", "text")]),
        "EMAIL_OTP": ("Multi-factor authentication", "We have sent a code to your email address. Enter it below.", [("code", "Code", "text")]),
    }

    def next_step(self, request, where, authz, pool, client, username, step, error=None) -> Response:
        """After the password (or a challenge answer): tokens mean signed in; a challenge gets its page."""
        if "AuthenticationResult" in step:
            return self.finish(where, authz, pool.users[username])
        name = step.get("ChallengeName")
        if name not in self.SHOWN_CHALLENGES:
            return self.login(request, where, username=username,
                              error=f"This user must answer the {name} challenge, which the sandbox's hosted UI does not show. "
                                    "Sign this user in with the API (initiate_auth / respond_to_auth_challenge).")
        title, note, fields = self.SHOWN_CHALLENGES[name]
        token, cookie = self.csrf_cookie()
        page = pages.form_page(title=title, app=self.app_name(authz), heading=title, action=f"{where.base}/login", csrf=token,
                               params={**self.carried(authz), "username": username, "_challenge": name,
                                       "_session": step.get("Session")},
                               fields=[(n, label, kind, "") for n, label, kind in fields], submit="Send", error=error, note=note,
                               footer=self.footer(authz))
        return _html(page, 200, cookie)

    def challenge_answer(self, request, where, authz, pool, client, form) -> Response:
        """RespondToAuthChallenge on the user's behalf (the user pool checks the answer)."""
        name, username = form.get("_challenge"), form.get("username") or ""
        fields = self.SHOWN_CHALLENGES.get(name, (None, None, [("code", "Code", "text")]))[2]
        session = form.get("_session")
        try:
            step = self.server.answer_challenge(pool, client, username, name, session, form.get(fields[0][0]) or "")
        except ServiceError as err:
            if not self.server.still_waiting(session):
                return self.login(request, where, username=username, error=f"{err.message} Sign in again.")
            return self.next_step(request, where, authz, pool, client, username, {"ChallengeName": name, "Session": session},
                                  error=err.message)
        return self.next_step(request, where, authz, pool, client, username, step)

    # ------------------------------------------------------------------ sign-up and forgotten passwords
    def pool_call(self, operation: str, pool, client, params: dict) -> dict:
        """A user-pool API operation on behalf of the page (with the SECRET_HASH a client with a secret needs)."""
        service = self.component.userpools.service
        if client.generate_secret and params.get("Username"):
            params["SecretHash"] = secret_hash_of(client, params["Username"])
        params["ClientId"] = client.id
        return service.operations[operation](params, SimpleNamespace(region=pool.region))

    def simple_form(self, request, where, *, title, heading, endpoint, fields, submit, error=None, note=None,
                    extra: dict | None = None, status: int = 200) -> Response:
        source = _flat(request.form) if request.method == "POST" else _flat(request.query)
        params = {k: v for k, v in source.items() if k in AUTHZ_PARAMS}
        authz, failed = self.authorization(where, params)
        if failed:
            return failed
        token, cookie = self.csrf_cookie()
        carried = {**self.carried(authz), **(extra or {})}
        links = f'<div class="links"><a href="{where.base}/login?{urlencode(self.carried(authz))}">Back to sign in</a></div>'
        page = pages.form_page(title=title, app=self.app_name(authz), heading=heading, action=f"{where.base}{endpoint}",
                               csrf=token, params=carried, fields=fields, submit=submit, error=error, note=note,
                               links=links.replace("&", "&amp;"), footer=self.footer(authz))
        return _html(page, status, cookie)

    def _post_context(self, request, where):
        form = _flat(request.form)
        if not self.csrf_checked(request):
            return None, _html(pages.error_page("invalid_request", "Invalid CSRF token: reload the page and try again."), 403)
        authz, failed = self.authorization(where, {k: v for k, v in form.items() if k in AUTHZ_PARAMS})
        if failed:
            return None, failed
        pool = self.component.userpools.find_pool(authz.pool_id)
        return (authz, pool, pool.clients[authz.client_id], form), None

    def signup_fields(self, pool) -> list:
        """The sign-up form: a username (or only the email/phone, when the pool signs users in with them), the
        pool's required attributes, and a password."""
        by = pool.extended_config.get("UsernameAttributes") or []
        names = [] if by else ["username"]
        names += [a for a in ("email", "phone_number") if a in by or a in (pool.extended_config.get("AutoVerifiedAttributes") or [])]
        names += [n for n, a in pool.schema_attributes.items()
                  if a.required and n not in names and n not in ("sub", "email_verified", "phone_number_verified")]
        labels = {"username": "Username", "email": "Email", "phone_number": "Phone Number"}
        kinds = {"email": "email"}
        return [(n, labels.get(n, n.replace("_", " ").replace("custom:", "").title()), kinds.get(n, "text")) for n in names]

    def signup(self, request, where, error=None) -> Response:
        source = _flat(request.form) if request.method == "POST" else _flat(request.query)
        pool = where.pool or self.server.find_client(source.get("client_id"))[0]
        shape = self.signup_fields(pool) if pool is not None else [("username", "Username", "text")]
        if request.method == "POST" and error is None:
            ctx, failed = self._post_context(request, where)
            if failed:
                return failed
            authz, pool, client, form = ctx
            by = pool.extended_config.get("UsernameAttributes") or []
            username = form.get("username") or next((form.get(a) for a in by if form.get(a)), "")
            attrs = [{"Name": n, "Value": form[n]} for n, _, _ in shape if n != "username" and form.get(n)]
            try:
                result = self.pool_call("SignUp", pool, client, {"Username": username, "Password": form.get("password", ""),
                                                                 "UserAttributes": attrs})
            except ServiceError as err:
                return self.signup(request, where, error=err.message)
            if result.get("UserConfirmed"):
                return _redirect(f"{where.base}/login?{urlencode(self.carried(authz))}")
            q = {**self.carried(authz), "username": username,
                 "destination": (result.get("CodeDeliveryDetails") or {}).get("Destination", "")}
            return _redirect(f"{where.base}/confirm?{urlencode(q)}")
        fields = [(n, label, kind, source.get(n) if error else "") for n, label, kind in shape]
        fields.append(("password", "Password", "password", ""))
        return self.simple_form(request, where, title="Signup", heading="Sign up with a new account", endpoint="/signup",
                                fields=fields, submit="Sign up", error=error)

    def confirm(self, request, where, error=None) -> Response:
        source = _flat(request.form) if request.method == "POST" else _flat(request.query)
        username = source.get("username", "")
        if request.method == "POST" and error is None:
            ctx, failed = self._post_context(request, where)
            if failed:
                return failed
            authz, pool, client, form = ctx
            try:
                self.pool_call("ConfirmSignUp", pool, client, {"Username": username, "ConfirmationCode": form.get("code", "")})
            except ServiceError as err:
                return self.confirm(request, where, error=err.message)
            from ..userpools import users

            return self.finish(where, authz, users.find(pool, username))  # managed login signs the new user in
        where_to = source.get("destination") or "your email address"
        return self.simple_form(request, where, title="Confirm", heading="Confirm your account", endpoint="/confirm",
                                fields=[("code", "Verification Code", "text", "")], submit="Confirm account", error=error,
                                note=f"We have sent a code to {where_to}. Enter it below to confirm your account.",
                                extra={"username": username, "destination": source.get("destination")})

    def forgot_password(self, request, where, error=None) -> Response:
        if request.method == "POST" and error is None:
            ctx, failed = self._post_context(request, where)
            if failed:
                return failed
            authz, pool, client, form = ctx
            try:
                result = self.pool_call("ForgotPassword", pool, client, {"Username": form.get("username", "")})
            except ServiceError as err:
                return self.forgot_password(request, where, error=err.message)
            q = {**self.carried(authz), "username": form.get("username", ""),
                 "destination": (result.get("CodeDeliveryDetails") or {}).get("Destination", "")}
            return _redirect(f"{where.base}/confirmForgotPassword?{urlencode(q)}")
        return self.simple_form(request, where, title="Forgot password", heading="Forgot your password?",
                                endpoint="/forgotPassword", fields=[("username", "Username", "text", "")],
                                submit="Reset my password", error=error,
                                note="Enter your username and we will send you a code to reset your password.")

    def confirm_forgot_password(self, request, where, error=None) -> Response:
        source = _flat(request.form) if request.method == "POST" else _flat(request.query)
        username = source.get("username", "")
        if request.method == "POST" and error is None:
            ctx, failed = self._post_context(request, where)
            if failed:
                return failed
            authz, pool, client, form = ctx
            try:
                self.pool_call("ConfirmForgotPassword", pool, client, {"Username": username, "ConfirmationCode": form.get("code", ""),
                                                                        "Password": form.get("password", "")})
            except ServiceError as err:
                return self.confirm_forgot_password(request, where, error=err.message)
            request.method = "GET"
            request.query = {k: [v] for k, v in self.carried(authz).items()}
            return self.login(request, where, note="Your password has been changed. Sign in with the new password.")
        return self.simple_form(request, where, title="Reset password", heading="Reset your password",
                                endpoint="/confirmForgotPassword",
                                fields=[("code", "Code", "text", ""), ("password", "New Password", "password", "")],
                                submit="Change Password", error=error,
                                note=f"We have sent a password reset code to {source.get('destination') or 'you'}. Enter it below.",
                                extra={"username": username, "destination": source.get("destination")})

    # ------------------------------------------------------------------ /logout
    def logout(self, request, where) -> Response:
        params = _flat(request.query)
        try:
            target = self.server.logout(params, where.pool)
        except OAuthError as err:
            if err.redirect:
                return _redirect(self.server.error_redirect(params, err))
            return self.error_redirect(where, err, params.get("client_id"))
        self.server.end_session(_cookies(request).get("cognito"))
        clear = "cognito=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        if not target:  # redirect_uri + response_type: sign in again
            return _redirect(f"{where.base}/login?{urlencode({k: v for k, v in params.items() if k in AUTHZ_PARAMS})}", clear)
        return _redirect(target, clear)

    # ------------------------------------------------------------------ /oauth2/token, /oauth2/userInfo, /oauth2/revoke
    def token(self, request, where) -> Response:
        if request.method != "POST":
            return _json(405, {"error": "invalid_request"})
        if request.form is None:
            return _json(400, {"error": "invalid_request", "error_description": "Content-Type must be application/x-www-form-urlencoded"})
        try:
            return _json(200, self.server.token(_flat(request.form), request.header("Authorization"), where.pool))
        except OAuthError as err:  # the token endpoint answers {"error": ...} only ("Token endpoint", errors)
            return _json(err.status, {"error": err.error})

    def userinfo(self, request, where) -> Response:
        auth = request.header("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        try:
            return _json(200, self.server.userinfo(token))
        except OAuthError as err:
            headers = {}
            if err.status == 401:
                headers["WWW-Authenticate"] = f'Bearer error="{err.error}", error_description="{err.description}"'
            return _json(err.status, err.body(), **headers)

    def revoke(self, request, where) -> Response:
        if request.method != "POST" or request.form is None:
            return _json(400, {"error": "invalid_request"})
        try:
            self.server.revoke(_flat(request.form), request.header("Authorization"), where.pool)
        except OAuthError as err:
            return _json(err.status, err.body())
        return Response(200, {"Content-Type": JSON, **NO_STORE}, b"")

    # ------------------------------------------------------------------ back from a federated IdP
    def idp_response(self, request, where) -> Response:
        q = _flat(request.query)
        try:
            authz, user = self.broker.finish_openid(q.get("state"), q.get("code"), q.get("error"), pool_base=where.base)
        except FederationFailed as failed:
            return self.federation_failed(where, failed)
        return self.finish(where, authz, user)

    def saml_response(self, request, where) -> Response:
        form = _flat(request.form)
        try:
            authz, user = self.broker.finish_saml(form.get("RelayState"), form.get("SAMLResponse"))
        except FederationFailed as failed:
            return self.federation_failed(where, failed)
        return self.finish(where, authz, user)

    def federation_failed(self, where, failed: FederationFailed) -> Response:
        if failed.request is None:
            return _html(pages.error_page(failed.error.error, failed.error.description), 400)
        return _redirect(self.server.error_redirect(failed.request.query(), failed.error))

    #: What the sandbox adds under Cognito's error page, for the learner.
    ERROR_HINTS = {
        "redirect_mismatch": "The redirect_uri (or logout_uri) is not exactly one of the app client's CallbackURLs "
                             "(LogoutURLs): same scheme, host, port, path and trailing slash.",
        "invalid_request": "The client_id is missing or is not an app client of this user pool, or a required "
                           "parameter is missing.",
    }

    def error(self, request, where) -> Response:
        q = _flat(request.query)
        error = q.get("error") or "error"
        return _html(pages.error_page(error, q.get("error_description") or self.ERROR_HINTS.get(error)), 400)

    # ------------------------------------------------------------------ the IdPs' pages
    def upstream(self, request) -> Response | None:
        """Before :mod:`labkit.idps`'s routes: the authorization-code sign-in of the mock OIDC providers."""
        if request.transport != "http" or request.method != "GET" or not request.path.startswith("/idp/"):
            return None
        q = _flat(request.query)
        if q.get("response_type") != "code":
            return None
        idps = self.sandbox.components.get("idps")
        if idps is None:
            return None
        provider = None
        if request.path == "/idp/google/o/oauth2/v2/auth":
            provider = idps.google
        else:
            for p in idps.oidc.values():
                if request.path == f"{p.route}/authorize":
                    provider = p
        if provider is None:
            return None
        brand = "Google" if provider is idps.google else provider.issuer
        action = f"http://{request.header('Host') or '127.0.0.1'}{request.path}"
        if q.get("login_hint") and q.get("redirect_uri"):
            try:
                code = self.broker.flows.sign_in(provider, q["login_hint"], client_id=q.get("client_id", ""),
                                                 redirect_uri=q["redirect_uri"], nonce=q.get("nonce"))
            except LabkitError as err:
                return _html(pages.idp_login(brand=brand, heading=f"Sign in with {brand}", action=action,
                                             params={k: v for k, v in q.items() if k != "login_hint"}, error=str(err)), 400)
            back = {"code": code}
            if q.get("state"):
                back["state"] = q["state"]
            sep = "&" if "?" in q["redirect_uri"] else "?"
            return _redirect(f"{q['redirect_uri']}{sep}{urlencode(back)}")
        return _html(pages.idp_login(brand=brand, heading=f"Sign in with {brand}", action=action,
                                     params={k: v for k, v in q.items() if k != "login_hint"}))

    def adfs(self, request) -> Response | None:
        """AD FS of a simulated Active Directory: ``/adfs/<directory>/ls/`` takes a SAMLRequest (HTTP-Redirect),
        asks for user name and password, and posts the SAML response to the requester's ACS (HTTP-POST)."""
        from .. import saml
        from .upstream import read_authn_request

        m = re.match(r"^/adfs/(?P<name>[a-z][a-z0-9-]{0,30})/ls/?$", request.path)
        component = self.sandbox.components.get("saml")
        ad = component.directories.get(m.group("name")) if (m and component) else None
        if ad is None:
            return _html(pages.error_page("Not found", "No simulated Active Directory answers here."), 404)
        action = f"http://{request.header('Host') or '127.0.0.1'}{request.path}"
        source = _flat(request.form) if request.method == "POST" else _flat(request.query)
        params = {"SAMLRequest": source.get("SAMLRequest"), "RelayState": source.get("RelayState")}
        try:
            authn = read_authn_request(source.get("SAMLRequest") or "")
        except LabkitError as err:
            return _html(pages.error_page("An error occurred", str(err)), 400)
        if request.method != "POST":
            return _html(pages.adfs_login(domain=ad.domain, action=action, params=params))
        username = source.get("UserName", "")
        try:
            response = ad.sign_in(username, source.get("Password", ""), audience=authn["issuer"])
        except saml.SignInFailed as err:
            return _html(pages.adfs_login(domain=ad.domain, action=action, params=params, username=username,
                                          error=str(err).split(" (")[0]), 200)
        return _html(pages.saml_post(acs_url=authn["acs"], saml_response=response, relay_state=params["RelayState"]))
