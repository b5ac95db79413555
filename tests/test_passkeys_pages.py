"""Managed login's passkey pages over HTTP, without a browser: labkit's software authenticator plays the page's
``navigator.credentials`` calls (the Chromium test, tests/test_passkeys_browser.py, plays them for real).
The pages' refusals are the user pool's (JSON 4xx, never a 500); a page without a session sends to /login."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
import requests

import labkit
import labkit.hostedui as hostedui

PASSWORD = "Passw0rd!"
CALLBACK = "https://app.example.com/callback"


@pytest.fixture
def site(served_sb):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop", Policies={"SignInPolicy": {
        "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="shop-pages", UserPoolId=pool)
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="My shop", CallbackURLs=[CALLBACK], AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", "email"],
        SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    base = hostedui.base_url(served_sb, pool)
    authz = {"client_id": client_id, "response_type": "code", "redirect_uri": CALLBACK, "scope": "openid email"}
    return served_sb, idp, pool, client_id, base, authz


def page(http, url):
    r = http.get(url, allow_redirects=False)
    assert r.status_code == 200, r.text
    return r, re.search(r'name="_csrf" value="([^"]+)"', r.text).group(1)


def code_of(redirect: str) -> str:
    parts = urlsplit(redirect)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return parse_qs(parts.query)["code"][0]


def test_add_a_passkey_then_sign_in_with_it(site):
    sb, idp, pool, client_id, base, authz = site
    device = labkit.passkey_authenticator(origin=f"https://shop-pages.auth.{sb.region}.amazoncognito.com")
    http = requests.Session()
    # Without a managed-login session, /passkeys/add sends the user to sign in first.
    r = http.get(f"{base}/passkeys/add?{urlencode(authz)}", allow_redirects=False)
    assert r.status_code == 302 and "/login?" in r.headers["Location"]
    # Signed in with the password on the login page.
    _, csrf = page(http, f"{base}/login?{urlencode(authz)}")
    r = http.post(f"{base}/login", data={**authz, "_csrf": csrf, "username": "alice", "password": PASSWORD},
                  allow_redirects=False)
    assert r.status_code == 302 and code_of(r.headers["Location"])

    html, csrf = page(http, f"{base}/passkeys/add?{urlencode(authz)}")
    assert "navigator.credentials.create" in html.text and "Signed in as alice" in html.text
    options = http.post(f"{base}/passkeys/add/options", data={**authz, "_csrf": csrf}).json()
    assert options["rp"]["id"] == f"shop-pages.auth.{sb.region}.amazoncognito.com"
    done = http.post(f"{base}/passkeys/add/complete",
                     data={**authz, "_csrf": csrf, "credential": json.dumps(device.create(options))})
    assert done.status_code == 200, done.text
    assert code_of(done.json()["redirect"])

    # Another browser (no cookie): the login page offers the passkey.
    other = requests.Session()
    login, _ = page(other, f"{base}/login?{urlencode(authz)}")
    assert "Sign in with a passkey" in login.text and "/passkeys/signin?" in login.text
    html, csrf = page(other, f"{base}/passkeys/signin?{urlencode(authz)}")
    assert "navigator.credentials.get" in html.text
    start = other.post(f"{base}/passkeys/signin/options", data={**authz, "_csrf": csrf, "username": "alice"}).json()
    assertion = device.get(start["options"])
    answer = other.post(f"{base}/passkeys/signin/answer", data={
        **authz, "_csrf": csrf, "username": "alice", "session": start["session"], "credential": assertion})
    assert answer.status_code == 200, answer.text
    assert "cognito=" in answer.headers["Set-Cookie"]
    code = code_of(answer.json()["redirect"])
    tokens = requests.post(f"{base}/oauth2/token", data={"grant_type": "authorization_code", "client_id": client_id,
                                                         "code": code, "redirect_uri": CALLBACK}).json()
    assert labkit.tokens.decode_unverified(tokens["id_token"])[1]["cognito:username"] == "alice"
    # The managed-login session now signs alice in without asking again.
    r = other.get(f"{base}/oauth2/authorize?{urlencode(authz)}", allow_redirects=False)
    assert r.status_code == 302 and code_of(r.headers["Location"])

    # A replayed assertion: the pool's refusal, as JSON.
    start = other.post(f"{base}/passkeys/signin/options", data={**authz, "_csrf": csrf, "username": "alice"}).json()
    again = other.post(f"{base}/passkeys/signin/answer", data={
        **authz, "_csrf": csrf, "username": "alice", "session": start["session"], "credential": assertion})
    assert again.status_code == 400 and again.json()["error"] == "NotAuthorizedException"


def test_the_pages_refuse_bad_requests_with_4xx(site):
    sb, idp, pool, client_id, base, authz = site
    http = requests.Session()
    _, csrf = page(http, f"{base}/passkeys/signin?{urlencode(authz)}")
    r = http.post(f"{base}/passkeys/signin/options", data={**authz, "_csrf": "forged", "username": "alice"})
    assert r.status_code == 403
    r = http.post(f"{base}/passkeys/signin/options", data={**authz, "_csrf": csrf, "username": "alice"})
    assert r.status_code == 400 and "no passkey" in r.json()["message"]  # alice has none yet
    r = http.post(f"{base}/passkeys/signin/answer", data={**authz, "_csrf": csrf, "username": "alice",
                                                          "session": "junk", "credential": "{}"})
    assert r.status_code == 400 and r.json()["error"] == "NotAuthorizedException"
    r = http.post(f"{base}/passkeys/add/options", data={**authz, "_csrf": csrf})
    assert r.status_code == 401
    r = http.get(f"{base}/passkeys/signin?client_id=nosuchclient&response_type=code&redirect_uri={CALLBACK}",
                 allow_redirects=False)
    assert 300 <= r.status_code < 500
    assert http.post(f"{base}/passkeys/signin", data=authz).status_code == 405
