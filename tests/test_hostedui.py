"""The hosted UI and the OAuth 2.0 / OIDC endpoints of a user pool, over the sandbox's HTTP transport.

Every test here fixes moto: moto serves none of these endpoints (``/oauth2/authorize``, ``/login``,
``/oauth2/token``, ``/oauth2/userInfo``, ``/oauth2/revoke``, ``/logout``, ``/oauth2/idpresponse``,
``/saml2/idpresponse`` all answer 404 on raw moto), so each would fail there.
"""

from __future__ import annotations

import base64
import html
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

import labkit.hostedui as hostedui
from labkit import tokens
from labkit.errors import LabkitError
from support import error_of

CALLBACK = "http://localhost:3000/callback"
SIGNED_OUT = "http://localhost:3000/signed-out"
PASSWORD = "Passw0rd!"


# ---------------------------------------------------------------------------------------------- helpers
def make_pool(sb, *, domain="shop-demo", secret=False, flows=("code", "implicit"), scopes=("openid", "email", "profile"),
              idps=("COGNITO",), user=True, **client):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    if domain:
        idp.create_user_pool_domain(Domain=domain, UserPoolId=pool)
    app = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", GenerateSecret=secret, CallbackURLs=[CALLBACK], LogoutURLs=[SIGNED_OUT],
        AllowedOAuthFlows=list(flows), AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=list(scopes),
        SupportedIdentityProviders=list(idps), **client)["UserPoolClient"]
    if user:
        idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                              {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    return pool, app


def form_fields(page: str) -> dict:
    return {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}


def form_action(page: str) -> str:
    return html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    return verifier, hostedui.code_challenge(verifier)


def authorize(session, base, client_id, **params):
    q = {"client_id": client_id, "response_type": "code", "redirect_uri": CALLBACK, **params}
    return session.get(f"{base}/oauth2/authorize", params=q, allow_redirects=False)


def sign_in(session, base, client_id, username="alice", password=PASSWORD, **params):
    """authorize -> /login page -> form post; returns the final response (a redirect to the app, or a page)."""
    r = authorize(session, base, client_id, **params)
    assert r.status_code == 302, r.text
    page = session.get(r.headers["Location"])
    assert page.status_code == 200 and "cognitoSignInForm" in page.text
    fields = form_fields(page.text)
    fields.update(username=username, password=password)
    return session.post(form_action(page.text), data=fields, allow_redirects=False)


def code_for(served_sb, pool, client_id, **params):
    base = hostedui.base_url(served_sb, pool)
    r = sign_in(requests.Session(), base, client_id, **params)
    assert r.status_code == 302 and r.headers["Location"].startswith(CALLBACK), r.text
    return base, query_of(r.headers["Location"])


def exchange(base, client_id, code, **extra):
    data = {"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": CALLBACK, **extra}
    return requests.post(f"{base}/oauth2/token", data=data)


# ---------------------------------------------------------------------------------------------- addresses
def test_base_url_is_the_domain_behind_the_sandbox_endpoint(served_sb):
    pool, _ = make_pool(served_sb, user=False)
    assert hostedui.aws_base_url(served_sb, pool) == "https://shop-demo.auth.us-east-1.amazoncognito.com"
    assert hostedui.base_url(served_sb, pool) == f"{served_sb.endpoint_url}/shop-demo.auth.us-east-1.amazoncognito.com"


def test_base_url_without_a_domain_names_the_fix(served_sb):
    pool, _ = make_pool(served_sb, domain=None, user=False)
    with pytest.raises(LabkitError, match="create_user_pool_domain"):
        hostedui.base_url(served_sb, pool)


def test_a_pool_without_a_domain_has_no_hosted_ui(served_sb):
    """On AWS the hosted UI exists only at a domain; the sandbox's bare /oauth2/authorize says so."""
    _, app = make_pool(served_sb, domain=None, user=False)
    r = authorize(requests, served_sb.endpoint_url, app["ClientId"])
    assert r.status_code == 400 and "create_user_pool_domain" in r.text


def test_unknown_domain_is_not_found(served_sb):
    r = requests.get(f"{served_sb.endpoint_url}/nobody.auth.us-east-1.amazoncognito.com/login?client_id=x")
    assert r.status_code == 404


def test_host_header_of_the_domain_form_reaches_the_pool(served_sb):
    pool, app = make_pool(served_sb, user=False)
    r = requests.get(f"{served_sb.endpoint_url}/oauth2/authorize", allow_redirects=False,
                     headers={"Host": "shop-demo.auth.us-east-1.amazoncognito.com"},
                     params={"client_id": app["ClientId"], "response_type": "code", "redirect_uri": CALLBACK})
    assert r.status_code == 302
    assert r.headers["Location"].startswith("http://shop-demo.auth.us-east-1.amazoncognito.com/login?")


def test_openid_configuration_names_the_domain_endpoints(served_sb):
    """Served, the document names served endpoints under the addressing rule (tests/test_discovery.py)."""
    pool, _ = make_pool(served_sb, user=False)
    doc = requests.get(f"{served_sb.endpoint_url}/{pool}/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{served_sb.endpoint_url}/shop-demo.auth.us-east-1.amazoncognito.com/oauth2/token"
    assert doc["authorization_endpoint"].endswith("/oauth2/authorize")
    assert doc["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"


# ---------------------------------------------------------------------------------------------- authorization code + PKCE
def test_authorization_code_flow_with_pkce(served_sb):
    pool, app = make_pool(served_sb)
    cid = app["ClientId"]
    verifier, challenge = pkce_pair()
    base, back = code_for(served_sb, pool, cid, scope="openid email", state="st-1", nonce="n-1",
                          code_challenge=challenge, code_challenge_method="S256")
    assert back["state"] == "st-1"
    r = exchange(base, cid, back["code"], code_verifier=verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    ident = tokens.verify(body["id_token"], client_id=cid, token_use="id")
    assert ident["nonce"] == "n-1" and ident["cognito:username"] == "alice" and ident["email"] == "alice@example.com"
    access = tokens.verify(body["access_token"], client_id=cid, token_use="access")
    assert access["scope"] == "openid email" and access["version"] == 2
    digest = __import__("hashlib").sha256(body["access_token"].encode()).digest()[:16]
    assert ident["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_wrong_code_verifier_is_invalid_grant(served_sb):
    pool, app = make_pool(served_sb)
    _, challenge = pkce_pair()
    base, back = code_for(served_sb, pool, app["ClientId"], code_challenge=challenge, code_challenge_method="S256")
    r = exchange(base, app["ClientId"], back["code"], code_verifier=pkce_pair()[0])
    assert (r.status_code, r.json()) == (400, {"error": "invalid_grant"})


def test_missing_code_verifier_is_invalid_request(served_sb):
    pool, app = make_pool(served_sb)
    _, challenge = pkce_pair()
    base, back = code_for(served_sb, pool, app["ClientId"], code_challenge=challenge, code_challenge_method="S256")
    r = exchange(base, app["ClientId"], back["code"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_plain_code_challenge_method_is_refused(served_sb):
    """Cognito supports only S256 (authorization endpoint, code_challenge_method)."""
    pool, app = make_pool(served_sb)
    r = authorize(requests, hostedui.base_url(served_sb, pool), app["ClientId"], code_challenge="abc" * 15,
                  code_challenge_method="plain", state="s")
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(CALLBACK) and q["error"] == "invalid_request" and q["state"] == "s"


def test_a_code_is_single_use(served_sb):
    pool, app = make_pool(served_sb)
    base, back = code_for(served_sb, pool, app["ClientId"])
    assert exchange(base, app["ClientId"], back["code"]).status_code == 200
    again = exchange(base, app["ClientId"], back["code"])
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_a_code_lives_five_minutes_on_the_sandbox_clock(served_sb):
    pool, app = make_pool(served_sb)
    base, back = code_for(served_sb, pool, app["ClientId"])
    served_sb.advance(301)
    r = exchange(base, app["ClientId"], back["code"])
    assert (r.status_code, r.json()) == (400, {"error": "invalid_grant"})


def test_code_for_another_redirect_uri_is_invalid_grant(served_sb):
    pool, app = make_pool(served_sb)
    base, back = code_for(served_sb, pool, app["ClientId"])
    r = exchange(base, app["ClientId"], back["code"], redirect_uri="http://localhost:3000/other")
    assert r.json() == {"error": "invalid_grant"}


def test_redirect_mismatch_goes_to_cognitos_error_page(served_sb):
    pool, app = make_pool(served_sb)
    base = hostedui.base_url(served_sb, pool)
    r = authorize(requests, base, app["ClientId"], redirect_uri="https://evil.example.com/cb")
    assert r.status_code == 302
    assert r.headers["Location"] == f"{base}/error?error=redirect_mismatch&client_id={app['ClientId']}"
    page = requests.get(r.headers["Location"])
    assert page.status_code == 400 and "redirect_mismatch" in page.text


def test_redirect_uri_must_match_exactly(served_sb):
    pool, app = make_pool(served_sb)
    r = authorize(requests, hostedui.base_url(served_sb, pool), app["ClientId"], redirect_uri=CALLBACK + "/")
    assert "error=redirect_mismatch" in r.headers["Location"]


def test_unknown_client_id_is_not_redirected(served_sb):
    pool, _ = make_pool(served_sb, user=False)
    base = hostedui.base_url(served_sb, pool)
    r = authorize(requests, base, "nosuchclient")
    assert r.headers["Location"].startswith(f"{base}/error?error=invalid_request")


@pytest.mark.parametrize("params, error", [
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"scope": "phone"}, "invalid_scope"),
    ({"response_type": "id_token"}, "unsupported_response_type"),
    ({"identity_provider": "Facebook"}, "invalid_request"),
])
def test_authorization_errors_are_sent_to_the_redirect_uri(served_sb, params, error):
    pool, app = make_pool(served_sb, user=False)
    r = authorize(requests, hostedui.base_url(served_sb, pool), app["ClientId"], state="keep", **params)
    q = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(CALLBACK) and q["error"] == error and q["state"] == "keep"


def test_flow_not_allowed_for_the_client_is_unauthorized_client(served_sb):
    pool, app = make_pool(served_sb, flows=("code",), user=False)
    r = authorize(requests, hostedui.base_url(served_sb, pool), app["ClientId"], response_type="token")
    assert query_of(r.headers["Location"])["error"] == "unauthorized_client"


def test_implicit_grant_puts_tokens_in_the_fragment(served_sb):
    pool, app = make_pool(served_sb)
    r = sign_in(requests.Session(), hostedui.base_url(served_sb, pool), app["ClientId"], response_type="token",
                state="s1", nonce="n1")
    location = r.headers["Location"]
    assert location.startswith(CALLBACK + "#")
    frag = {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}
    assert set(frag) == {"id_token", "access_token", "expires_in", "token_type", "state"}
    assert tokens.verify(frag["id_token"], client_id=app["ClientId"], token_use="id")["nonce"] == "n1"


def test_without_openid_scope_there_is_no_id_token(served_sb):
    pool, app = make_pool(served_sb, scopes=("aws.cognito.signin.user.admin",))
    base, back = code_for(served_sb, pool, app["ClientId"])
    body = exchange(base, app["ClientId"], back["code"]).json()
    assert "id_token" not in body and "access_token" in body
    # an access token with aws.cognito.signin.user.admin works with the user pool API
    assert boto3.client("cognito-idp").get_user(AccessToken=body["access_token"])["Username"] == "alice"


# ---------------------------------------------------------------------------------------------- the login page
def test_login_page_has_a_form_csrf_and_working_links(served_sb):
    pool, app = make_pool(served_sb, user=False)
    s = requests.Session()
    page = s.get(authorize(s, hostedui.base_url(served_sb, pool), app["ClientId"]).headers["Location"])
    assert 'type="password"' in page.text and form_fields(page.text)["_csrf"] == s.cookies.get("XSRF-TOKEN")
    for link in ("Sign up", "Forgot your password?"):
        href = html.unescape(re.search(rf'href="([^"]+)">{re.escape(link)}</a>', page.text).group(1))
        target = s.get(href)
        assert target.status_code == 200 and '<form method="post"' in target.text


def test_wrong_password_shows_cognitos_message(served_sb):
    pool, app = make_pool(served_sb)
    r = sign_in(requests.Session(), hostedui.base_url(served_sb, pool), app["ClientId"], password="nope-Nope1!")
    assert r.status_code == 200 and "Incorrect username or password." in r.text


def test_login_post_without_csrf_token_is_refused(served_sb):
    pool, app = make_pool(served_sb)
    base = hostedui.base_url(served_sb, pool)
    r = requests.post(f"{base}/login", data={"client_id": app["ClientId"], "response_type": "code", "redirect_uri": CALLBACK,
                                             "username": "alice", "password": PASSWORD}, allow_redirects=False)
    assert r.status_code == 403


def test_a_signed_in_browser_is_not_asked_again(served_sb):
    pool, app = make_pool(served_sb)
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    assert sign_in(s, base, app["ClientId"]).status_code == 302
    again = authorize(s, base, app["ClientId"])
    assert again.headers["Location"].startswith(CALLBACK + "?code=")


def test_sign_up_and_confirm_through_the_pages(served_sb):
    pool, app = make_pool(served_sb, user=False)
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    login = s.get(authorize(s, base, app["ClientId"]).headers["Location"])
    signup = s.get(html.unescape(re.search(r'href="([^"]+)">Sign up</a>', login.text).group(1)))
    fields = form_fields(signup.text)
    fields.update(username="bob", email="bob@example.com", password=PASSWORD)
    confirm = s.post(form_action(signup.text), data=fields)
    assert "Confirm your account" in confirm.text
    code = served_sb.inbox("bob@example.com").latest.code
    fields = form_fields(confirm.text)
    fields["code"] = code
    done = s.post(form_action(confirm.text), data=fields, allow_redirects=False)
    assert done.headers["Location"].startswith(CALLBACK + "?code=")
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username="bob")
    assert user["UserStatus"] == "CONFIRMED"


def test_forgot_password_through_the_pages(served_sb):
    pool, app = make_pool(served_sb)
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    login = s.get(authorize(s, base, app["ClientId"]).headers["Location"])
    forgot = s.get(html.unescape(re.search(r'href="([^"]+)">Forgot your password\?</a>', login.text).group(1)))
    fields = form_fields(forgot.text)
    fields["username"] = "alice"
    reset = s.post(form_action(forgot.text), data=fields)
    assert "Reset your password" in reset.text
    fields = form_fields(reset.text)
    fields.update(code=served_sb.inbox("alice@example.com").latest.code, password="N3w-Passw0rd!")
    back = s.post(form_action(reset.text), data=fields)
    assert "Your password has been changed" in back.text
    assert sign_in(requests.Session(), base, app["ClientId"], password="N3w-Passw0rd!").status_code == 302


# ---------------------------------------------------------------------------------------------- the token endpoint
def test_client_with_secret_authenticates_with_http_basic(served_sb):
    pool, app = make_pool(served_sb, secret=True)
    cid, secret = app["ClientId"], app["ClientSecret"]
    base, back = code_for(served_sb, pool, cid)
    data = {"grant_type": "authorization_code", "code": back["code"], "redirect_uri": CALLBACK}
    missing = requests.post(f"{base}/oauth2/token", data={**data, "client_id": cid})
    wrong = requests.post(f"{base}/oauth2/token", data=data, auth=(cid, "not-the-secret"))
    assert missing.json() == {"error": "invalid_client"} and wrong.json() == {"error": "invalid_client"}
    assert missing.status_code == 400
    ok = requests.post(f"{base}/oauth2/token", data=data, auth=(cid, secret))
    assert ok.status_code == 200 and "id_token" in ok.json()


@pytest.mark.parametrize("data, error", [
    ({}, "invalid_request"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "client_id": "nosuchclient", "code": "x", "redirect_uri": CALLBACK}, "invalid_client"),
    ({"grant_type": "authorization_code", "code": "not-a-code", "redirect_uri": CALLBACK}, "invalid_grant"),
])
def test_token_endpoint_errors(served_sb, data, error):
    pool, app = make_pool(served_sb, user=False)
    data = {"client_id": app["ClientId"], **data}
    r = requests.post(f"{hostedui.base_url(served_sb, pool)}/oauth2/token", data=data)
    assert (r.status_code, r.json()) == (400, {"error": error})


def test_refresh_token_grant_and_revocation(served_sb):
    pool, app = make_pool(served_sb)
    cid = app["ClientId"]
    base, back = code_for(served_sb, pool, cid, scope="openid email")
    first = exchange(base, cid, back["code"]).json()
    refreshed = requests.post(f"{base}/oauth2/token", data={"grant_type": "refresh_token", "client_id": cid,
                                                             "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200 and set(refreshed.json()) == {"access_token", "id_token", "expires_in", "token_type"}
    assert tokens.verify(refreshed.json()["access_token"], client_id=cid)["scope"] == "openid email"
    not_refresh = requests.post(f"{base}/oauth2/revoke", data={"client_id": cid, "token": first["access_token"]})
    assert not_refresh.json() == {"error": "unsupported_token_type"}
    revoked = requests.post(f"{base}/oauth2/revoke", data={"client_id": cid, "token": first["refresh_token"]})
    assert revoked.status_code == 200 and revoked.content == b""
    again = requests.post(f"{base}/oauth2/token", data={"grant_type": "refresh_token", "client_id": cid,
                                                         "refresh_token": first["refresh_token"]})
    assert again.json() == {"error": "invalid_grant"}
    info = requests.get(f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert info.status_code == 401  # revoking the refresh token revoked the access tokens issued from it


def test_client_credentials_with_resource_server_scopes(served_sb):
    idp = boto3.client("cognito-idp")
    pool, _ = make_pool(served_sb, user=False)
    idp.create_resource_server(UserPoolId=pool, Identifier="https://api.shop.example", Name="shop api",
                               Scopes=[{"ScopeName": "orders.read", "ScopeDescription": "read orders"},
                                       {"ScopeName": "orders.write", "ScopeDescription": "write orders"}])
    m2m = idp.create_user_pool_client(UserPoolId=pool, ClientName="worker", GenerateSecret=True,
                                      AllowedOAuthFlows=["client_credentials"], AllowedOAuthFlowsUserPoolClient=True,
                                      AllowedOAuthScopes=["https://api.shop.example/orders.read"])["UserPoolClient"]
    base = hostedui.base_url(served_sb, pool)
    auth = (m2m["ClientId"], m2m["ClientSecret"])
    r = requests.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=auth)
    assert r.status_code == 200 and set(r.json()) == {"access_token", "expires_in", "token_type"}
    claims = tokens.verify(r.json()["access_token"], client_id=m2m["ClientId"], token_use="access")
    assert claims["sub"] == m2m["ClientId"] and claims["scope"] == "https://api.shop.example/orders.read"
    wider = requests.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials",
                                                         "scope": "https://api.shop.example/orders.write"}, auth=auth)
    assert wider.json() == {"error": "invalid_scope"}


def test_client_credentials_needs_the_flow_and_a_secret(served_sb):
    pool, web = make_pool(served_sb, secret=True, user=False)
    base = hostedui.base_url(served_sb, pool)
    r = requests.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(web["ClientId"], web["ClientSecret"]))
    assert r.json() == {"error": "unauthorized_client"}


# ---------------------------------------------------------------------------------------------- userInfo and logout
def test_userinfo_returns_the_users_attributes(served_sb):
    pool, app = make_pool(served_sb)
    base, back = code_for(served_sb, pool, app["ClientId"])
    access = exchange(base, app["ClientId"], back["code"]).json()["access_token"]
    info = requests.get(f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 200
    assert info.json()["username"] == "alice" and info.json()["email"] == "alice@example.com"
    assert info.json()["email_verified"] == "true"
    bad = requests.get(f"{base}/oauth2/userInfo", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


def test_logout_ends_the_session_and_checks_logout_uri(served_sb):
    pool, app = make_pool(served_sb)
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    sign_in(s, base, app["ClientId"])
    wrong = s.get(f"{base}/logout", params={"client_id": app["ClientId"], "logout_uri": "https://evil.example.com/"},
                  allow_redirects=False)
    assert "error=redirect_mismatch" in wrong.headers["Location"]
    out = s.get(f"{base}/logout", params={"client_id": app["ClientId"], "logout_uri": SIGNED_OUT}, allow_redirects=False)
    assert out.headers["Location"] == SIGNED_OUT
    assert authorize(s, base, app["ClientId"]).headers["Location"].startswith(f"{base}/login?")


# ---------------------------------------------------------------------------------------------- federation
def add_google(pool):
    boto3.client("cognito-idp").create_identity_provider(
        UserPoolId=pool, ProviderName="Google", ProviderType="Google",
        ProviderDetails={"client_id": "1234-abc.apps.googleusercontent.com", "client_secret": "google-secret",
                         "authorize_scopes": "openid email profile"},
        AttributeMapping={"email": "email", "name": "name", "username": "sub"})


def google_sign_in(session, url, email):
    page = session.get(url)
    assert page.status_code == 200 and "Sign in with Google" in page.text
    fields = form_fields(page.text)
    fields["login_hint"] = email
    to_pool = session.get(page.url.split("?")[0], params=fields, allow_redirects=False)
    assert "/oauth2/idpresponse?" in to_pool.headers["Location"]
    return session.get(to_pool.headers["Location"], allow_redirects=False)


def test_federation_through_google(served_sb):
    pool, app = make_pool(served_sb, idps=("COGNITO", "Google"), user=False)
    add_google(pool)
    cid = app["ClientId"]
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    login = s.get(authorize(s, base, cid).headers["Location"])
    button = html.unescape(re.search(r'href="([^"]+)">Continue with Google</a>', login.text).group(1))
    to_google = s.get(button, allow_redirects=False)
    assert "/idp/google/o/oauth2/v2/auth?" in to_google.headers["Location"]
    back = google_sign_in(s, to_google.headers["Location"], "carol@gmail.com")
    assert back.headers["Location"].startswith(CALLBACK + "?code=")
    body = exchange(base, cid, query_of(back.headers["Location"])["code"]).json()
    ident = tokens.verify(body["id_token"], client_id=cid, token_use="id")
    google_sub = served_sb.idp("google").user("carol@gmail.com").subject
    assert ident["cognito:username"] == f"Google_{google_sub}"
    assert ident["email"] == "carol@gmail.com" and ident["name"] == "Carol"
    assert ident["identities"][0]["providerName"] == "Google" and ident["identities"][0]["userId"] == google_sub
    assert ident["cognito:groups"] == [f"{pool}_Google"]
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=f"Google_{google_sub}")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"


def test_identity_provider_parameter_skips_the_login_page(served_sb):
    pool, app = make_pool(served_sb, idps=("Google",), user=False)
    add_google(pool)
    s = requests.Session()
    r = authorize(s, hostedui.base_url(served_sb, pool), app["ClientId"], identity_provider="Google", state="abc")
    assert "/idp/google/o/oauth2/v2/auth?" in r.headers["Location"]
    back = google_sign_in(s, r.headers["Location"], "dave@gmail.com")
    assert query_of(back.headers["Location"])["state"] == "abc"


def test_a_federated_user_cannot_use_the_password_form(served_sb):
    pool, app = make_pool(served_sb, idps=("COGNITO", "Google"), user=False)
    add_google(pool)
    s = requests.Session()
    r = authorize(s, hostedui.base_url(served_sb, pool), app["ClientId"], identity_provider="Google")
    google_sign_in(s, r.headers["Location"], "erin@gmail.com")
    sub = served_sb.idp("google").user("erin@gmail.com").subject
    page = sign_in(requests.Session(), hostedui.base_url(served_sb, pool), app["ClientId"], username=f"Google_{sub}")
    assert page.status_code == 200 and "Incorrect username or password." in page.text


def test_federation_through_saml(served_sb):
    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, idps=("CorpAD",), user=False)
    ad = served_sb.idp("active-directory")
    ad.add_user("bob", "Corp!Pass1")
    idp.create_identity_provider(UserPoolId=pool, ProviderName="CorpAD", ProviderType="SAML",
                                 ProviderDetails={"MetadataFile": ad.metadata},
                                 AttributeMapping={"email": "urn:oid:0.9.2342.19200300.100.1.3"})
    s = requests.Session()
    r = authorize(s, hostedui.base_url(served_sb, pool), app["ClientId"], identity_provider="CorpAD")
    assert "/adfs/corp/ls/?SAMLRequest=" in r.headers["Location"]
    login = s.get(r.headers["Location"])
    fields = form_fields(login.text)
    fields.update(UserName="bob", Password="wrong")
    refused = s.post(form_action(login.text), data=fields)
    assert "Incorrect user ID or password" in refused.text
    fields["Password"] = "Corp!Pass1"
    posting = s.post(form_action(login.text), data=fields)
    assert "SAMLResponse" in posting.text
    back = s.post(form_action(posting.text), data=form_fields(posting.text), allow_redirects=False)
    assert back.headers["Location"].startswith(CALLBACK + "?code=")
    body = exchange(hostedui.base_url(served_sb, pool), app["ClientId"], query_of(back.headers["Location"])["code"]).json()
    ident = tokens.verify(body["id_token"], client_id=app["ClientId"], token_use="id")
    assert ident["cognito:username"] == f"CorpAD_{ad.users['bob'].object_guid}"
    assert ident["email"] == "bob@corp.example.com" and ident["identities"][0]["providerType"] == "SAML"


def test_a_tampered_saml_response_is_refused(served_sb):
    from labkit import saml

    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, idps=("CorpAD",), user=False)
    ad = served_sb.idp("active-directory")
    ad.add_user("bob", "Corp!Pass1")
    idp.create_identity_provider(UserPoolId=pool, ProviderName="CorpAD", ProviderType="SAML",
                                 ProviderDetails={"MetadataFile": ad.metadata})
    s = requests.Session()
    r = authorize(s, hostedui.base_url(served_sb, pool), app["ClientId"], identity_provider="CorpAD", state="t")
    login = s.get(r.headers["Location"])
    fields = form_fields(login.text)
    fields.update(UserName="bob", Password="Corp!Pass1")
    posting = s.post(form_action(login.text), data=fields)
    forged = form_fields(posting.text)
    forged["SAMLResponse"] = saml.tampered(forged["SAMLResponse"], "bob@corp.example.com", "admin@corp.example.com")
    back = s.post(form_action(posting.text), data=forged, allow_redirects=False)
    q = query_of(back.headers["Location"])
    assert back.headers["Location"].startswith(CALLBACK) and q["error"] == "invalid_request" and q["state"] == "t"
    assert "Invalid SAML response" in q["error_description"]


# ---------------------------------------------------------------------------------------------- challenges after the password
def test_a_temporary_password_must_be_changed_on_the_hosted_ui(served_sb):
    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, user=False)
    idp.admin_create_user(UserPoolId=pool, Username="tom", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
    s = requests.Session()
    page = sign_in(s, hostedui.base_url(served_sb, pool), app["ClientId"], username="tom", password="Temp-Passw0rd!")
    assert page.status_code == 200 and "Change password" in page.text
    fields = form_fields(page.text)
    weak = s.post(form_action(page.text), data={**fields, "new_password": "short"}, allow_redirects=False)
    assert "Password did not conform with policy" in weak.text
    fields = form_fields(weak.text)
    done = s.post(form_action(weak.text), data={**fields, "new_password": "N3w-Passw0rd!"}, allow_redirects=False)
    assert done.headers["Location"].startswith(CALLBACK + "?code=")
    assert idp.admin_get_user(UserPoolId=pool, Username="tom")["UserStatus"] == "CONFIRMED"


def test_totp_mfa_is_asked_on_the_hosted_ui(served_sb):
    import pyotp

    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL")
    access = idp.admin_initiate_auth(UserPoolId=pool, ClientId=app["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    clock = lambda: served_sb.clock.time()  # noqa: E731
    idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(clock()))
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    s = requests.Session()
    page = sign_in(s, hostedui.base_url(served_sb, pool), app["ClientId"])
    assert "authenticator app" in page.text
    fields = form_fields(page.text)
    # the code VerifySoftwareToken took works once: the user waits for the app's next one
    done = s.post(form_action(page.text), data={**fields, "code": served_sb.authenticator_app(secret).next_code()}, allow_redirects=False)
    assert done.headers["Location"].startswith(CALLBACK + "?code=")


def test_email_mfa_is_asked_on_the_hosted_ui(served_sb):
    """Email MFA (issue 16): after the password, the hosted UI asks for the code Cognito emailed."""
    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb)
    ses = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"}
    idp.update_user_pool(UserPoolId=pool, AutoVerifiedAttributes=["email"], EmailConfiguration=ses)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={})
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice", EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    s = requests.Session()
    page = sign_in(s, hostedui.base_url(served_sb, pool), app["ClientId"])
    assert "code to your email address" in page.text
    fields = form_fields(page.text)
    wrong = s.post(form_action(page.text), data={**fields, "code": "000000"}, allow_redirects=False)
    assert wrong.status_code == 200 and "code to your email address" in wrong.text
    code = served_sb.inbox("alice@example.com").latest.code
    fields = form_fields(wrong.text)
    done = s.post(form_action(wrong.text), data={**fields, "code": code}, allow_redirects=False)
    assert done.headers["Location"].startswith(CALLBACK + "?code=")


def test_userinfo_needs_the_openid_scope(served_sb):
    """"The user attributes endpoint": tokens without openid (like InitiateAuth's) are not accepted."""
    pool, app = make_pool(served_sb, scopes=("aws.cognito.signin.user.admin",))
    base, back = code_for(served_sb, pool, app["ClientId"])
    access = exchange(base, app["ClientId"], back["code"]).json()["access_token"]
    info = requests.get(f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 401 and info.json()["error"] == "invalid_token"


def test_userinfo_answers_within_the_scopes(served_sb):
    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, scopes=("openid", "phone", "email"))
    idp.admin_update_user_attributes(UserPoolId=pool, Username="alice", UserAttributes=[
        {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "name", "Value": "Alice"}])
    base = hostedui.base_url(served_sb, pool)
    answers = {}
    for scope in ("openid", "openid phone"):
        _, back = code_for(served_sb, pool, app["ClientId"], scope=scope)
        access = exchange(base, app["ClientId"], back["code"]).json()["access_token"]
        answers[scope] = requests.get(f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"}).json()
    assert {"email", "name", "phone_number"} <= set(answers["openid"])
    assert set(answers["openid phone"]) == {"sub", "username", "phone_number", "phone_number_verified"}


def test_sign_up_page_follows_the_pool_email_as_username(served_sb):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="mail", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
                                Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True}])["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="mail-demo", UserPoolId=pool)
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", CallbackURLs=[CALLBACK], AllowedOAuthFlows=["code"],
                                      AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid"],
                                      SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
    s = requests.Session()
    base = hostedui.base_url(served_sb, pool)
    page = s.get(f"{base}/signup", params={"client_id": cid, "response_type": "code", "redirect_uri": CALLBACK})
    assert re.findall(r'<input id="([\w:]+)"', page.text) == ["email", "name", "password"]
    fields = form_fields(page.text)
    fields.update(email="zoe@example.com", name="Zoe", password=PASSWORD)
    confirm = s.post(form_action(page.text), data=fields)
    assert "Confirm your account" in confirm.text
    user = idp.list_users(UserPoolId=pool)["Users"][0]
    assert {a["Name"]: a["Value"] for a in user["Attributes"]}["name"] == "Zoe"


def test_federation_through_an_oidc_provider_and_attribute_updates(served_sb):
    """ProviderType OIDC (ProviderDetails oidc_issuer); mapped attributes are written again at each sign-in."""
    idp = boto3.client("cognito-idp")
    pool, app = make_pool(served_sb, idps=("Corp",), user=False)
    idp.create_identity_provider(UserPoolId=pool, ProviderName="Corp", ProviderType="OIDC",
                                 ProviderDetails={"client_id": "shop", "client_secret": "s", "authorize_scopes": "openid email",
                                                  "oidc_issuer": "https://login.corp.example.com", "attributes_request_method": "GET"},
                                 AttributeMapping={"email": "email", "name": "name", "username": "sub"})
    provider = served_sb.idp("oidc", issuer="https://login.corp.example.com")
    base = hostedui.base_url(served_sb, pool)
    names = []
    for display in ("Frank", "Frank Senior"):
        provider.user("frank@corp.example.com").name = display
        s = requests.Session()
        r = authorize(s, base, app["ClientId"], identity_provider="Corp")
        assert r.headers["Location"].startswith(f"{served_sb.endpoint_url}/idp/oidc/login.corp.example.com/authorize?")
        page = s.get(r.headers["Location"])
        fields = form_fields(page.text)
        fields["login_hint"] = "frank@corp.example.com"
        to_pool = s.get(page.url.split("?")[0], params=fields, allow_redirects=False)
        back = s.get(to_pool.headers["Location"], allow_redirects=False)
        assert back.headers["Location"].startswith(CALLBACK + "?code=")
        username = f"Corp_{provider.user('frank@corp.example.com').subject}"
        user = idp.admin_get_user(UserPoolId=pool, Username=username)
        names.append({a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"])
    assert names == ["Frank", "Frank Senior"]
    assert [u["Username"] for u in idp.list_users(UserPoolId=pool)["Users"]] == [username]


def test_hosted_ui_tokens_run_the_pre_token_generation_trigger_as_hosted_auth(served_sb):
    import labkit.userpools

    pool, app = make_pool(served_sb)
    sources = []

    def pre_token(event, context):
        sources.append(event["triggerSource"])
        event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"plan": "gold"}}
        return event

    labkit.userpools.attach_trigger(served_sb, pool, "PreTokenGeneration", pre_token)
    base, back = code_for(served_sb, pool, app["ClientId"])
    body = exchange(base, app["ClientId"], back["code"]).json()
    assert sources == ["TokenGeneration_HostedAuth"]
    assert tokens.verify(body["id_token"], client_id=app["ClientId"])["plan"] == "gold"


def test_resource_server_scopes_in_the_code_flow_and_client_secret_post(served_sb):
    idp = boto3.client("cognito-idp")
    pool, _ = make_pool(served_sb)
    idp.create_resource_server(UserPoolId=pool, Identifier="https://api.shop.example", Name="shop api",
                               Scopes=[{"ScopeName": "orders.read", "ScopeDescription": "read orders"}])
    app = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="api-web", GenerateSecret=True, CallbackURLs=[CALLBACK], AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", "https://api.shop.example/orders.read"],
        SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]
    base, back = code_for(served_sb, pool, app["ClientId"], scope="openid https://api.shop.example/orders.read")
    r = exchange(base, app["ClientId"], back["code"], client_secret=app["ClientSecret"])  # client_secret_post
    assert r.status_code == 200, r.text
    access = tokens.verify(r.json()["access_token"], client_id=app["ClientId"], token_use="access")
    assert access["scope"] == "openid https://api.shop.example/orders.read"


def test_get_user_needs_the_admin_scope(served_sb):
    """Cognito: the user API (GetUser...) needs aws.cognito.signin.user.admin in the access token; a
    hosted-UI token for "openid email" only is refused. Raw moto has no scopes at all."""
    pool, app = make_pool(served_sb, scopes=("openid", "email"))
    base, back = code_for(served_sb, pool, app["ClientId"])
    access = exchange(base, app["ClientId"], back["code"]).json()["access_token"]
    err = error_of(boto3.client("cognito-idp").get_user, AccessToken=access)
    assert err.code == "NotAuthorizedException"
    assert err.message == "Access Token does not have required scopes"
