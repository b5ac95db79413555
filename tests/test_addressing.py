"""The one addressing rule for AWS hosts on the served endpoint (labkit/wire/addressing.py, issue 15 item 4).

``<endpoint>/<aws-host>/<path>`` (the AWS URL with ``https://`` replaced by ``<endpoint>/``) and the Host-header
form reach the same host as AWS's own URL does in-process: the API services (signed or not), S3, the JWKS, the
hosted UI and execute-api. Raw moto serves none of it over HTTP (its server mode knows no such paths).
"""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from labkit.wire import addressing
from labkit.wire.request import Headers, Request

POOL_PATH = "/us-east-1_abc/.well-known/jwks.json"


def http_request(path: str, host: str = "127.0.0.1:8000", **headers) -> Request:
    req = Request("GET", f"http://{host}{path}", Headers({"Host": host, **headers}), b"", transport="http")
    return addressing.arrive(req)


# ---------------------------------------------------------------------------------------------- the rule itself
def test_path_form_names_the_host_and_keeps_the_path_as_sent():
    req = http_request("/shop.auth.us-east-1.amazoncognito.com/oauth2/token?x=%2F1&y=a;b")
    assert req.address == addressing.Address("shop.auth.us-east-1.amazoncognito.com", "/oauth2/token",
                                             "http://127.0.0.1:8000/shop.auth.us-east-1.amazoncognito.com", "path")
    assert req.url == "https://shop.auth.us-east-1.amazoncognito.com/oauth2/token?x=%2F1&y=a;b"
    assert req.headers["Host"] == "127.0.0.1:8000"  # as the client sent (and signed) it
    bucket = http_request("/s3.amazonaws.com/photos/e%41%2Fb.txt")
    assert bucket.url == "https://s3.amazonaws.com/photos/e%41%2Fb.txt"


def test_host_header_form_and_in_process_urls():
    host_form = http_request("/oauth2/authorize", host="shop.auth.us-east-1.amazoncognito.com:8000")
    assert host_form.address.form == "host" and host_form.address.host == "shop.auth.us-east-1.amazoncognito.com"
    assert host_form.url == "http://shop.auth.us-east-1.amazoncognito.com:8000/oauth2/authorize"
    inproc = Request("GET", f"https://cognito-idp.us-east-1.amazonaws.com{POOL_PATH}", Headers(), b"")
    found = addressing.address_of(inproc)
    assert (found.host, found.path, found.base, found.form) == ("cognito-idp.us-east-1.amazonaws.com", POOL_PATH,
                                                                "https://cognito-idp.us-east-1.amazonaws.com", "url")
    assert addressing.address_of(http_request("/_labkit/")) is None
    assert addressing.address_of(http_request("/not-aws.example.com/x")) is None


@pytest.mark.parametrize("path,host,expected", [
    ("/cognito-idp.us-east-1.amazonaws.com/p/.well-known/openid-configuration", "127.0.0.1:8000",
     "http://127.0.0.1:8000/shop.auth.us-east-1.amazoncognito.com"),
    ("/us-east-1_p/.well-known/openid-configuration", "127.0.0.1:8000",
     "http://127.0.0.1:8000/shop.auth.us-east-1.amazoncognito.com"),
    ("/p/.well-known/openid-configuration", "cognito-idp.us-east-1.amazonaws.com:8000",
     "http://shop.auth.us-east-1.amazoncognito.com:8000"),
])
def test_served_gives_the_url_the_same_caller_reaches_another_host_at(path, host, expected):
    assert addressing.served(http_request(path, host), "shop.auth.us-east-1.amazoncognito.com") == expected
    inproc = Request("GET", "https://cognito-idp.us-east-1.amazonaws.com/", Headers(), b"")
    assert addressing.served(inproc, "shop.auth.us-east-1.amazoncognito.com") == "https://shop.auth.us-east-1.amazoncognito.com"


def test_the_signed_path_is_the_path_as_sent():
    req = http_request("/cognito-idp.us-east-1.amazonaws.com", Authorization="AWS4-HMAC-SHA256 Credential=x")
    assert req.url == "https://cognito-idp.us-east-1.amazonaws.com/"
    assert addressing.path_as_sent(req, "/") == "/cognito-idp.us-east-1.amazonaws.com"
    deeper = http_request("/S3.amazonaws.com/b/k")
    assert addressing.path_as_sent(deeper, "/b/k") == "/S3.amazonaws.com/b/k"
    assert addressing.path_as_sent(http_request("/b/k"), "/b/k") == "/b/k"


def test_discovery_url_rule():
    assert addressing.discovery_url("http://127.0.0.1:8000/", "eu-west-1_X") == \
        "http://127.0.0.1:8000/cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/.well-known/openid-configuration"


# ---------------------------------------------------------------------------------------------- over HTTP
def test_api_calls_under_the_rule_unsigned_and_signed(served_sb):
    """An unsigned call names its region only in the host: ``<endpoint>/cognito-idp.eu-west-1.amazonaws.com``
    finds the eu-west-1 pool; a signed one verifies against the path the client signed."""
    eu = boto3.client("cognito-idp", region_name="eu-west-1")
    pool = eu.create_user_pool(PoolName="eu")["UserPool"]["Id"]
    client = eu.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    base = f"{served_sb.endpoint_url}/cognito-idp.eu-west-1.amazonaws.com"
    anonymous = boto3.client("cognito-idp", endpoint_url=base, region_name="eu-west-1", config=Config(signature_version=UNSIGNED))
    assert anonymous.sign_up(ClientId=client, Username="zed", Password="Passw0rd!x")["UserConfirmed"] is False
    signed = boto3.client("cognito-idp", endpoint_url=base, region_name="eu-west-1")
    assert [p["Id"] for p in signed.list_user_pools(MaxResults=5)["UserPools"]] == [pool]
    assert signed.admin_get_user(UserPoolId=pool, Username="zed")["UserStatus"] == "UNCONFIRMED"
    wrong = boto3.client("cognito-idp", endpoint_url=base, region_name="eu-west-1",
                         aws_access_key_id=served_sb.admin_credentials["AccessKeyId"], aws_secret_access_key="wrong")
    with pytest.raises(wrong.exceptions.ClientError) as err:
        wrong.list_user_pools(MaxResults=5)
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_s3_and_sts_under_the_rule(served_sb):
    s3 = boto3.client("s3", endpoint_url=f"{served_sb.endpoint_url}/s3.amazonaws.com", region_name="us-east-1")
    s3.create_bucket(Bucket="notes")
    s3.put_object(Bucket="notes", Key="private/a.txt", Body=b"hello")
    assert boto3.client("s3").get_object(Bucket="notes", Key="private/a.txt")["Body"].read() == b"hello"
    sts = boto3.client("sts", endpoint_url=f"{served_sb.endpoint_url}/sts.amazonaws.com", region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == served_sb.account_id


def test_jwks_in_every_form(served_sb):
    pool = boto3.client("cognito-idp").create_user_pool(PoolName="p")["UserPool"]["Id"]
    path = f"/{pool}/.well-known/jwks.json"
    host = "cognito-idp.us-east-1.amazonaws.com"
    forms = [f"{served_sb.endpoint_url}/{host}{path}", f"{served_sb.endpoint_url}{path}"]
    answers = [json.loads(urllib.request.urlopen(url, timeout=30).read()) for url in forms]
    by_host = requests.get(f"{served_sb.endpoint_url}{path}", headers={"Host": host}, timeout=30).json()
    assert answers[0] == answers[1] == by_host and answers[0]["keys"][0]["kid"]
    # another service's host is not the user pool's JWKS
    other = requests.get(f"{served_sb.endpoint_url}/cognito-identity.us-east-1.amazonaws.com{path}", timeout=30)
    assert other.status_code != 200 or "keys" not in other.text


def test_hosted_ui_redirects_stay_in_the_form_the_caller_used(served_sb):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="shop-demo", UserPoolId=pool)
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", CallbackURLs=["http://localhost:3000/cb"],
                                         AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
                                         AllowedOAuthScopes=["openid"], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
    q = {"client_id": client, "response_type": "code", "redirect_uri": "http://localhost:3000/cb"}
    ui = "shop-demo.auth.us-east-1.amazoncognito.com"
    path_form = requests.get(f"{served_sb.endpoint_url}/{ui}/oauth2/authorize", params=q, allow_redirects=False, timeout=30)
    assert path_form.headers["Location"].startswith(f"{served_sb.endpoint_url}/{ui}/login?")
    host_form = requests.get(f"{served_sb.endpoint_url}/oauth2/authorize", params=q, headers={"Host": ui},
                             allow_redirects=False, timeout=30)
    assert host_form.headers["Location"].startswith(f"http://{ui}/login?")


def test_host_header_form_reaches_the_hosts_service_and_region(served_sb):
    """``Host: cognito-idp.eu-west-1.amazonaws.com`` on any path of the endpoint is that host's API, in its region."""
    eu = boto3.client("cognito-idp", region_name="eu-west-1")
    pool = eu.create_user_pool(PoolName="eu")["UserPool"]["Id"]
    client = eu.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    r = requests.post(f"{served_sb.endpoint_url}/", timeout=30, data=json.dumps({"ClientId": client, "Username": "kim",
                                                                                "Password": "Passw0rd!x"}),
                      headers={"Host": "cognito-idp.eu-west-1.amazonaws.com", "Content-Type": "application/x-amz-json-1.1",
                               "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp"})
    assert r.status_code == 200 and r.json()["UserConfirmed"] is False
    assert eu.admin_get_user(UserPoolId=pool, Username="kim")["UserStatus"] == "UNCONFIRMED"
    elsewhere = requests.post(f"{served_sb.endpoint_url}/", timeout=30, data=json.dumps({"ClientId": client, "Username": "lee",
                                                                                        "Password": "Passw0rd!x"}),
                              headers={"Host": "cognito-idp.us-west-2.amazonaws.com", "Content-Type": "application/x-amz-json-1.1",
                                       "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp"})
    assert elsewhere.status_code == 400 and elsewhere.json()["__type"] == "ResourceNotFoundException"


def test_served_url_is_the_one_substitution():
    assert addressing.served_url("http://127.0.0.1:8000/", "https://abc.execute-api.us-east-1.amazonaws.com/prod/notes?x=1") == \
        "http://127.0.0.1:8000/abc.execute-api.us-east-1.amazonaws.com/prod/notes?x=1"
    assert addressing.served_url("http://127.0.0.1:8000", "http://localhost:3000/cb") == "http://localhost:3000/cb"
