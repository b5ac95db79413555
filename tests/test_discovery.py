"""Served OpenID discovery that generic clients follow (issue 15 item 4): authlib and PyJWKClient.

From one URL per pool, ``<endpoint>/cognito-idp.<region>.amazonaws.com/<pool>/.well-known/openid-configuration``
(:func:`labkit.wire.addressing.discovery_url`), a client reaches authorize, token, userInfo, the JWKS, revoke
and logout with no rewriting of any endpoint; the ID token's ``iss`` is AWS's
(``https://cognito-idp.<region>.amazonaws.com/<pool>``), the document's ``issuer``. Raw moto serves no
discovery document, no hosted UI and no OAuth endpoints (404), so every test here would fail on it.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import urllib.error
import urllib.request
import warnings
from urllib.parse import parse_qs, urlsplit

import boto3
import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():  # authlib 1.9 deprecates its jose module for joserfc; its OIDC claims still use it
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey
    from authlib.jose import jwt as authlib_jwt
    from authlib.oidc.core import CodeIDToken

from labkit.wire import addressing

CALLBACK = "http://localhost:3000/callback"
SIGNED_OUT = "http://localhost:3000/signed-out"
PASSWORD = "Passw0rd!"
REGION = "us-east-1"


def make_pool(domain="shop-demo"):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain=domain, UserPoolId=pool)
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", CallbackURLs=[CALLBACK], LogoutURLs=[SIGNED_OUT], AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", "email", "profile"],
        SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    return pool, client


def log_in(session: requests.Session, authorize_url: str, username="alice", password=PASSWORD) -> str:
    """What a person does on the hosted UI, without a browser: follow authorize to the login page, post its
    form, return the redirect (the app's callback with ``code`` and ``state``)."""
    r = session.get(authorize_url, allow_redirects=False)
    assert r.status_code == 302, r.text
    page = session.get(r.headers["Location"])
    assert page.status_code == 200 and "cognitoSignInForm" in page.text, page.text[:500]
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    fields.update(username=username, password=password)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    done = session.post(action, data=fields, allow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"].startswith(CALLBACK), done.text[:500]
    return done.headers["Location"]


@pytest.fixture
def pool(served_sb):
    return make_pool()


def test_one_discovery_url_per_pool_names_served_endpoints_and_aws_issuer(served_sb, pool):
    pool_id, _ = pool
    url = addressing.discovery_url(served_sb.endpoint_url, pool_id)
    assert url == f"{served_sb.endpoint_url}/cognito-idp.{REGION}.amazonaws.com/{pool_id}/.well-known/openid-configuration"
    doc = requests.get(url, timeout=30).json()
    assert doc["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    ui = f"{served_sb.endpoint_url}/shop-demo.auth.{REGION}.amazoncognito.com"
    assert doc["authorization_endpoint"] == f"{ui}/oauth2/authorize"
    assert doc["token_endpoint"] == f"{ui}/oauth2/token"
    assert doc["userinfo_endpoint"] == f"{ui}/oauth2/userInfo"
    assert doc["revocation_endpoint"] == f"{ui}/oauth2/revoke"
    assert doc["end_session_endpoint"] == f"{ui}/logout"
    assert doc["jwks_uri"] == f"{served_sb.endpoint_url}/cognito-idp.{REGION}.amazonaws.com/{pool_id}/.well-known/jwks.json"
    keys = requests.get(doc["jwks_uri"], timeout=30).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" for k in keys)


def test_in_process_the_document_is_awss_own(sb):
    """In the kernel a plain HTTP library asks AWS's own URL and gets AWS's hosts back."""
    pool_id, _ = make_pool()
    doc = requests.get(f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}/.well-known/openid-configuration", timeout=30).json()
    assert doc["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert doc["jwks_uri"] == f"{doc['issuer']}/.well-known/jwks.json"
    assert doc["token_endpoint"] == f"https://shop-demo.auth.{REGION}.amazoncognito.com/oauth2/token"


def test_an_unknown_pool_has_no_document(served_sb):
    # urllib: in the kernel, requests to a loopback URL that names an AWS host are caught by moto's
    # ``responses`` mock (labkit.wire.inprocess), which falls back to moto on a 404; urllib goes over HTTP.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(addressing.discovery_url(served_sb.endpoint_url, f"{REGION}_nobody"), timeout=30)
    assert err.value.code == 404 and "does not exist" in json.loads(err.value.read())["message"]


def test_authlib_follows_the_document_code_pkce_verify_userinfo_refresh_revoke_logout(served_sb, pool):
    pool_id, client_id = pool
    meta = requests.get(addressing.discovery_url(served_sb.endpoint_url, pool_id), timeout=30).json()
    client = OAuth2Session(client_id, redirect_uri=CALLBACK, scope="openid email profile", code_challenge_method="S256")
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    uri, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    callback = log_in(requests.Session(), uri)
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert {"access_token", "id_token", "refresh_token"} <= set(token)

    # the ID token, verified as an OpenID client does: signature (the served JWKS), iss, aud, exp, nonce
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=30).json())
    claims = authlib_jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                                claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
                                claims_params={"nonce": nonce, "client_id": client_id})
    claims.validate(now=served_sb.clock.time())
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}" and claims["email"] == "alice@example.com"

    info = client.get(meta["userinfo_endpoint"], timeout=30)
    assert info.status_code == 200 and info.json()["email"] == "alice@example.com" and info.json()["sub"] == claims["sub"]

    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"] and "id_token" in refreshed

    revoked = client.revoke_token(meta["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token")
    assert revoked.status_code == 200
    again = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "client_id": client_id,
                                                         "refresh_token": token["refresh_token"]}, timeout=30)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    out = requests.get(meta["end_session_endpoint"], params={"client_id": client_id, "logout_uri": SIGNED_OUT},
                       allow_redirects=False, timeout=30)
    assert out.status_code == 302 and out.headers["Location"] == SIGNED_OUT


def test_pyjwkclient_verifies_the_id_token_from_the_served_jwks(served_sb, pool):
    pool_id, client_id = pool
    meta = requests.get(addressing.discovery_url(served_sb.endpoint_url, pool_id), timeout=30).json()
    client = OAuth2Session(client_id, redirect_uri=CALLBACK, scope="openid email", code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    uri, _ = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    code = parse_qs(urlsplit(log_in(requests.Session(), uri)).query)["code"][0]
    tokens = requests.post(meta["token_endpoint"], data={"grant_type": "authorization_code", "client_id": client_id,
                                                          "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier},
                           timeout=30).json()
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    key = jwks.get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience=client_id, issuer=meta["issuer"],
                        options={"verify_exp": False})
    assert claims["token_use"] == "id" and claims["cognito:username"] == "alice"
    access = jwt.decode(tokens["access_token"], jwks.get_signing_key_from_jwt(tokens["access_token"]).key,
                        algorithms=["RS256"], issuer=meta["issuer"], options={"verify_exp": False, "verify_aud": False})
    assert access["client_id"] == client_id and access["token_use"] == "access"
    with pytest.raises(jwt.InvalidIssuerError):  # a token is bound to AWS's issuer, not to the served URL
        jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience=client_id,
                   issuer=meta["jwks_uri"].rsplit("/.well-known", 1)[0], options={"verify_exp": False})
