"""Managed login's passkey pages: a signed-in user adds a passkey, and a user signs in with one.

Developer guide, "Passkey sign-in" with managed login: users register a passkey at the domain's
``/passkeys/add`` page (``client_id`` and ``redirect_uri`` as for ``/login``) after they sign in, and sign in
with it from the login page. The pages run the WebAuthn ceremonies in the browser
(``navigator.credentials.create()`` / ``.get()``); the user pool checks them with the same code as the API
(:mod:`labkit.userpools.passkeys`: registration, and the ``WEB_AUTHN`` challenge of the sign-in registry), so
every refusal is the one the API gives. The relying party ID is the pool's (its domain, or the
``WebAuthnConfiguration.RelyingPartyId`` set with SetUserPoolMfaConfig): a browser accepts it only from an
origin that may claim it (``localhost`` for a sandbox served on this machine).

Endpoints (JSON ones answer the page's ``fetch``):

* ``GET /passkeys/add`` -- the page (a live managed-login session is needed, else to ``/login``);
  ``POST /passkeys/add/options`` -> CredentialCreationOptions; ``POST /passkeys/add/complete`` with the
  credential -> ``{"redirect": <the app's redirect_uri with a code>}``.
* ``GET /passkeys/signin`` -- the page (username, then the passkey); ``POST /passkeys/signin/options`` ->
  the request options and the sign-in Session; ``POST /passkeys/signin/answer`` with the assertion ->
  ``{"redirect": ...}`` and the managed-login session cookie.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from ..errors import ServiceError
from ..userpools import passkeys as pool_passkeys
from ..userpools import users as pool_users
from ..userpools.clients import secret_hash_of
from ..userpools.signin import CHALLENGES, allowed_first_factors
from ..wire.request import Response
from . import pages

ENDPOINTS = {"/passkeys/add", "/passkeys/add/options", "/passkeys/add/complete", "/passkeys/signin",
             "/passkeys/signin/options", "/passkeys/signin/answer"}

# base64url <-> ArrayBuffer, and a credential as PublicKeyCredential.toJSON() gives it (written out for browsers
# without toJSON).
SCRIPT = r"""
const b64u = {
  decode(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
              return Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer; },
  encode(buf) { let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
                return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); },
};
function form(extra) {
  const data = new URLSearchParams(new FormData(document.getElementById('passkeyForm')));
  for (const [k, v] of Object.entries(extra || {})) data.set(k, v);
  return {method: 'POST', body: data, credentials: 'same-origin'};
}
async function call(path, extra) {
  const reply = await fetch(path, form(extra));
  const doc = await reply.json();
  if (!reply.ok) throw new Error(doc.message || doc.error);
  return doc;
}
function show(message) { const box = document.getElementById('passkeyError'); box.textContent = message; box.hidden = false; }
function asJSON(cred) {
  const r = cred.response, out = {id: cred.id, rawId: b64u.encode(cred.rawId), type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment, clientExtensionResults: cred.getClientExtensionResults(),
    response: {clientDataJSON: b64u.encode(r.clientDataJSON)}};
  if (r.attestationObject) {
    out.response.attestationObject = b64u.encode(r.attestationObject);
    out.response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = b64u.encode(r.authenticatorData);
    out.response.signature = b64u.encode(r.signature);
    if (r.userHandle) out.response.userHandle = b64u.encode(r.userHandle);
  }
  return JSON.stringify(out);
}
async function passkeyCreate(base) {
  try {
    const o = await call(base + '/passkeys/add/options');
    o.challenge = b64u.decode(o.challenge); o.user.id = b64u.decode(o.user.id);
    (o.excludeCredentials || []).forEach(c => c.id = b64u.decode(c.id));
    const cred = await navigator.credentials.create({publicKey: o});
    const done = await call(base + '/passkeys/add/complete', {credential: asJSON(cred)});
    window.location.href = done.redirect;
  } catch (e) { show(e.message || String(e)); }
}
async function passkeyGet(base) {
  try {
    const start = await call(base + '/passkeys/signin/options');
    const o = start.options;
    o.challenge = b64u.decode(o.challenge);
    (o.allowCredentials || []).forEach(c => c.id = b64u.decode(c.id));
    const cred = await navigator.credentials.get({publicKey: o});
    const done = await call(base + '/passkeys/signin/answer', {session: start.session, credential: asJSON(cred)});
    window.location.href = done.redirect;
  } catch (e) { show(e.message || String(e)); }
}
"""


def login_buttons(routes, where, authz, pool) -> list:
    """The login page's "Sign in with a passkey" button, where the pool allows passkeys."""
    if "WEB_AUTHN" not in allowed_first_factors(pool):
        return []
    return [("Sign in with a passkey", f"{where.base}/passkeys/signin?{urlencode(routes.carried(authz))}")]


def _json(status: int, doc: dict, cookie: str | None = None) -> Response:
    headers = {"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(status, headers, json.dumps(doc).encode())


def _refused(err: ServiceError) -> Response:
    return _json(400, {"error": err.code, "message": err.message})


def handle(routes, request, where) -> Response:
    """The route of the passkey endpoints (``routes`` is the hosted UI's :class:`~.routes.HostedUIRoutes`)."""
    from .routes import AUTHZ_PARAMS, _cookies, _flat, _html, _redirect

    source = _flat(request.form) if request.method == "POST" else _flat(request.query)
    params = {k: v for k, v in source.items() if k in AUTHZ_PARAMS}
    authz, failed = routes.authorization(where, params)
    if failed:
        return failed
    userpools = routes.component.userpools
    pool = userpools.find_pool(authz.pool_id)
    client = pool.clients[authz.client_id]
    model = userpools.service.model
    adding = where.path.startswith("/passkeys/add")
    session = routes.server.session(_cookies(request).get("cognito"), authz.pool_id)
    if where.path in ("/passkeys/add", "/passkeys/signin"):
        if request.method != "GET":
            return _html(pages.error_page("invalid_request", "This page supports only GET."), 405)
        if adding and session is None:
            return _redirect(f"{where.base}/login?{urlencode(routes.carried(authz))}")
        token, cookie = routes.csrf_cookie()
        return _html(page(routes, where, authz, token, adding=adding, username=session.username if session else ""), 200, cookie)

    if request.method != "POST" or not routes.csrf_checked(request):
        return _json(403, {"error": "invalid_request", "message": "Invalid CSRF token: reload the page and try again."})
    form = _flat(request.form)
    try:
        if adding:
            if session is None:
                return _json(401, {"error": "NotAuthorizedException", "message": "Sign in before you add a passkey."})
            user = pool.users[session.username]
            if where.path == "/passkeys/add/options":
                return _json(200, pool_passkeys.start_registration(model, pool, client.id, user))
            pool_passkeys.complete_registration(model, pool, client.id, user, form.get("credential") or "")
            return _json(200, {"redirect": routes.server.redirect_after_sign_in(authz, user.username, session.auth_time)})
        username = form.get("username") or ""
        user = pool_users.find(pool, username)
        if where.path == "/passkeys/signin/options":
            challenge = CHALLENGES.get("WEB_AUTHN")
            if user is None or not user.enabled or not challenge.available(model.signin, pool, client, user):
                # reconstruction of managed login's wording
                return _json(400, {"error": "NotAuthorizedException", "message": "This user has no passkey for this site."})
            step = challenge.choose(model.signin, pool, client, user, username, {})
            return _json(200, {"session": step["Session"],
                               "options": json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])})
        if user is None:
            return _json(400, {"error": "NotAuthorizedException", "message": "Incorrect username or password."})
        answers = {"USERNAME": username, "CREDENTIAL": form.get("credential") or ""}
        if client.generate_secret:
            answers["SECRET_HASH"] = secret_hash_of(client, username)
        step = model.signin.answer(pool, client, {"ChallengeName": "WEB_AUTHN", "Session": form.get("session"),
                                                  "ChallengeResponses": answers})
    except ServiceError as err:
        return _refused(err)
    if "AuthenticationResult" not in step:
        return _json(400, {"error": "invalid_request", "message": f"This user must answer the {step.get('ChallengeName')} "
                           "challenge next: sign in with the password form."})
    value, signed_in = routes.server.start_session(authz.pool_id, user.username)
    return _json(200, {"redirect": routes.server.redirect_after_sign_in(authz, user.username, signed_in.auth_time)},
                 cookie=f"cognito={value}; Path=/; HttpOnly; SameSite=Lax")


def page(routes, where, authz, csrf: str, *, adding: bool, username: str) -> str:
    app = routes.app_name(authz)
    base = json.dumps(where.base)
    hidden = pages.hidden({"_csrf": csrf, **routes.carried(authz)})
    if adding:
        heading, note = "Add a passkey", f"Signed in as {username}. Your device will ask you to create a passkey for this app."
        fields = pages.hidden({"username": username})
        button = f'<button type="button" id="addPasskey" onclick=\'passkeyCreate({escape(base)})\'>Add a passkey</button>'
    else:
        heading, note = "Sign in with a passkey", "Your device will ask you to use the passkey you created for this app."
        fields = ('<label for="passkeyUsername">Username</label><input id="passkeyUsername" name="username" type="text" '
                  f'autocomplete="username webauthn" autocapitalize="none" required value="{escape(username)}">')
        button = f'<button type="button" id="signInWithPasskey" onclick=\'passkeyGet({escape(base)})\'>Sign in with a passkey</button>'
    links = f'<div class="links"><a href="{escape(where.base)}/login?{escape(urlencode(routes.carried(authz)))}">Back to sign in</a></div>'
    body = (f"<h1>{escape(app)}</h1><h2>{escape(heading)}</h2>{pages.messages(note=note)}"
            '<div class="error" role="alert" id="passkeyError" hidden></div>'
            f'<form id="passkeyForm" onsubmit="return false">{hidden}{fields}{button}</form>{links}'
            f"<script>{SCRIPT}</script>")
    return pages.layout(f"{heading} - {app}", body, footer=routes.footer(authz))
