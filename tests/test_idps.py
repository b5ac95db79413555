"""The mock identity providers issue what the real ones issue and answer the look-ups Cognito makes.

moto plays no identity provider at all: every test here fails on raw moto (``sb.idp`` has nothing to
return and ``/idp/...`` is not served).
"""

import json
import urllib.error
import urllib.request

import jwt
import pytest

import labkit
from labkit.errors import LabkitError

CLIENT_ID = "1234567890-abc.apps.googleusercontent.com"


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_google_issues_rs256_id_token_signed_with_its_own_key(sb):
    """A Google ID token: RS256, Google's kid, iss/aud/sub/email/email_verified/iat/exp (moto: no IdP)."""
    google = sb.idp("google")
    token = google.sign_in("alice@gmail.com", client_id=CLIENT_ID)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == sb.keys.for_owner("https://accounts.google.com").kid
    claims = jwt.decode(token, sb.keys.for_owner("https://accounts.google.com").public_key, algorithms=["RS256"], audience=CLIENT_ID,
                        options={"verify_exp": False})
    assert claims["iss"] == "https://accounts.google.com"
    assert claims["aud"] == CLIENT_ID and claims["email"] == "alice@gmail.com" and claims["email_verified"] is True
    assert claims["sub"].isdigit() and len(claims["sub"]) == 21
    assert claims["exp"] - claims["iat"] == 3600


def test_same_user_same_subject_and_subjects_repeat_with_the_seed(sb):
    """Users are created on first sign-in with subjects drawn from sb.random (moto: no IdP)."""
    google = sb.idp("google")
    sub = lambda email: jwt.decode(google.sign_in(email, client_id=CLIENT_ID), options={"verify_signature": False})["sub"]
    alice = sub("alice@gmail.com")
    assert sub("Alice@gmail.com") == alice
    assert sub("bob@gmail.com") != alice
    first = google.users["alice@gmail.com"].subject
    sb.stop()
    with labkit.Sandbox() as again:
        again.idp("google").sign_in("alice@gmail.com", client_id=CLIENT_ID)
        assert again.idp("google").users["alice@gmail.com"].subject == first


def test_google_discovery_and_jwks_over_http(served_sb):
    """Discovery document and JWKS served on the sandbox endpoint; the JWKS verifies the token."""
    base = served_sb.endpoint_url
    status, _, body = _get(f"{base}/idp/google/.well-known/openid-configuration")
    assert status == 200
    doc = json.loads(body)
    assert doc["issuer"] == "https://accounts.google.com"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    status, _, body = _get(doc["jwks_uri"])
    assert status == 200
    token = served_sb.idp("google").sign_in("carol@gmail.com", client_id=CLIENT_ID)
    key = jwt.PyJWKSet.from_dict(json.loads(body))[jwt.get_unverified_header(token)["kid"]]
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience=CLIENT_ID, options={"verify_exp": False})["email"] == "carol@gmail.com"


def test_facebook_debug_token_reports_app_user_validity_and_expiry(served_sb):
    """Opaque Facebook tokens, checked as Graph API debug_token would; expiry on the sandbox clock."""
    fb = served_sb.idp("facebook")
    token = fb.sign_in("dave@example.com", app_id="1234567890123456")
    assert token.startswith("EAA") and "." not in token
    status, _, body = _get(f"{served_sb.endpoint_url}/idp/facebook/debug_token?input_token={token}&access_token=app|secret")
    data = json.loads(body)["data"]
    assert status == 200
    assert data["app_id"] == "1234567890123456" and data["is_valid"] is True
    assert data["user_id"] == fb.users["dave@example.com"].subject
    served_sb.advance(2 * 3600 + 1)
    assert fb.debug_token(token)["data"]["is_valid"] is False
    status, _, body = _get(f"{served_sb.endpoint_url}/idp/facebook/debug_token?input_token=nonsense")
    assert status == 400 and json.loads(body)["error"]["code"] == 190


def test_login_with_amazon_profile_and_tokeninfo(served_sb):
    """Opaque ``Atza|`` tokens; user/profile with a bearer token gives user_id (moto: no IdP)."""
    lwa = served_sb.idp("amazon")
    token = lwa.sign_in("erin@example.com", app_id="amzn1.application.0123456789abcdef")
    assert token.startswith("Atza|")
    status, _, body = _get(f"{served_sb.endpoint_url}/idp/amazon/user/profile", {"Authorization": f"bearer {token}"})
    profile = json.loads(body)
    assert status == 200 and profile["email"] == "erin@example.com"
    assert profile["user_id"].startswith("amzn1.account.")
    info = lwa.tokeninfo(token)
    assert info["app_id"] == "amzn1.application.0123456789abcdef" and info["user_id"] == profile["user_id"]
    served_sb.advance(3601)
    assert "error" in lwa.tokeninfo(token)


def test_oidc_provider_has_its_own_issuer_and_key(sb):
    """``sb.idp("oidc", issuer=...)``: a separate OIDC provider with its own key."""
    idp = sb.idp("oidc", issuer="https://login.example.com")
    assert sb.idp("oidc", issuer="https://login.example.com/") is idp
    token = idp.sign_in("frank@example.com", client_id="my-client")
    assert jwt.get_unverified_header(token)["kid"] != sb.keys.for_owner("https://accounts.google.com").kid
    claims = jwt.decode(token, sb.keys.for_owner("https://login.example.com").public_key, algorithms=["RS256"], audience="my-client",
                        options={"verify_exp": False})
    assert claims["iss"] == "https://login.example.com"


def test_oidc_discovery_over_http(served_sb):
    served_sb.idp("oidc", issuer="https://login.example.com")
    status, _, body = _get(f"{served_sb.endpoint_url}/idp/oidc/login.example.com/.well-known/openid-configuration")
    assert status == 200 and json.loads(body)["issuer"] == "https://login.example.com"
    status, _, body = _get(f"{served_sb.endpoint_url}/idp/oidc/login.example.com/jwks")
    assert json.loads(body)["keys"][0]["kid"] == served_sb.keys.for_owner("https://login.example.com").kid


def test_minimal_sign_in_page_redirects_with_the_token_in_the_fragment(served_sb):
    """The implicit-grant page: without login_hint a form, with it a redirect carrying id_token."""
    base = served_sb.endpoint_url
    status, headers, body = _get(f"{base}/idp/google/o/oauth2/v2/auth?client_id={CLIENT_ID}&redirect_uri=http://127.0.0.1:9/cb&response_type=id_token")
    assert status == 200 and b"<form" in body

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(f"{base}/idp/google/o/oauth2/v2/auth?client_id={CLIENT_ID}&redirect_uri=http://127.0.0.1:9/cb"
                    "&response_type=id_token&login_hint=gina@gmail.com&state=xyz", timeout=5)
    location = info.value.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/cb#id_token=") and "state=xyz" in location


def test_misuse_names_the_fix(sb):
    with pytest.raises(LabkitError, match="google"):
        sb.idp("twitter")
    with pytest.raises(LabkitError, match="issuer"):
        sb.idp("oidc")
    with pytest.raises(LabkitError, match="https"):
        sb.idp("oidc", issuer="login.example.com")
    with pytest.raises(LabkitError, match="client_id"):
        sb.idp("google").sign_in("a@gmail.com", client_id="")
    with pytest.raises(LabkitError, match="email"):
        sb.idp("google").sign_in("not-an-email", client_id=CLIENT_ID)
    with pytest.raises(LabkitError, match="app ids"):
        sb.idp("facebook").sign_in("a@example.com", app_id="abc")
