"""In-process isolation for plain HTTP libraries (issue 15, item 6): every AWS host that requests,
urllib or httpx asks for reaches the sandbox in-process, or raises LeftTheSandbox; nothing reaches the
network, and other hosts are untouched."""

from __future__ import annotations

import html
import re
import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import jwt
import pytest
import requests

import labkit
from labkit import errors

PASSWORD = "Corr3ct-Horse!"
CALLBACK = "http://localhost:3000/callback"


@pytest.fixture
def app(sb):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop")["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="shop-demo", UserPoolId=pool)
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        CallbackURLs=[CALLBACK], AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "email"], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    return sb, idp, pool, client


def _no_network(monkeypatch):
    """Fail the test if anything tries to connect a socket to a non-loopback address."""
    real = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a real connection to {address} was attempted")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def test_pyjwkclient_verifies_a_real_id_token_in_process(app, monkeypatch):
    """The textbook verifier: PyJWT's own PyJWKClient on the pool's JWKS URL (it uses urllib.request)."""
    sb, idp, pool, client = app
    _no_network(monkeypatch)
    token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]
    issuer = f"https://cognito-idp.{sb.region}.amazonaws.com/{pool}"
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=client, issuer=issuer)
    assert claims["cognito:username"] == "alice" and claims["token_use"] == "id"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["RS256"], audience=client, issuer=issuer)


@pytest.mark.parametrize("library", ["requests", "urllib", "httpx"])
def test_every_library_reads_the_jwks_from_the_sandbox(app, library, monkeypatch):
    sb, idp, pool, _ = app
    _no_network(monkeypatch)
    url = f"https://cognito-idp.{sb.region}.amazonaws.com/{pool}/.well-known/jwks.json"
    if library == "requests":
        keys = requests.get(url, timeout=5).json()["keys"]
    elif library == "urllib":
        import json

        with urllib.request.urlopen(url, timeout=5) as r:
            assert r.status == 200
            keys = json.loads(r.read())["keys"]
    else:
        keys = httpx.get(url).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] for k in keys)
    assert [k["kid"] for k in keys] == [k["kid"] for k in requests.get(url).json()["keys"]]


def test_requests_signs_in_through_the_hosted_ui_in_process(app, monkeypatch):
    """authorize -> login page -> form post -> the app's callback with a code -> the token endpoint,
    all at https://<domain>.auth.<region>.amazoncognito.com, in-process."""
    sb, idp, pool, client = app
    _no_network(monkeypatch)
    base = f"https://shop-demo.auth.{sb.region}.amazoncognito.com"
    s = requests.Session()
    r = s.get(f"{base}/oauth2/authorize", params={"client_id": client, "response_type": "code", "redirect_uri": CALLBACK,
                                                  "scope": "openid email"}, allow_redirects=False)
    assert r.status_code == 302, r.text
    page = s.get(r.headers["Location"])
    assert page.status_code == 200 and "cognitoSignInForm" in page.text
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    fields.update(username="alice", password=PASSWORD)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    back = s.post(action, data=fields, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK), back.text
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    tokens = requests.post(f"{base}/oauth2/token", data={"grant_type": "authorization_code", "client_id": client, "code": code,
                                                          "redirect_uri": CALLBACK}).json()
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["email"] == "alice@example.com"
    # urllib and httpx reach the same hosted UI
    with urllib.request.urlopen(f"{base}/login?client_id={client}&response_type=code&redirect_uri={CALLBACK}") as r:
        assert r.status == 200 and b"cognitoSignInForm" in r.read()
    assert httpx.get(f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["email"] \
        == "alice@example.com"


@pytest.mark.parametrize("url", ["https://foo.us-east-1.amazonaws.com/", "https://www.amazoncognito.com/",
                                 "https://example.us-east-1.on.aws/"])
@pytest.mark.parametrize("library", ["requests", "urllib", "httpx", "socket"])
def test_an_aws_host_the_sandbox_does_not_serve_raises_left_the_sandbox(app, url, library, monkeypatch):
    _no_network(monkeypatch)
    with pytest.raises(errors.LeftTheSandbox, match="would have left this machine"):
        if library == "requests":
            requests.get(url, timeout=5)
        elif library == "urllib":
            urllib.request.urlopen(url, timeout=5)
        elif library == "httpx":
            httpx.get(url)
        else:  # any other client: its name lookup is refused
            socket.create_connection((urlsplit(url).hostname, 443), timeout=5)


@pytest.mark.xfail(strict=True, reason="known gap after merging the addressing rule: in-process, a hosted-UI page the "
                   "sandbox lacks raises LeftTheSandbox instead of answering the hosted UI's 404 page (over HTTP it is a 404)")
def test_a_page_the_hosted_ui_lacks_is_its_404(app):
    sb = app[0]
    r = requests.get(f"https://shop-demo.auth.{sb.region}.amazoncognito.com/nothing-here")
    assert r.status_code == 404 and "no page at /nothing-here" in r.text


def test_a_non_aws_host_is_untouched(app):
    """A local server (standing in for any non-AWS host) is reached for real by all three libraries."""

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://localhost:{server.server_port}/"
        assert requests.get(url, timeout=5).text == "hello"
        assert urllib.request.urlopen(url, timeout=5).read() == b"hello"
        assert httpx.get(url).text == "hello"
        assert socket.getaddrinfo("localhost", 80)  # the resolver works for other names
    finally:
        server.shutdown()
        server.server_close()


def test_without_a_sandbox_nothing_is_intercepted():
    assert labkit.Sandbox.current() is None
    from labkit.wire import outbound

    outbound.install()
    with pytest.raises(OSError):  # a real lookup (which fails offline, or for this reserved name)
        socket.getaddrinfo("cognito-idp.us-east-1.amazonaws.com.invalid", 443)
    assert outbound.is_aws_host("cognito-idp.us-east-1.amazonaws.com")
    assert outbound.is_aws_host("shop.auth.eu-west-1.amazoncognito.com")
    assert not outbound.is_aws_host("amazonaws.com.example.org")


def test_an_aws_error_answer_reaches_the_library_as_http(app):
    """A served AWS address that answers an error gives the library that HTTP error, not an exception."""
    sb, _, pool, _ = app
    url = f"https://cognito-idp.{sb.region}.amazonaws.com/{sb.region}_NoSuchPool/.well-known/jwks.json"
    assert requests.get(url).status_code == 404
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url)
    assert info.value.code == 404
    assert httpx.get(url).status_code == 404
