"""The inbox over HTTP and the console page (labkit/console.py, issue 15 item 5).

``GET <endpoint>/_labkit/inbox/<address>`` is how a client in another language reads the code Cognito "sent";
``GET <endpoint>/_labkit/`` shows the sandbox to a person. Neither exists in moto.
"""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
import requests

from labkit.__main__ import how_to_call
from labkit.identitypools import quick_identity_pool
from labkit.wire import addressing

PASSWORD = "Passw0rd!"


def get_json(url: str):
    # urllib: in the kernel, moto's `responses` mock would catch requests' calls to URLs naming AWS hosts
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.headers["Content-Type"], json.loads(r.read())


@pytest.fixture
def app(served_sb):
    idp = boto3.client("cognito-idp", endpoint_url=served_sb.endpoint_url)  # the learner's app, over HTTP
    pool = idp.create_user_pool(PoolName="shop", AutoVerifiedAttributes=["email"], UsernameAttributes=["email"],
                                SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"})["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    return idp, pool, client


def test_inbox_answers_the_messages_newest_last(served_sb, app):
    idp, pool, client = app
    idp.sign_up(ClientId=client, Username="Alice@Example.com", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "Alice@Example.com"}])
    idp.resend_confirmation_code(ClientId=client, Username="Alice@Example.com")
    status, ctype, doc = get_json(f"{served_sb.endpoint_url}/_labkit/inbox/alice@example.com")
    assert status == 200 and ctype.startswith("application/json")
    assert doc["address"] == "alice@example.com" and len(doc["messages"]) == 2
    newest = doc["messages"][-1]
    assert set(newest) >= {"to", "medium", "subject", "body", "code", "purpose"}
    assert (newest["medium"], newest["purpose"]) == ("EMAIL", "sign-up")
    assert newest["code"] == served_sb.inbox("alice@example.com").latest.code and newest["code"] in newest["body"]
    assert newest["code"] != doc["messages"][0]["code"]
    idp.confirm_sign_up(ClientId=client, Username="Alice@Example.com", ConfirmationCode=newest["code"])
    assert idp.admin_get_user(UserPoolId=pool, Username="Alice@Example.com")["UserStatus"] == "CONFIRMED"


def test_inbox_of_a_phone_number_and_of_nobody(served_sb, app):
    idp, pool, _ = app
    idp.admin_create_user(UserPoolId=pool, Username="bob@example.com", DesiredDeliveryMediums=["SMS"],
                          UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"},
                                          {"Name": "email", "Value": "bob@example.com"}])
    _, _, doc = get_json(f"{served_sb.endpoint_url}/_labkit/inbox/%2B15555550100")
    assert doc["address"] == "+15555550100" and doc["messages"][-1]["medium"] == "SMS"
    assert doc["messages"][-1]["purpose"] == "invitation"
    _, _, empty = get_json(f"{served_sb.endpoint_url}/_labkit/inbox/nobody@example.com")
    assert empty == {"address": "nobody@example.com", "messages": []}
    _, _, listing = get_json(f"{served_sb.endpoint_url}/_labkit/inbox/")
    assert listing == {"addresses": ["+15555550100"]}


def test_the_pages_are_read_only_and_unknown_ones_are_404(served_sb):
    assert requests.post(f"{served_sb.endpoint_url}/_labkit/inbox/a@example.com", timeout=30).status_code == 405
    missing = requests.get(f"{served_sb.endpoint_url}/_labkit/nothing", timeout=30)
    assert missing.status_code == 404 and "/_labkit/inbox/" in missing.json()["message"]


def test_console_shows_pools_users_identities_calls_and_decisions(served_sb, app):
    idp, pool, client = app
    idp.sign_up(ClientId=client, Username="carol@example.com", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    idp.admin_confirm_sign_up(UserPoolId=pool, Username="carol@example.com")
    tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "carol@example.com", "PASSWORD": PASSWORD})["AuthenticationResult"]
    ids = quick_identity_pool(served_sb, "Shop", allow_guests=False, user_pool=(pool, client))
    cognito = boto3.client("cognito-identity")
    login = {f"cognito-idp.us-east-1.amazonaws.com/{pool}": tokens["IdToken"]}
    identity = cognito.get_id(IdentityPoolId=ids["IdentityPoolId"], Logins=login)["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity, Logins=login)["Credentials"]
    s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                      aws_session_token=creds["SessionToken"])
    with pytest.raises(s3.exceptions.ClientError):
        s3.list_buckets()  # the default authenticated role has no S3: an IAM decision (denied)

    page = requests.get(f"{served_sb.endpoint_url}/_labkit/", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert pool in text and addressing.discovery_url(served_sb.endpoint_url, pool) in text
    assert "carol@example.com" in text and "CONFIRMED" in text
    assert ids["IdentityPoolId"] in text and identity in text
    assert "InitiateAuth" in text and "GetCredentialsForIdentity" in text
    assert "s3:ListAllMyBuckets" in text and "DENIED" in text
    assert f"{served_sb.endpoint_url}/_labkit/inbox/carol@example.com" in text
    assert served_sb.admin_credentials["AccessKeyId"] in text and "&lt;endpoint&gt;/&lt;aws-host&gt;/&lt;path&gt;" in text


def test_console_escapes_what_it_prints(served_sb):
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="<script>alert(1)</script>")["UserPool"]["Id"]
    idp.create_user_pool_client(UserPoolId=pool, ClientName='"><img src=x onerror=alert(2)>')
    text = requests.get(f"{served_sb.endpoint_url}/_labkit/", timeout=30).text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(2)&gt;" in text


def test_serve_prints_the_console_inbox_credentials_and_discovery_rule(served_sb):
    text = how_to_call(served_sb)
    ep = served_sb.endpoint_url
    assert f"console  {ep}/_labkit/" in text and f"{ep}/_labkit/inbox/<address>" in text
    assert served_sb.admin_credentials["SecretAccessKey"] in text
    assert f"{ep}/cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration" in text
    assert f"{ep}/<aws-host>/<path>" in text
