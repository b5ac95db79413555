"""Passkeys in a real browser: Debian's Chromium (Playwright, never a browser download) with Chrome's virtual
authenticator (DevTools protocol ``WebAuthn.enable`` + ``WebAuthn.addVirtualAuthenticator``: a platform
authenticator with user verification, as a phone or laptop has).

The user signs in with a password on the managed-login page, adds a passkey at ``/passkeys/add``
(``navigator.credentials.create()``), signs out, and signs in again from the login page's "Sign in with a
passkey" (``navigator.credentials.get()``): the app gets a code and exchanges it for tokens. The user pool
checks both ceremonies with the API's code (py_webauthn), so the passkey is listed by
ListWebAuthnCredentials and the assertion moved the authenticator's sign counter.

A browser uses WebAuthn only in a secure context and for an RP ID its origin may claim; the sandbox is served
on ``http://localhost:<port>`` (a secure context), so the pool's relying party ID is ``localhost``
(SetUserPoolMfaConfig WebAuthnConfiguration), as an app under development on AWS would set it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import boto3
import pytest
import requests
from browser_support import CHROMIUM, CHROMIUM_ARGS, require_browser
from test_hostedui_browser import App

import labkit.hostedui as hostedui
from labkit import tokens

PASSWORD = "Passw0rd!"
SCOPES = "openid email aws.cognito.signin.user.admin"

pytestmark = pytest.mark.browser


def test_register_a_passkey_and_sign_in_with_it_in_a_real_browser(served_sb, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    idp = boto3.client("cognito-idp")
    with App() as app:
        pool = idp.create_user_pool(PoolName="shop", Policies={"SignInPolicy": {
            "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain="shop-passkeys", UserPoolId=pool)
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF", WebAuthnConfiguration={
            "RelyingPartyId": "localhost", "UserVerification": "required"})
        client_id = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="My shop", CallbackURLs=[app.callback], AllowedOAuthFlows=["code"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=SCOPES.split(),
            SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
        base = hostedui.base_url(served_sb, pool).replace("://127.0.0.1:", "://localhost:")

        def authz(verifier):
            return urlencode({"client_id": client_id, "response_type": "code", "redirect_uri": app.callback,
                              "scope": SCOPES, "code_challenge": hostedui.code_challenge(verifier),
                              "code_challenge_method": "S256"})

        def exchange(verifier):
            r = requests.post(f"{base}/oauth2/token", data={
                "grant_type": "authorization_code", "client_id": client_id, "code": app.received[-1]["code"],
                "redirect_uri": app.callback, "code_verifier": verifier})
            assert r.status_code == 200, r.text
            return r.json()

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context(viewport={"width": 900, "height": 760})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("WebAuthn.enable")
                authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
                    "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                    "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

                # 1. A password sign-in (managed login), which starts the managed-login session.
                verifier = secrets.token_urlsafe(48)
                page.goto(f"{base}/oauth2/authorize?{authz(verifier)}")
                page.fill("#signInFormUsername", "alice")
                page.fill("#signInFormPassword", PASSWORD)
                page.click("button[name=signInSubmitButton]")
                page.wait_for_url(f"{app.callback}?*")
                exchange(verifier)

                # 2. /passkeys/add: navigator.credentials.create() with the pool's options.
                verifier = secrets.token_urlsafe(48)
                page.goto(f"{base}/passkeys/add?{authz(verifier)}")
                page.wait_for_selector("#addPasskey")
                page.screenshot(path=str(tmp_path / "add-passkey.png"), full_page=True)
                page.click("#addPasskey")
                page.wait_for_url(f"{app.callback}?*")
                access = exchange(verifier)["access_token"]
                listed = idp.list_web_authn_credentials(AccessToken=access)["Credentials"]
                held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
                assert [c["RelyingPartyId"] for c in listed] == ["localhost"] and len(held) == 1
                assert listed[0]["CredentialId"] == held[0]["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")

                # 3. Signed out (no session cookie): the login page offers the passkey; it signs alice in.
                context.clear_cookies()
                verifier = secrets.token_urlsafe(48)
                page.goto(f"{base}/oauth2/authorize?{authz(verifier)}")
                page.click("text=Sign in with a passkey")
                page.wait_for_selector("#passkeyUsername")
                page.fill("#passkeyUsername", "alice")
                page.click("#signInWithPasskey")
                page.wait_for_url(f"{app.callback}?*")
                result = exchange(verifier)
                claims = tokens.verify(result["id_token"], client_id=client_id, token_use="id")
                assert claims["cognito:username"] == "alice"
                held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
                assert held[0]["signCount"] >= 1

                # 4. A user without a passkey is told so on the page (the pool's refusal, no 500).
                context.clear_cookies()
                page.goto(f"{base}/passkeys/signin?{authz(verifier)}")
                page.fill("#passkeyUsername", "nobody")
                page.click("#signInWithPasskey")
                page.wait_for_selector("#passkeyError:not([hidden])")
                assert "no passkey" in page.inner_text("#passkeyError")
            finally:
                browser.close()
    assert (tmp_path / "add-passkey.png").stat().st_size > 5_000
