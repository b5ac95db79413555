"""The app a learner can click: a single-page web app the sandbox serves at ``/labkit/apps/api-client/``.

It does what a browser app in front of a protected API does, in plain JavaScript (no build step, no CDN;
the page is this module's text): sign in through the user pool's hosted UI with the authorization code
grant and PKCE (RFC 7636, S256 with WebCrypto), exchange the code at ``/oauth2/token``, call the learner's
API with the ID token or the access token in ``Authorization``, and show API Gateway's answer and the
token's decoded claims. Everything it calls is on the sandbox's own endpoint (the hosted UI and the API
under the sandbox's addressing rule), so the browser needs no CORS.

    url = labkit.apigateway.app.url(sb, api_url, pool_id, client_id)   # print it, open it
    # the app client needs CallbackURLs=[labkit.apigateway.app.callback(sb)], code flow, openid scope
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..wire.request import Response

PATH = "/labkit/apps/api-client/"


def callback(sandbox) -> str:
    """The app's address: the callback URL (and sign-out URL) to register on the app client."""
    return sandbox.endpoint_url + PATH


def url(sandbox, api_url: str, pool_id: str, client_id: str) -> str:
    """The URL to open: the app, told which API (``.../prod/notes``), hosted UI and app client to use.

    ``api_url`` may be the AWS form (``https://{api}.execute-api...``): it is rewritten to the sandbox's."""
    from .. import hostedui

    from ..wire.addressing import served_url

    api = served_url(sandbox.endpoint_url, api_url)  # the sandbox's one addressing rule
    return callback(sandbox) + "?" + urlencode({"api": api, "auth": hostedui.base_url(sandbox, pool_id), "client_id": client_id})


def route(request):
    """The dispatcher route that serves the page (HTTP transport only; the browser is the client)."""
    if request.transport != "http" or request.method != "GET" or request.path.rstrip("/") != PATH.rstrip("/"):
        return None
    request.service, request.operation = "labkit", "GET " + PATH
    return Response(200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, PAGE.encode("utf-8"))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes - a protected API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f23; }
 button { font-size: 1rem; padding: .4rem .9rem; margin: .2rem .4rem .2rem 0; cursor: pointer; }
 pre { background: #f4f6f8; padding: .8rem; overflow-x: auto; border-radius: 6px; }
 .status { font-weight: bold; } .ok { color: #116329; } .bad { color: #b42318; }
 .muted { color: #57606a; font-size: .9rem; }
</style></head>
<body>
<h1>Notes</h1>
<p class="muted">A browser app in front of your API: hosted UI sign-in (code + PKCE), then API calls with the token.</p>
<div id="config" class="muted"></div>
<div id="signed-out"><button id="sign-in">Sign in</button></div>
<div id="signed-in" hidden>
  <p>Signed in as <b id="who"></b>.</p>
  <button id="call-id">Call the API with the ID token</button>
  <button id="call-access">Call the API with the access token</button>
  <button id="sign-out">Sign out</button>
  <h2>API Gateway's answer</h2>
  <p><span id="status" class="status"></span></p>
  <pre id="answer">(no call yet)</pre>
  <h2>The ID token's claims</h2>
  <pre id="claims"></pre>
</div>
<p id="error" class="bad"></p>
<script>
"use strict";
const here = location.origin + location.pathname;
const query = new URLSearchParams(location.search);
if (query.get("api")) {
  sessionStorage.setItem("cfg", JSON.stringify({api: query.get("api"), auth: query.get("auth"), client_id: query.get("client_id")}));
}
const cfg = JSON.parse(sessionStorage.getItem("cfg") || "null");
const $ = (id) => document.getElementById(id);
let tokens = null;

function b64url(bytes) {
  let s = ""; for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
}
function randomString(n) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }
function claimsOf(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(decodeURIComponent(escape(atob(part + "===".slice((part.length + 3) % 4)))));
}
function fail(message) { $("error").textContent = message; }

async function signIn() {
  const verifier = randomString(48);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = randomString(16);
  sessionStorage.setItem("pkce", JSON.stringify({verifier, state}));
  const params = new URLSearchParams({client_id: cfg.client_id, response_type: "code", redirect_uri: here,
    scope: "openid email profile aws.cognito.signin.user.admin", state, code_challenge: challenge, code_challenge_method: "S256"});
  location.assign(cfg.auth + "/oauth2/authorize?" + params);
}

async function redeem(code, state) {
  const pkce = JSON.parse(sessionStorage.getItem("pkce") || "null");
  sessionStorage.removeItem("pkce");
  history.replaceState(null, "", here);
  if (!pkce || pkce.state !== state) { fail("The state that came back is not the one this app sent: not redeeming this code."); return; }
  const r = await fetch(cfg.auth + "/oauth2/token", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams({grant_type: "authorization_code", client_id: cfg.client_id, code, redirect_uri: here, code_verifier: pkce.verifier})});
  const body = await r.json();
  if (!r.ok) { fail("The token endpoint said " + r.status + ": " + JSON.stringify(body)); return; }
  tokens = body;
  sessionStorage.setItem("tokens", JSON.stringify(tokens));
  show();
}

async function callApi(which) {
  const token = which === "id" ? tokens.id_token : tokens.access_token;
  const r = await fetch(cfg.api, {headers: {Authorization: token}});
  const text = await r.text();
  $("status").textContent = r.status + " " + (r.ok ? "OK" : r.statusText) + " (with the " + (which === "id" ? "ID" : "access") + " token)";
  $("status").className = "status " + (r.ok ? "ok" : "bad");
  try { $("answer").textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { $("answer").textContent = text; }
}

function show() {
  $("signed-out").hidden = !!tokens; $("signed-in").hidden = !tokens;
  if (tokens) {
    const claims = claimsOf(tokens.id_token);
    $("who").textContent = claims["cognito:username"] || claims.sub;
    $("claims").textContent = JSON.stringify(claims, null, 2);
  }
}

if (!cfg) {
  fail("This app needs its configuration: open the URL the notebook printed (labkit.apigateway.app.url(...)).");
} else {
  $("config").textContent = "API: " + cfg.api;
  $("sign-in").onclick = () => signIn().catch((e) => fail(String(e)));
  $("call-id").onclick = () => callApi("id").catch((e) => fail(String(e)));
  $("call-access").onclick = () => callApi("access").catch((e) => fail(String(e)));
  $("sign-out").onclick = () => { tokens = null; sessionStorage.removeItem("tokens"); show(); };
  tokens = JSON.parse(sessionStorage.getItem("tokens") || "null");
  if (query.get("code")) { redeem(query.get("code"), query.get("state")).catch((e) => fail(String(e))); }
  else if (query.get("error")) { fail("The hosted UI answered: " + query.get("error") + " " + (query.get("error_description") || "")); }
  show();
}
</script>
</body></html>
"""
