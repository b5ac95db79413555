"""STS: web identity tokens are validated, trust policies evaluated, credentials registered with IAM.

On raw moto (5.2.5) ``assume_role_with_web_identity`` never reads the token, ignores the trust policy
and works for a role that does not exist; ``assume_role`` ignores trust policies; the keys it returns
are unknown to ``get_caller_identity`` of other callers. Each test names what raw moto does.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from support import error_of

from labkit.identitypools import quick_identity_pool

GOOGLE_CLIENT = "1234567890-abc.apps.googleusercontent.com"
ACCOUNT = "123456789012"


def make_role(name, trust, **kw):
    return boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **kw)["Role"]["Arn"]


def federated_trust(principal, conditions=None, action="sts:AssumeRoleWithWebIdentity"):
    statement = {"Effect": "Allow", "Principal": {"Federated": principal}, "Action": action}
    if conditions:
        statement["Condition"] = conditions
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.fixture
def sb(tsb):
    """Every test here runs twice, in-process and over HTTP (``transport``): the service does not depend on one."""
    return tsb


@pytest.fixture
def sts(aws):
    return aws("sts")


@pytest.fixture
def basic(sb, aws):
    """An identity pool with the classic flow on: (pool info, cognito-identity client)."""
    info = quick_identity_pool(sb, "Basic", google_client_id=GOOGLE_CLIENT, allow_classic_flow=True)
    return info, aws("cognito-identity")


def open_id_token(sb, basic, signed_in=True):
    info, ci = basic
    if not signed_in:
        iid = ci.get_id(IdentityPoolId=info["IdentityPoolId"])["IdentityId"]
        return iid, ci.get_open_id_token(IdentityId=iid)["Token"]
    logins = {"accounts.google.com": sb.idp("google").sign_in("alice@gmail.com", client_id=GOOGLE_CLIENT)}
    iid = ci.get_id(IdentityPoolId=info["IdentityPoolId"], Logins=logins)["IdentityId"]
    return iid, ci.get_open_id_token(IdentityId=iid, Logins=logins)["Token"]


def test_garbage_token_is_invalid_identity_token(sb, sts, basic):
    """Raw moto: "garbage" gets credentials."""
    info, _ = basic
    code, _ = error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="web", WebIdentityToken="garbage-token-x")
    assert code == "InvalidIdentityToken"
    code, _ = error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="bad name!", WebIdentityToken="garbage-token-x")
    assert code == "ValidationError"


def test_basic_flow_get_open_id_token_then_assume_role_with_web_identity(sb, sts, basic):
    """The basic flow gives the authenticated role for a signed-in identity (moto: any role, constant answer)."""
    info, _ = basic
    iid, token = open_id_token(sb, basic)
    answer = sts.assume_role_with_web_identity(RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="app-session", WebIdentityToken=token)
    assert answer["SubjectFromWebIdentityToken"] == iid
    assert answer["Audience"] == info["IdentityPoolId"]
    assert answer["Provider"] == "cognito-identity.amazonaws.com"
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Cognito_BasicAuth_Role/app-session"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    c = answer["Credentials"]
    who = boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                       aws_session_token=c["SessionToken"]).get_caller_identity()
    assert who["Arn"] == answer["AssumedRoleUser"]["Arn"] and who["UserId"] == answer["AssumedRoleUser"]["AssumedRoleId"]
    issued = sb.issued.get(c["AccessKeyId"])
    assert issued.context["cognito-identity.amazonaws.com:sub"] == iid and issued.source == "AssumeRoleWithWebIdentity"


def test_trust_policy_mismatch_is_access_denied(sb, sts, basic):
    """A guest's token cannot assume the authenticated role (amr condition); raw moto allows it."""
    info, _ = basic
    _, guest_token = open_id_token(sb, basic, signed_in=False)
    assert error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="guest", WebIdentityToken=guest_token) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    ok = sts.assume_role_with_web_identity(RoleArn=info["UnauthenticatedRoleArn"], RoleSessionName="guest", WebIdentityToken=guest_token)
    assert ok["AssumedRoleUser"]["Arn"].endswith("assumed-role/Cognito_BasicUnauth_Role/guest")


def test_role_that_does_not_exist_is_access_denied(sb, sts, basic):
    """Raw moto: credentials for a role that does not exist."""
    _, token = open_id_token(sb, basic)
    with pytest.raises(ClientError) as info:
        sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Nope", RoleSessionName="web", WebIdentityToken=token)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_expired_token_is_expired_token_exception(sb, sts, basic):
    info, _ = basic
    _, token = open_id_token(sb, basic)
    sb.advance(601)  # GetOpenIdToken tokens live 10 minutes
    code, message = error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="web", WebIdentityToken=token)
    assert code == "ExpiredTokenException" and message.startswith("Token expired: current date/time ")


def test_google_token_directly_with_a_google_trust_policy(sb, sts):
    """Web identity federation without Cognito: Principal Federated accounts.google.com, aud condition."""
    role = make_role("GoogleUsers", federated_trust("accounts.google.com", {"StringEquals": {"accounts.google.com:aud": GOOGLE_CLIENT}}))
    token = sb.idp("google").sign_in("bob@gmail.com", client_id=GOOGLE_CLIENT)
    answer = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="bob", WebIdentityToken=token)
    assert answer["Provider"] == "accounts.google.com" and answer["Audience"] == GOOGLE_CLIENT
    assert answer["SubjectFromWebIdentityToken"] == sb.idp("google").users["bob@gmail.com"].subject
    other = sb.idp("google").sign_in("bob@gmail.com", client_id="other.apps.googleusercontent.com")
    assert error_of(sts.assume_role_with_web_identity, RoleArn=role, RoleSessionName="bob", WebIdentityToken=other)[0] == "AccessDenied"


def test_oidc_provider_must_be_registered_in_iam(sb, sts):
    """A third-party OIDC issuer needs an IAM OIDC provider whose ClientIDList has the token's aud."""
    idp = sb.idp("oidc", issuer="https://login.example.com")
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/login.example.com"
    role = make_role("ExampleUsers", federated_trust(arn, {"StringEquals": {"login.example.com:aud": "my-client"}}))
    token = idp.sign_in("h@example.com", client_id="my-client")
    assert error_of(sts.assume_role_with_web_identity, RoleArn=role, RoleSessionName="hh", WebIdentityToken=token) == (
        "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://login.example.com")
    boto3.client("iam").create_open_id_connect_provider(Url="https://login.example.com", ClientIDList=["my-client"], ThumbprintList=["a" * 40])
    answer = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="hh", WebIdentityToken=token)
    assert answer["Provider"] == "https://login.example.com"
    wrong = idp.sign_in("h@example.com", client_id="not-registered")
    assert error_of(sts.assume_role_with_web_identity, RoleArn=role, RoleSessionName="hh", WebIdentityToken=wrong) == (
        "InvalidIdentityToken", "Incorrect token audience")


def test_facebook_access_token_with_provider_id(sb, sts):
    role = make_role("FacebookUsers", federated_trust("graph.facebook.com", {"StringEquals": {"graph.facebook.com:app_id": "1234567890123456"}}))
    token = sb.idp("facebook").sign_in("fb@example.com", app_id="1234567890123456")
    answer = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="fb", WebIdentityToken=token, ProviderId="graph.facebook.com")
    assert answer["Provider"] == "graph.facebook.com" and answer["SubjectFromWebIdentityToken"] == sb.idp("facebook").users["fb@example.com"].subject


def test_duration_limited_by_max_session_duration(sb, sts, basic):
    info, _ = basic
    _, token = open_id_token(sb, basic)
    code, message = error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="web",
                             WebIdentityToken=token, DurationSeconds=7200)
    assert code == "ValidationError" and "MaxSessionDuration" in message


def test_unsigned_web_identity_call(sb, aws):
    """AssumeRoleWithWebIdentity needs no signature (an app calls it before it has credentials): same checks."""
    import botocore

    info = quick_identity_pool(sb, "Http", google_client_id=GOOGLE_CLIENT, allow_classic_flow=True)
    ci = aws("cognito-identity")
    iid = ci.get_id(IdentityPoolId=info["IdentityPoolId"])["IdentityId"]
    token = ci.get_open_id_token(IdentityId=iid)["Token"]
    sts = aws("sts", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    ok = sts.assume_role_with_web_identity(RoleArn=info["UnauthenticatedRoleArn"], RoleSessionName="http", WebIdentityToken=token)
    assert ok["AssumedRoleUser"]["Arn"].endswith("/http")
    assert error_of(sts.assume_role_with_web_identity, RoleArn=info["AuthenticatedRoleArn"], RoleSessionName="http", WebIdentityToken=token)[0] == "AccessDenied"


# ------------------------------------------------------------------------------------------------ AssumeRole
def test_assume_role_by_admin_follows_the_trust_policy(sb, sts):
    """Raw moto: AssumeRole ignores the trust policy and the role's existence."""
    account_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    ops = make_role("Ops", account_trust)
    cognito_only = make_role("CognitoOnly", federated_trust("cognito-identity.amazonaws.com"))
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})
    answer = sts.assume_role(RoleArn=ops, RoleSessionName="admin-session", Policy=policy)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/admin-session"
    issued = sb.issued.get(answer["Credentials"]["AccessKeyId"])
    assert issued.session_policies == [policy] and issued.source == "AssumeRole"
    code, message = error_of(sts.assume_role, RoleArn=cognito_only, RoleSessionName="admin-session")
    assert code == "AccessDenied" and message.endswith(f"is not authorized to perform: sts:AssumeRole on resource: {cognito_only}")
    assert error_of(sts.assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Missing", RoleSessionName="x1")[0] == "AccessDenied"
    managed = boto3.client("iam").create_policy(PolicyName="ReadOnlyS3", PolicyDocument=policy)["Policy"]["Arn"]
    answer = sts.assume_role(RoleArn=ops, RoleSessionName="with-arns", PolicyArns=[{"arn": managed}])
    assert sb.issued.get(answer["Credentials"]["AccessKeyId"]).session_policies == [managed]
    missing = f"arn:aws:iam::{ACCOUNT}:policy/Missing"
    assert error_of(sts.assume_role, RoleArn=ops, RoleSessionName="with-arns", PolicyArns=[{"arn": missing}])[0] == "InvalidParameterValue"


def test_assume_role_with_issued_credentials_is_role_chaining(sb, sts):
    """Issued credentials may chain into a role that trusts their session; at most one hour."""
    first_role = make_role("First", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
    second_role = make_role("Second", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": first_role}, "Action": "sts:AssumeRole"}]}, MaxSessionDuration=7200)
    c = sts.assume_role(RoleArn=first_role, RoleSessionName="one")["Credentials"]
    chained = boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    answer = chained.assume_role(RoleArn=second_role, RoleSessionName="two")
    assert answer["AssumedRoleUser"]["Arn"].endswith("assumed-role/Second/two")
    code, _ = error_of(chained.assume_role, RoleArn=second_role, RoleSessionName="two", DurationSeconds=7200)
    assert code == "ValidationError"


def test_get_caller_identity_for_admin_falls_through(sb, sts):
    assert sts.get_caller_identity()["Account"] == ACCOUNT
