"""Exercises of notebook 10 · Hosted UI and OAuth 2.0: a PKCE challenge, the authorization server's
answers, an authorize request of your own.

The checks put the learner's values through the sandbox's own authorization server (the code behind
``/oauth2/authorize`` and ``/oauth2/token``), so they work whether or not the sandbox is served over HTTP.
RFC 6749 §4.1 (authorization code grant), RFC 7636 (PKCE), Cognito "User pool endpoints" reference.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "10-hosted-ui-and-oauth"
CALLBACK = "http://localhost:8000/callback"
#: RFC 7636 Appendix B: this verifier's S256 challenge.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


class Shop:
    """A pool with a domain, an OAuth app client (code flow, openid email profile) and alice."""

    def __init__(self, run, label: str):
        self.run = run
        idp = fx.client(run, "cognito-idp")
        self.pool_id = idp.create_user_pool(PoolName=run.name(f"ex10{label}-shop-users"))["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain=run.name(f"ex10{label}-shop-"), UserPoolId=self.pool_id)
        self.client_id = idp.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName=run.name(f"ex10{label}-shop-web"), CallbackURLs=[CALLBACK],
            AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["openid", "email", "profile"], SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]["ClientId"]
        fx.add_user(run, self.pool_id, "alice")
        self.server = run.sb.components["hostedui"].server

    def params(self, **extra) -> dict:
        return {"client_id": self.client_id, "response_type": "code", "redirect_uri": CALLBACK, "scope": "openid email", **extra}

    def code_for(self, params: dict) -> str:
        """What /oauth2/authorize and /login do for alice: check the request, issue a code."""
        request = self.server.authorize(params)
        return self.server.new_code(request, "alice", int(self.run.sb.clock.time()))

    def redeem(self, code: str, verifier: str | None = None, redirect_uri: str = CALLBACK) -> dict:
        form = {"grant_type": "authorization_code", "client_id": self.client_id, "code": code, "redirect_uri": redirect_uri}
        if verifier is not None:
            form["code_verifier"] = verifier
        return self.server.token(form, None)

    @staticmethod
    def error(call) -> str | None:
        from labkit.hostedui import OAuthError

        try:
            call()
        except OAuthError as err:
            return err.error
        return None


# ---------------------------------------------------------------------------------------------- 10.1
def _check_challenge(s256_challenge, run):
    if not callable(s256_challenge):
        run.stop(f"s256_challenge is a {type(s256_challenge).__name__}, not a function.",
                 "Define it with def s256_challenge(verifier): ...")
    got = run.call(s256_challenge, RFC_VERIFIER, doing="computing the challenge of RFC 7636's example verifier")
    if isinstance(got, bytes):
        run.stop("Your function returns bytes; the challenge goes into a URL as text.", "Add .decode() at the end.")
    why = "S256: BASE64URL(SHA256(ASCII(verifier))), without '=' padding."
    if isinstance(got, str) and got.rstrip("=") == RFC_CHALLENGE:
        why = "Strip the '=' padding: RFC 7636 §4.2 uses base64url without padding."
    elif isinstance(got, str) and len(got) == 64:
        why = "That looks like a hex digest: encode the digest's bytes with base64url instead."
    if not run.expect(got == RFC_CHALLENGE, f"For RFC 7636's example verifier you computed {got!r}, not {RFC_CHALLENGE!r}.", why,
                      passed_text="RFC 7636 Appendix B's example comes out right."):
        return
    shop = Shop(run, "a")
    verifier = secrets.token_urlsafe(48)
    challenge = run.call(s256_challenge, verifier, doing="computing a challenge for a fresh verifier")
    code = shop.code_for(shop.params(code_challenge=challenge, code_challenge_method="S256"))
    error = shop.error(lambda: shop.redeem(code, verifier))
    run.expect(error is None, f"The token endpoint refused the code with your challenge's verifier: {error}.", why,
               passed_text="The token endpoint accepts the verifier of your challenge and returns tokens.")


# ---------------------------------------------------------------------------------------------- 10.2
SCENARIOS = {
    "code used twice": "the app redeems the same authorization code a second time at /oauth2/token",
    "another verifier": "someone redeems a stolen code with a code_verifier of their own",
    "unregistered redirect_uri": "an authorize request names a redirect_uri that is not one of the client's CallbackURLs",
}


def _check_errors(predictions, run):
    if not isinstance(predictions, dict):
        run.stop(f"predictions is a {type(predictions).__name__}; it must be a dict from each scenario to an error.")
    missing = [key for key in SCENARIOS if key not in predictions]
    if missing:
        run.stop(f"predictions lacks {', '.join(repr(m) for m in missing)}.", "Keep the keys of the starter cell.")
    shop = Shop(run, "b")
    verifier = secrets.token_urlsafe(48)
    from labkit.hostedui import code_challenge

    pkce = {"code_challenge": code_challenge(verifier), "code_challenge_method": "S256"}
    used = shop.code_for(shop.params(**pkce))
    shop.redeem(used, verifier)
    actual = {
        "code used twice": shop.error(lambda: shop.redeem(used, verifier)),
        "another verifier": shop.error(lambda: shop.redeem(shop.code_for(shop.params(**pkce)), secrets.token_urlsafe(48))),
        "unregistered redirect_uri": shop.error(lambda: shop.code_for(shop.params(redirect_uri="https://evil.example.com/"))),
    }
    why = {
        "code used twice": "A code works once (and for five minutes): the token endpoint answers with the OAuth error for a bad grant.",
        "another verifier": "The verifier does not answer the challenge: the grant is refused, as for any bad code.",
        "unregistered redirect_uri": "Cognito never redirects to an unregistered URI (RFC 6749 §4.1.2.1): its error page names "
                                     "Cognito's own error code for a mismatched redirect.",
    }
    for key, description in SCENARIOS.items():
        said = predictions[key].strip() if isinstance(predictions[key], str) else predictions[key]
        if said is Ellipsis or said is None:
            run.failed(f"When {description}: no prediction yet.", "Replace its ... with an OAuth error code.")
            continue
        run.expect(said == actual[key], f"When {description}, Cognito does not answer {said!r}.", why[key],
                   passed_text=f"When {description}: {actual[key]}.")


# ---------------------------------------------------------------------------------------------- 10.3
def _check_authorize_url(build_authorize_url, run):
    from labkit.hostedui import OAuthError, code_challenge

    if not callable(build_authorize_url):
        run.stop(f"build_authorize_url is a {type(build_authorize_url).__name__}, not a function.",
                 "Define it with def build_authorize_url(base, client_id, redirect_uri, verifier, state): ...")
    shop = Shop(run, "c")
    base = f"https://{run.sb.components['hostedui'].domain_of(shop.pool_id)}"
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url = run.call(build_authorize_url, base, shop.client_id, CALLBACK, verifier, state, doing="building the authorize URL")
    if not isinstance(url, str):
        run.stop(f"Your function returned a {type(url).__name__}, not a URL string.")
    parts = urlsplit(url)
    run.expect(f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{base}/oauth2/authorize",
               f"The URL goes to {parts.scheme}://{parts.netloc}{parts.path}, not {base}/oauth2/authorize.", "",
               passed_text="It goes to the pool's /oauth2/authorize.")
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    try:
        request = shop.server.authorize(params)
    except OAuthError as err:
        run.stop(f"Cognito refuses the request: {err.error}" + (f" ({err.description})" if getattr(err, "description", None) else "") + ".",
                 "The error names what Cognito found wrong; compare your parameters with the ones section 3 sends, "
                 "URL-encoded (urllib.parse.urlencode).")
    run.passed("Cognito accepts the request.")
    run.expect("openid" in request.scopes, f"The scopes are {request.scopes}; without openid there is no ID token.",
               "Ask for scope 'openid email profile' (space-separated).", passed_text=f"Scopes: {' '.join(request.scopes)}.")
    run.expect(request.state == state, "state does not come back as the app sent it.", "Pass the app's state unchanged.",
               passed_text="state is the app's (it will come back on the callback).")
    if not run.expect(request.code_challenge == code_challenge(verifier) and request.code_challenge_method == "S256",
                      "The request carries no S256 challenge of the verifier." if not request.code_challenge else
                      "The challenge is not the S256 challenge of the verifier.",
                      "Send code_challenge=<S256 of verifier> and code_challenge_method=S256; never the verifier itself.",
                      passed_text="It carries the S256 challenge of the verifier (not the verifier)."):
        return
    code = shop.server.new_code(request, "alice", int(run.sb.clock.time()))
    tokens = shop.redeem(code, verifier)
    run.expect("id_token" in tokens, "The code did not give an ID token.", "",
               passed_text="Alice's code and the verifier give tokens at /oauth2/token.")


EXERCISES = [
    Exercise(
        id="10.1", notebook=NOTEBOOK, level="use", kind="function",
        title="A PKCE challenge",
        prompt="Write `s256_challenge(verifier)`: the S256 code challenge of RFC 7636 (what section 2 computes). The check "
               "tries RFC 7636's own example, then redeems a code made with your challenge at the sandbox's token endpoint.",
        starter=("def s256_challenge(verifier):\n"
                 '    """The S256 PKCE challenge of a code verifier."""\n'
                 "    ...\n\n"
                 'check("10.1", s256_challenge)'),
        hints=["SHA-256 of the verifier's ASCII bytes, then base64url.",
               "base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b\"=\").decode()"],
        checker=_check_challenge,
    ),
    Exercise(
        id="10.2", notebook=NOTEBOOK, level="read", kind="value",
        title="What the authorization server answers",
        prompt="Predict the OAuth error for each scenario (`\"invalid_grant\"`, `\"invalid_request\"`, "
               "`\"redirect_mismatch\"`, `\"invalid_scope\"`...). The check plays each one against a pool of its own.",
        starter=('predictions = {\n'
                 '    "code used twice": ...,\n'
                 '    "another verifier": ...,\n'
                 '    "unregistered redirect_uri": ...,\n'
                 '}\n\n'
                 'check("10.2", predictions)'),
        hints=["Section 6 shows all three.",
               "Two of them are refused at /oauth2/token the same way; the third never reaches the app."],
        checker=_check_errors,
    ),
    Exercise(
        id="10.3", notebook=NOTEBOOK, level="write", kind="function",
        title="Your own authorize request",
        prompt="Write `build_authorize_url(base, client_id, redirect_uri, verifier, state)`: the URL an app sends the browser to, "
               "for the authorization code grant with PKCE and the scopes `openid email profile`. `base` is the hosted "
               "UI's address (`https://<domain>.auth.<region>.amazoncognito.com`). The check hands the request to the "
               "sandbox's authorization server, signs alice in and redeems the code with the verifier.",
        starter=("def build_authorize_url(base, client_id, redirect_uri, verifier, state):\n"
                 '    """The /oauth2/authorize URL of a code grant with PKCE."""\n'
                 "    ...\n\n"
                 'check("10.3", build_authorize_url)'),
        hints=["Section 3 builds one: f\"{base}/oauth2/authorize?\" + urlencode(params).",
               "params: client_id, response_type=\"code\", redirect_uri, scope=\"openid email profile\", state, "
               "code_challenge (the S256 of the verifier), code_challenge_method=\"S256\"."],
        checker=_check_authorize_url,
    ),
]
