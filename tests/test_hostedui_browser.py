"""The hosted UI in a real browser: Debian's Chromium, driven by Playwright (never a browser download).

The app is a tiny HTTP server in the test (its ``/callback`` is the app client's callback URL). Chromium opens
``/oauth2/authorize`` with PKCE on the sandbox's endpoint, is sent to the login page, a person's typing fills
the form, the browser follows Cognito's redirect to the app with a code, and the app exchanges the code. A
second sign-in goes through "Continue with Google" (the user pool as identity broker). Fixes moto, which
serves no hosted UI (404).

Missing Chromium or Playwright is a FAILURE, not a skip: ``apt-get install -y chromium``, and the Python
package ``playwright`` (no ``playwright install``). The login page's screenshot lands in ``tmp_path``.
"""

from __future__ import annotations

import os
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, require_browser
import requests

import labkit.hostedui as hostedui
from labkit import tokens

PASSWORD = "Passw0rd!"

pytestmark = pytest.mark.browser




class App:
    """The relying party: an HTTP server whose /callback receives Cognito's redirect."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/callback":
                    received.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                body = b"<!doctype html><title>My app</title><h1>Signed in to my app</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.callback = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_sign_in_in_a_real_browser(served_sb, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    idp = boto3.client("cognito-idp")
    with App() as app:
        pool = idp.create_user_pool(PoolName="shop")["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain="shop-demo", UserPoolId=pool)
        idp.create_identity_provider(
            UserPoolId=pool, ProviderName="Google", ProviderType="Google",
            ProviderDetails={"client_id": "1234-abc.apps.googleusercontent.com", "client_secret": "s",
                             "authorize_scopes": "openid email profile"},
            AttributeMapping={"email": "email", "username": "sub"})
        client_id = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="My shop", CallbackURLs=[app.callback], AllowedOAuthFlows=["code"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", "email"],
            SupportedIdentityProviders=["COGNITO", "Google"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
        base = hostedui.base_url(served_sb, pool)

        def authorize_url(verifier):
            return f"{base}/oauth2/authorize?" + urlencode({
                "client_id": client_id, "response_type": "code", "redirect_uri": app.callback, "scope": "openid email",
                "state": "browser-state", "code_challenge": hostedui.code_challenge(verifier), "code_challenge_method": "S256"})

        def exchange(code, verifier):
            r = requests.post(f"{base}/oauth2/token", data={"grant_type": "authorization_code", "client_id": client_id,
                                                            "code": code, "redirect_uri": app.callback, "code_verifier": verifier})
            assert r.status_code == 200, r.text
            return tokens.verify(r.json()["id_token"], client_id=client_id, token_use="id")

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 900, "height": 760})
                verifier = secrets.token_urlsafe(48)
                page.goto(authorize_url(verifier))
                page.wait_for_selector("#signInFormUsername")
                assert "/login?" in page.url and page.title() == "Signin - My shop"
                page.screenshot(path=str(tmp_path / "login.png"), full_page=True)
                page.fill("#signInFormUsername", "alice")
                page.fill("#signInFormPassword", PASSWORD)
                page.click("button[name=signInSubmitButton]")
                page.wait_for_url(f"{app.callback}?*")
                assert page.inner_text("h1") == "Signed in to my app"
                got = app.received[-1]
                assert got["state"] == "browser-state"
                assert exchange(got["code"], verifier)["cognito:username"] == "alice"

                # The same browser again, now through Google (a fresh browser context: no session cookie).
                context = browser.new_context()
                page = context.new_page()
                verifier = secrets.token_urlsafe(48)
                page.goto(authorize_url(verifier))
                page.click("text=Continue with Google")
                page.wait_for_selector("#identifierId")
                page.fill("#identifierId", "carol@gmail.com")
                page.click("button[type=submit]")
                page.wait_for_url(f"{app.callback}?*")
                claims = exchange(app.received[-1]["code"], verifier)
                assert claims["cognito:username"].startswith("Google_") and claims["email"] == "carol@gmail.com"
            finally:
                browser.close()
    assert (tmp_path / "login.png").stat().st_size > 10_000
