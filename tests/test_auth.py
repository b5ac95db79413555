"""Every request is authenticated as AWS authenticates it (issue 14), on both transports.

Each test fails on raw moto, which never checks a signature, a key, a token or an expiry.
"""

from __future__ import annotations

import datetime as _dt
import json

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from support import error_of

import labkit
import labkit.auth
import labkit.iam
from labkit.identitypools import quick_identity_pool

SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                      "Secret Access Key and signing method. Consult the service documentation for details.")
S3_MISMATCH = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
INVALID_TOKEN = "The security token included in the request is invalid."


def admin_with(tsb, **override):
    creds = {"aws_access_key_id": tsb.admin_credentials["AccessKeyId"], "aws_secret_access_key": tsb.admin_credentials["SecretAccessKey"]}
    creds.update(override)
    return creds


def guest(aws, tsb, role_policy=None):
    """A guest's credentials from an identity pool (enhanced flow), as an app gets them."""
    pool = quick_identity_pool(tsb, "Lab")
    if role_policy is not None:
        name = pool["UnauthenticatedRoleArn"].rsplit("/", 1)[-1]
        aws("iam").put_role_policy(RoleName=name, PolicyName="Extra", PolicyDocument=json.dumps(role_policy))
    ci = aws("cognito-identity", config=Config(signature_version=UNSIGNED))
    identity = ci.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=identity)["Credentials"]
    return identity, {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretKey"],
                      "aws_session_token": creds["SessionToken"]}


ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_admin_credentials_are_explicit_and_sign_every_default_client(tsb, aws):
    """``sb.admin_credentials`` is the one documented key pair; in-process clients use it by default."""
    assert set(tsb.admin_credentials) == {"AccessKeyId", "SecretAccessKey"}
    me = aws("sts").get_caller_identity()
    # the admin is the account's root user, as IAM's denials name it (issue 18: it said user/moto)
    assert me == {**me, "Account": tsb.account_id, "UserId": tsb.account_id, "Arn": f"arn:aws:iam::{tsb.account_id}:root"}
    s3 = aws("s3", **admin_with(tsb))
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a b/c+d é.txt", Body=b"hello")
    assert s3.get_object(Bucket="photos", Key="a b/c+d é.txt")["Body"].read() == b"hello"
    assert aws("dynamodb").list_tables()["TableNames"] == []
    assert aws("cognito-sync").list_identity_pool_usage()["IdentityPoolUsages"] == []
    assert tsb.components["auth"].verified >= 5


def test_a_wrong_secret_key_gets_each_services_signature_error(tsb, aws):
    """One character off in the secret: S3 ``SignatureDoesNotMatch`` 403 (with the string it signed),
    STS ``SignatureDoesNotMatch`` 403, DynamoDB and Cognito ``InvalidSignatureException`` 400, Cognito
    Sync ``InvalidSignatureException`` 403."""
    aws("s3").create_bucket(Bucket="photos")
    secret = tsb.admin_credentials["SecretAccessKey"]
    wrong = admin_with(tsb, aws_secret_access_key=secret[:-1] + ("x" if secret[-1] != "x" else "y"))
    err = error_of(aws("s3", **wrong).list_objects_v2, Bucket="photos")
    assert (err.code, err.message, err.status) == ("SignatureDoesNotMatch", S3_MISMATCH, 403)
    assert err.response["Error"]["AWSAccessKeyId"] == tsb.admin_credentials["AccessKeyId"]
    assert err.response["Error"]["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    err = error_of(aws("sts", **wrong).get_caller_identity)
    assert (err.code, err.message, err.status) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    err = error_of(aws("dynamodb", **wrong).list_tables)
    assert (err.code, err.message, err.status) == ("InvalidSignatureException", SIGNATURE_MISMATCH, 400)
    err = error_of(aws("cognito-idp", **wrong).list_user_pools, MaxResults=5)
    assert (err.code, err.status) == ("InvalidSignatureException", 400)
    err = error_of(aws("cognito-sync", **wrong).list_identity_pool_usage)
    assert (err.code, err.status) == ("InvalidSignatureException", 403)
    explained = labkit.auth.explain_last(tsb)
    assert "REFUSED before any policy was evaluated" in explained and "another secret key" in explained


def test_sandbox_issued_credentials_with_a_wrong_secret_are_refused(tsb, aws):
    _, creds = guest(aws, tsb, ALLOW_ALL)
    aws("s3").create_bucket(Bucket="photos")
    assert aws("s3", **creds).list_objects_v2(Bucket="photos")["KeyCount"] == 0
    wrong = dict(creds, aws_secret_access_key="A" + creds["aws_secret_access_key"][1:])
    assert error_of(aws("s3", **wrong).list_objects_v2, Bucket="photos").code == "SignatureDoesNotMatch"
    assert error_of(aws("dynamodb", **wrong).list_tables).code == "InvalidSignatureException"
    assert error_of(aws("cognito-sync", **wrong).list_datasets, IdentityPoolId="us-east-1:x", IdentityId="us-east-1:y").code == "InvalidSignatureException"


def test_an_access_key_nobody_issued_is_unknown(tsb, aws):
    """A made-up ``AKIA`` key is no administrator: S3 ``InvalidAccessKeyId`` 403, STS and IAM
    ``InvalidClientTokenId`` 403, DynamoDB ``UnrecognizedClientException`` 400."""
    aws("s3").create_bucket(Bucket="photos")
    fake = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
    err = error_of(aws("s3", **fake).list_objects_v2, Bucket="photos")
    assert (err.code, err.message, err.status) == ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
    assert (error_of(aws("sts", **fake).get_caller_identity)[:], error_of(aws("sts", **fake).get_caller_identity).status) == (
        ("InvalidClientTokenId", INVALID_TOKEN), 403)
    assert error_of(aws("iam", **fake).create_user, UserName="mallory") == ("InvalidClientTokenId", INVALID_TOKEN)
    err = error_of(aws("dynamodb", **fake).scan, TableName="Notes")
    assert (err.code, err.message, err.status) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
    assert aws("iam").list_users()["Users"] == []


def test_a_session_token_from_another_identity_is_refused(tsb, aws):
    _, first = guest(aws, tsb, ALLOW_ALL)
    ci = aws("cognito-identity", config=Config(signature_version=UNSIGNED))
    pool = aws("cognito-identity").list_identity_pools(MaxResults=5)["IdentityPools"][0]["IdentityPoolId"]
    other = ci.get_credentials_for_identity(IdentityId=ci.get_id(IdentityPoolId=pool)["IdentityId"])["Credentials"]
    mixed = dict(first, aws_session_token=other["SessionToken"])
    aws("s3").create_bucket(Bucket="photos")
    err = error_of(aws("s3", **mixed).list_objects_v2, Bucket="photos")
    assert (err.code, err.status) == ("InvalidToken", 400)
    assert error_of(aws("sts", **mixed).get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)
    assert error_of(aws("dynamodb", **mixed).list_tables) == ("UnrecognizedClientException", INVALID_TOKEN)
    no_token = {k: v for k, v in first.items() if k != "aws_session_token"}
    assert error_of(aws("s3", **no_token).list_objects_v2, Bucket="photos").code == "InvalidAccessKeyId"


def test_expired_credentials_get_expired_token_on_the_sandbox_clock(tsb, aws):
    _, creds = guest(aws, tsb, ALLOW_ALL)
    aws("s3").create_bucket(Bucket="photos")
    assert aws("sts", **creds).get_caller_identity()["Arn"].endswith("/CognitoIdentityCredentials")
    tsb.advance(3601)
    err = error_of(aws("s3", **creds).list_objects_v2, Bucket="photos")
    assert (err.code, err.message, err.status) == ("ExpiredToken", "The provided token has expired.", 400)
    err = error_of(aws("sts", **creds).get_caller_identity)
    assert (err.code, err.message, err.status) == ("ExpiredToken", "The security token included in the request is expired", 403)
    err = error_of(aws("dynamodb", **creds).list_tables)
    assert (err.code, err.status) == ("ExpiredTokenException", 400)


def test_unsigned_requests_are_refused_except_what_aws_serves_unsigned(tsb, aws):
    """Unsigned: AdminSetUserPassword, DynamoDB Scan, STS GetCallerIdentity, IAM are refused with
    ``MissingAuthenticationToken(Exception)``; S3 writes are ``AccessDenied``; the client operations
    of user and identity pools, and STS AssumeRoleWithWebIdentity, still work unsigned."""
    idp = aws("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    aws("s3").create_bucket(Bucket="photos")
    anonymous = Config(signature_version=UNSIGNED)
    err = error_of(aws("cognito-idp", config=anonymous).admin_set_user_password, UserPoolId=pool, Username="x", Password="Passw0rd!!", Permanent=True)
    assert (err.code, err.message, err.status) == ("MissingAuthenticationTokenException", "Request is missing Authentication Token", 400)
    assert error_of(aws("dynamodb", config=anonymous).scan, TableName="Notes").code == "MissingAuthenticationTokenException"
    err = error_of(aws("sts", config=anonymous).get_caller_identity)
    assert (err.code, err.status) == ("MissingAuthenticationToken", 403)
    assert error_of(aws("iam", config=anonymous).list_users).code == "MissingAuthenticationToken"
    s3 = aws("s3", config=anonymous)
    err = error_of(s3.put_object, Bucket="photos", Key="private/x", Body=b"x")
    assert (err.code, err.message, err.status) == ("AccessDenied", "Access Denied", 403)
    assert error_of(s3.put_bucket_policy, Bucket="photos", Policy=json.dumps(ALLOW_ALL)).code == "AccessDenied"
    # What an app calls before it has credentials:
    user = aws("cognito-idp", config=anonymous)
    user.sign_up(ClientId=client, Username="ana", Password="Passw0rd!!")
    idp.admin_confirm_sign_up(UserPoolId=pool, Username="ana")
    tokens = user.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": "Passw0rd!!"})["AuthenticationResult"]
    assert user.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ana"
    ids = quick_identity_pool(tsb, "Lab")
    assert aws("cognito-identity", config=anonymous).get_id(IdentityPoolId=ids["IdentityPoolId"])["IdentityId"]


def test_anonymous_s3_requests_follow_the_bucket_policy(tsb, aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket="site")
    s3.put_object(Bucket="site", Key="index.html", Body=b"<h1>hi</h1>")
    s3.put_object(Bucket="site", Key="private/secret.txt", Body=b"secret")
    anonymous = aws("s3", config=Config(signature_version=UNSIGNED))
    assert error_of(anonymous.get_object, Bucket="site", Key="index.html").code == "AccessDenied"
    s3.put_bucket_policy(Bucket="site", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/index.html"}]}))
    assert anonymous.get_object(Bucket="site", Key="index.html")["Body"].read() == b"<h1>hi</h1>"
    assert error_of(anonymous.get_object, Bucket="site", Key="private/secret.txt").code == "AccessDenied"
    assert error_of(anonymous.put_object, Bucket="site", Key="index.html", Body=b"defaced").code == "AccessDenied"


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_urls_work_until_they_expire_and_fail_when_tampered(tsb, aws, transport, version):
    """SigV4 (``X-Amz-Signature``) and SigV2 (``Signature``, boto3's default in us-east-1) presigned
    GETs: 200 until ``ExpiresIn`` passes on the sandbox clock, then 403 ``AccessDenied`` "Request has
    expired"; a changed signature or key is ``SignatureDoesNotMatch``."""
    aws("s3").create_bucket(Bucket="photos")
    aws("s3").put_object(Bucket="photos", Key="cat.jpg", Body=b"meow")
    s3 = aws("s3", config=Config(signature_version=version, s3={"addressing_style": "path"}))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": "cat.jpg"}, ExpiresIn=300)
    assert ("X-Amz-Signature=" in url) == (version == "s3v4")
    ok = requests.get(url, timeout=10)
    assert (ok.status_code, ok.content) == (200, b"meow")
    field = "X-Amz-Signature=" if version == "s3v4" else "Signature="
    head, _, tail = url.partition(field)
    tampered = head + field + ("0" if tail[0] != "0" else "1") + tail[1:]
    bad = requests.get(tampered, timeout=10)
    assert bad.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in bad.content
    other_key = url.replace("cat.jpg", "dog.jpg")
    assert b"<Code>SignatureDoesNotMatch</Code>" in requests.get(other_key, timeout=10).content
    tsb.advance(301)
    late = requests.get(url, timeout=10)
    assert late.status_code == 403 and b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in late.content


def test_presigned_url_of_expired_session_credentials_is_refused(tsb, aws):
    _, creds = guest(aws, tsb, ALLOW_ALL)
    aws("s3").create_bucket(Bucket="photos")
    aws("s3").put_object(Bucket="photos", Key="k", Body=b"v")
    url = aws("s3", config=Config(signature_version="s3v4"), **creds).generate_presigned_url(
        "get_object", Params={"Bucket": "photos", "Key": "k"}, ExpiresIn=7200)
    assert requests.get(url, timeout=10).content == b"v"
    tsb.advance(3601)
    late = requests.get(url, timeout=10)
    assert late.status_code == 400 and b"<Code>ExpiredToken</Code>" in late.content


def test_clock_skew_over_15_minutes_is_refused(tsb, aws, monkeypatch):
    """Clients sign with their own clock; more than 15 minutes off the server's: S3
    ``RequestTimeTooSkewed`` 403, DynamoDB ``InvalidSignatureException`` "Signature expired: ..."."""
    aws("s3").create_bucket(Bucket="photos")
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None) - _dt.timedelta(minutes=20))
    no_retry = Config(retries={"max_attempts": 1, "mode": "standard"})
    err = error_of(aws("s3", config=no_retry).list_objects_v2, Bucket="photos")
    assert (err.code, err.status) == ("RequestTimeTooSkewed", 403)
    assert err.response["Error"]["MaxAllowedSkewMilliseconds"] == "900000"
    err = error_of(aws("dynamodb", config=no_retry).list_tables)
    assert err.code == "InvalidSignatureException" and err.message.startswith("Signature expired: ") and err.message.endswith(" - 15 min.)")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None) - _dt.timedelta(minutes=10))
    assert aws("s3").list_objects_v2(Bucket="photos")["KeyCount"] == 0  # within the allowed skew


def test_sb_advance_does_not_make_fresh_signatures_skewed(tsb, aws):
    """The skew is measured on the wall clock: a day of ``sb.advance`` leaves admin calls working."""
    tsb.advance(86400)
    assert aws("dynamodb").list_tables()["TableNames"] == []


def test_guests_get_the_scope_down_session_policy(tsb, aws):
    """A guest role that grants IAM and STS actions still cannot use them in the enhanced flow; S3,
    DynamoDB and Cognito Sync stay reachable. An authenticated... (basic flow) role is not scoped down."""
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:ListRoles", "s3:*", "dynamodb:ListTables", "sts:GetSessionToken"], "Resource": "*"}]}
    identity, creds = guest(aws, tsb, wide)
    aws("s3").create_bucket(Bucket="photos")
    assert aws("s3", **creds).list_objects_v2(Bucket="photos")["KeyCount"] == 0
    assert aws("dynamodb", **creds).list_tables()["TableNames"] == []
    err = error_of(aws("iam", **creds).list_roles)
    assert err.code == "AccessDenied" and "because no session policy allows the iam:ListRoles action" in err.message
    explained = labkit.iam.explain_last(tsb)
    assert "the session policy Cognito applies to guests" in explained
    assert aws("iam").list_roles()["Roles"]  # the administrator is not a guest


def test_chunk_signed_upload_is_verified_chunk_by_chunk(served_sb):
    """``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` (what other SDKs send for S3 uploads): each chunk's
    signature chains from the request's; a changed chunk is ``SignatureDoesNotMatch``."""
    import hashlib

    from botocore.auth import EMPTY_SHA256_HASH, S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    boto3.client("s3", endpoint_url=served_sb.endpoint_url).create_bucket(Bucket="photos")
    creds = Credentials(served_sb.admin_credentials["AccessKeyId"], served_sb.admin_credentials["SecretAccessKey"])

    def upload(chunks, tamper=False):
        url = f"{served_sb.endpoint_url}/photos/chunked.txt"
        data = b"".join(chunks)
        req = AWSRequest("PUT", url, headers={"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(data)),
                                              "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
        signer = S3SigV4Auth(creds, "s3", "us-east-1")
        req.context["timestamp"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        req.headers["X-Amz-Date"] = req.context["timestamp"]
        canonical = signer.canonical_request(req)
        previous = signer.signature(signer.string_to_sign(req, canonical), req)
        req.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{req.context['timestamp'][:8]}/us-east-1/s3/aws4_request, "
                                        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(req))}, Signature={previous}")
        body = b""
        for chunk in list(chunks) + [b""]:
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", req.context["timestamp"], signer.credential_scope(req), previous,
                             EMPTY_SHA256_HASH, hashlib.sha256(chunk).hexdigest()])
            previous = signer.signature(sts, req)
            sent = chunk.upper() if tamper and chunk else chunk
            body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
        headers = {k: v for k, v in req.headers.items()}
        return requests.put(url, data=body, headers=headers, timeout=10)

    assert upload([b"hello ", b"world"]).status_code == 200
    got = boto3.client("s3", endpoint_url=served_sb.endpoint_url).get_object(Bucket="photos", Key="chunked.txt")["Body"].read()
    assert got == b"hello world"
    bad = upload([b"hello ", b"world"], tamper=True)
    assert bad.status_code == 403 and b"SignatureDoesNotMatch" in bad.content


def test_a_changed_body_does_not_match_its_signed_hash(served_sb):
    """S3 checks ``x-amz-content-sha256`` against the body: ``XAmzContentSHA256Mismatch`` 400."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    boto3.client("s3", endpoint_url=served_sb.endpoint_url).create_bucket(Bucket="photos")
    creds = Credentials(served_sb.admin_credentials["AccessKeyId"], served_sb.admin_credentials["SecretAccessKey"])
    req = AWSRequest("PUT", f"{served_sb.endpoint_url}/photos/k", data=b"original")
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    r = requests.put(req.url, data=b"replaced", headers=dict(req.headers.items()), timeout=10)
    assert r.status_code == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in r.content


def test_decision_explorer_shows_authentication_failures(sb):
    """The decision explorer lists a refused signature beside IAM decisions, with the service's error."""
    import labkit.show

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="photos")
    wrong = boto3.client("s3", aws_access_key_id=sb.admin_credentials["AccessKeyId"], aws_secret_access_key="not-the-secret")
    error_of(wrong.list_objects_v2, Bucket="photos")
    explorer = labkit.show.decision(sb)
    assert "REFUSED (SignatureDoesNotMatch)" in explorer.chooser.options[0][0]
    html = explorer.snapshot_html()
    assert "REFUSED: the request failed authentication" in html and "403 SignatureDoesNotMatch" in html
    assert "another secret key" in explorer.snapshot_text()


def test_sigv2_header_signed_requests_are_verified(tsb, aws):
    """S3's legacy ``Authorization: AWS key:signature`` (``signature_version="s3"``), recomputed with
    botocore's HmacV1Auth: the right secret works, a wrong one is ``SignatureDoesNotMatch``."""
    v2 = Config(signature_version="s3", s3={"addressing_style": "path"})
    s3 = aws("s3", config=v2)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a b.txt", Body=b"v2", ContentType="text/plain")
    assert s3.get_object(Bucket="photos", Key="a b.txt")["Body"].read() == b"v2"
    wrong = aws("s3", config=v2, **admin_with(tsb, aws_secret_access_key="not-the-secret"))
    err = error_of(wrong.get_object, Bucket="photos", Key="a b.txt")
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)


def test_iam_users_access_keys_are_known_and_inactive_ones_refused(tsb, aws):
    iam = aws("iam")
    iam.create_user(UserName="builder")
    key = iam.create_access_key(UserName="builder")["AccessKey"]
    mine = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    assert aws("sts", **mine).get_caller_identity()["Arn"].endswith(":user/builder")
    assert error_of(aws("sts", **dict(mine, aws_secret_access_key="x" * 40)).get_caller_identity).code == "SignatureDoesNotMatch"
    iam.update_access_key(UserName="builder", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert error_of(aws("sts", **mine).get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)


def test_credential_scope_must_match_the_endpoint(sb):
    """Signed for eu-west-1 but sent to us-east-1's endpoint: ``InvalidSignatureException`` "Credential
    should be scoped to a valid region"; for another service: "...scoped to correct service"."""
    other_region = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
    err = error_of(other_region.list_tables)
    assert err.code == "InvalidSignatureException" and err.message.startswith("Credential should be scoped to a valid region")
    other_service = boto3.client("dynamodb", endpoint_url="https://cognito-idp.us-east-1.amazonaws.com")
    err = error_of(other_service.list_tables)
    assert err.code == "InvalidSignatureException" and "correct service: 'cognito-idp'" in err.message
