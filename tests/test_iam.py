"""IAM enforcement of temporary credentials (labkit.iam, labkit.actions): the sandbox says no where AWS does.

Credentials are issued directly with ``sb.issued.issue(...)`` for roles made with plain boto3 IAM calls,
as Cognito identity pools and STS issue them. Every test here fails on raw moto, whose opt-in access
control ignores conditions and policy variables, scopes DynamoDB to ``*``, answers denials in XML
(boto3 shows ``403``) and knows nothing of the sandbox's issued keys.
"""

import json

import boto3
import pytest

import labkit
from labkit.iam import explain_last
from support import error_of

ACCOUNT = "123456789012"
COGNITO_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                   "Action": "sts:AssumeRoleWithWebIdentity"}],
})
DEFAULT_AUTH_POLICY = {  # what the console's quick identity-pool set-up gives an authenticated role
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": "*"}],
}
SUB = "cognito-identity.amazonaws.com:sub"
PRIVATE_PREFIX_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "OwnObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": "arn:aws:s3:::photos/private/${cognito-identity.amazonaws.com:sub}/*"},
        {"Sid": "ListOwnPrefix", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos",
         "Condition": {"StringLike": {"s3:prefix": "private/${cognito-identity.amazonaws.com:sub}/*"}}},
    ],
}
LEADING_KEYS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OwnItems", "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
        "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes",
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}},
    }],
}


def make_role(name, *policies, managed=()):
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=COGNITO_TRUST)["Role"]
    for i, doc in enumerate(policies):
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}Policy{i}", PolicyDocument=json.dumps(doc))
    for doc in managed:
        arn = iam.create_policy(PolicyName=f"{name}Managed", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return role


def issue(sb, role, sub="us-east-1:11111111-1111-1111-1111-111111111111", duration=3600, session_policies=()):
    return sb.issued.issue(
        role_arn=role["Arn"], role_id=role["RoleId"], session_name="CognitoIdentityCredentials",
        duration=duration, source="GetCredentialsForIdentity", identity_id=sub,
        context={SUB: sub, "cognito-identity.amazonaws.com:aud": "us-east-1:pool", "cognito-identity.amazonaws.com:amr": ["authenticated"]},
        session_policies=session_policies,
    )


def as_user(creds, service, **kw):
    return boto3.client(service, **creds.as_boto3(), **kw)


@pytest.fixture
def bucket(sb):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="photos")
    return s3


@pytest.fixture
def notes(sb):
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="Notes",
        KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "note", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "note", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


# ---------------------------------------------------------------------------------------------- S3


def test_default_limited_role_is_denied_s3_with_aws_code_and_message(sb, bucket):
    """The quick set-up's role allows only cognito-sync and mobileanalytics: the first S3 call is
    AccessDenied with AWS's wording. Raw moto: no enforcement for unknown keys, so the call succeeds."""
    bucket.put_object(Bucket="photos", Key="cat.jpg", Body=b"meow")
    creds = issue(sb, make_role("Cognito_Auth_Role", DEFAULT_AUTH_POLICY))
    resp = error_of(as_user(creds, "s3").get_object, Bucket="photos", Key="cat.jpg")
    assert resp.status == 403
    assert resp.code == "AccessDenied"
    assert resp.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Cognito_Auth_Role/CognitoIdentityCredentials is not authorized "
        'to perform: s3:GetObject on resource: "arn:aws:s3:::photos/cat.jpg" because no identity-based policy '
        "allows the s3:GetObject action"
    )
    # An action on no resource in particular is named alone.
    assert error_of(as_user(creds, "s3").list_buckets).message.endswith(
        "is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action")
    # HeadObject is authorized as s3:GetObject; S3 answers a HEAD with no body, so boto3 shows "403".
    assert error_of(as_user(creds, "s3").head_object, Bucket="photos", Key="cat.jpg").code == "403"


def test_private_prefix_policy_variable_allows_own_prefix_only(sb, bucket):
    """``${cognito-identity.amazonaws.com:sub}`` is substituted per caller. Raw moto does not substitute
    policy variables, so the own-prefix allow would deny everything."""
    me, other = "us-east-1:aaaa", "us-east-1:bbbb"
    creds = issue(sb, make_role("Auth", PRIVATE_PREFIX_POLICY), sub=me)
    s3 = as_user(creds, "s3")
    s3.put_object(Bucket="photos", Key=f"private/{me}/note.txt", Body=b"mine")
    assert s3.get_object(Bucket="photos", Key=f"private/{me}/note.txt")["Body"].read() == b"mine"
    listed = s3.list_objects_v2(Bucket="photos", Prefix=f"private/{me}/")
    assert [o["Key"] for o in listed["Contents"]] == [f"private/{me}/note.txt"]
    assert error_of(s3.put_object, Bucket="photos", Key=f"private/{other}/x.txt", Body=b"x").code == "AccessDenied"
    # Listing without the prefix condition satisfied (s3:prefix missing or another user's) is denied.
    assert error_of(s3.list_objects_v2, Bucket="photos").code == "AccessDenied"
    assert error_of(s3.list_objects_v2, Bucket="photos", Prefix=f"private/{other}/").code == "AccessDenied"


def test_two_identities_cannot_read_each_others_data(sb, bucket, notes):
    """Cross-user isolation with one role: S3 private prefix and DynamoDB LeadingKeys. Raw moto: the
    variables stay literal and DynamoDB resources are ``*``, so nothing isolates the two users."""
    role = make_role("Cognito_Auth_Role", PRIVATE_PREFIX_POLICY, LEADING_KEYS_POLICY)
    alice_id, bob_id = "us-east-1:aaaa-1111", "us-east-1:bbbb-2222"
    alice, bob = issue(sb, role, sub=alice_id), issue(sb, role, sub=bob_id)
    for who, ident in ((alice, alice_id), (bob, bob_id)):
        as_user(who, "s3").put_object(Bucket="photos", Key=f"private/{ident}/diary.txt", Body=ident.encode())
        as_user(who, "dynamodb").put_item(TableName="Notes", Item={"owner": {"S": ident}, "note": {"S": "1"}, "text": {"S": ident}})

    a_s3, a_ddb = as_user(alice, "s3"), as_user(alice, "dynamodb")
    assert a_s3.get_object(Bucket="photos", Key=f"private/{alice_id}/diary.txt")["Body"].read() == alice_id.encode()
    assert error_of(a_s3.get_object, Bucket="photos", Key=f"private/{bob_id}/diary.txt").code == "AccessDenied"
    own = a_ddb.get_item(TableName="Notes", Key={"owner": {"S": alice_id}, "note": {"S": "1"}})
    assert own["Item"]["text"]["S"] == alice_id
    resp = error_of(a_ddb.get_item, TableName="Notes", Key={"owner": {"S": bob_id}, "note": {"S": "1"}})
    assert resp.code == "AccessDeniedException"
    assert resp.status == 400
    q = a_ddb.query(TableName="Notes", KeyConditionExpression="#o = :me",
                    ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":me": {"S": alice_id}})
    assert q["Count"] == 1
    assert error_of(a_ddb.query, TableName="Notes", KeyConditionExpression=":u = #o", ExpressionAttributeNames={"#o": "owner"},
                 ExpressionAttributeValues={":u": {"S": bob_id}}).code == "AccessDeniedException"
    # Bob cannot write into Alice's partition either.
    assert error_of(as_user(bob, "dynamodb").put_item, TableName="Notes",
                 Item={"owner": {"S": alice_id}, "note": {"S": "2"}}).code == "AccessDeniedException"
    # Scan is not in the policy's actions: denied, with the table ARN in AWS's message.
    msg = error_of(a_ddb.scan, TableName="Notes").message
    assert msg.endswith(f"on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes because no identity-based policy allows the dynamodb:Scan action")


def test_explicit_deny_wins_and_says_so(sb, bucket):
    """An explicit Deny overrides an Allow, and the message says "with an explicit deny in an
    identity-based policy". Raw moto: issued keys are unknown to it; no denial at all."""
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    no_delete = {"Version": "2012-10-17", "Statement": [{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}
    creds = issue(sb, make_role("R", allow_all, no_delete))
    s3 = as_user(creds, "s3")
    s3.put_object(Bucket="photos", Key="k", Body=b"1")
    resp = error_of(s3.delete_object, Bucket="photos", Key="k")
    assert resp.code == "AccessDenied"
    assert resp.message.endswith('on resource: "arn:aws:s3:::photos/k" with an explicit deny in an identity-based policy')
    text = explain_last(sb)
    assert "NoDelete" in text and "DENIED (explicit)" in text


def test_bucket_policy_can_allow_a_principal_without_identity_permissions(sb, bucket):
    """Same account: a bucket policy naming the role session allows it even with no identity policy;
    a bucket-policy Deny is reported as "in a resource-based policy". Raw moto ignores both for these keys."""
    bucket.put_object(Bucket="photos", Key="shared/readme.txt", Body=b"hello")
    bucket.put_object(Bucket="photos", Key="secret/x.txt", Body=b"no")
    reader = make_role("Reader", DEFAULT_AUTH_POLICY)
    outsider = make_role("Outsider", DEFAULT_AUTH_POLICY)
    bucket.put_bucket_policy(Bucket="photos", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReaderMayRead", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/Reader/CognitoIdentityCredentials"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"},
            {"Sid": "NoSecrets", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::photos/secret/*"},
        ],
    }))
    r = as_user(issue(sb, reader), "s3")
    assert r.get_object(Bucket="photos", Key="shared/readme.txt")["Body"].read() == b"hello"
    resp = error_of(r.get_object, Bucket="photos", Key="secret/x.txt")
    assert resp.message.endswith("with an explicit deny in a resource-based policy")
    assert error_of(as_user(issue(sb, outsider), "s3").get_object, Bucket="photos", Key="shared/readme.txt").code == "AccessDenied"


def test_session_policy_narrows_the_role(sb, bucket):
    """Session policies intersect with the role's: "because no session policy allows". Raw moto: none."""
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    only_get = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    bucket.put_object(Bucket="photos", Key="k", Body=b"1")
    s3 = as_user(issue(sb, make_role("R", allow_all), session_policies=[only_get]), "s3")
    assert s3.get_object(Bucket="photos", Key="k")["Body"].read() == b"1"
    msg = error_of(s3.put_object, Bucket="photos", Key="k", Body=b"2").message
    assert msg.endswith("because no session policy allows the s3:PutObject action")


def test_policy_changes_apply_to_existing_sessions(sb, bucket):
    """Policies are read from IAM on every call (as AWS evaluates them): attaching a managed policy to
    the role lets an already-issued session in. Raw moto never denied in the first place."""
    bucket.put_object(Bucket="photos", Key="k", Body=b"1")
    role = make_role("R", DEFAULT_AUTH_POLICY)
    s3 = as_user(issue(sb, role), "s3")
    assert error_of(s3.get_object, Bucket="photos", Key="k").code == "AccessDenied"
    iam = boto3.client("iam")
    arn = iam.create_policy(PolicyName="ReadPhotos", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="R", PolicyArn=arn)
    assert s3.get_object(Bucket="photos", Key="k")["Body"].read() == b"1"
    assert "ReadPhotos (managed)" in explain_last(sb, denied=False)


def test_put_object_acl_condition_key(sb, bucket):
    """``s3:x-amz-acl`` comes from the request header: a Deny on public-read ACLs applies. Raw moto
    ignores conditions on an allow and applies a conditional deny unconditionally."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": "arn:aws:s3:::photos/*"},
        {"Effect": "Deny", "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": "*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}}},
    ]}
    s3 = as_user(issue(sb, make_role("R", policy)), "s3")
    s3.put_object(Bucket="photos", Key="k", Body=b"1", ACL="private")
    s3.put_object_acl(Bucket="photos", Key="k", ACL="private")
    assert error_of(s3.put_object_acl, Bucket="photos", Key="k", ACL="public-read").code == "AccessDenied"


# ---------------------------------------------------------------------------------------------- credentials


def test_expired_credentials_get_each_services_expired_error(sb, bucket, notes):
    """After expiry: S3 ``ExpiredToken`` (400), DynamoDB ``ExpiredTokenException`` (400), STS
    ``ExpiredToken`` (403). Raw moto never expires credentials."""
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    creds = issue(sb, make_role("R", allow_all), duration=900)
    as_user(creds, "dynamodb").describe_table(TableName="Notes")
    sb.advance(901)
    resp = error_of(as_user(creds, "s3").list_objects_v2, Bucket="photos")
    assert (resp.code, resp.message, resp.status) == (
        "ExpiredToken", "The provided token has expired.", 400)
    resp = error_of(as_user(creds, "dynamodb").describe_table, TableName="Notes")
    assert (resp.code, resp.message) == ("ExpiredTokenException", "The security token included in the request is expired")
    assert error_of(as_user(creds, "sts").get_caller_identity).code == "ExpiredToken"


def test_unknown_key_and_wrong_session_token(sb, bucket):
    """An ASIA key nobody issued: S3 ``InvalidAccessKeyId``, DynamoDB ``UnrecognizedClientException``;
    the right key with another session token: S3 ``InvalidToken``. Raw moto accepts any key."""
    fake = {"aws_access_key_id": "ASIAFAKEFAKEFAKEFAKE", "aws_secret_access_key": "x" * 40, "aws_session_token": "tok"}
    assert error_of(boto3.client("s3", **fake).list_objects_v2, Bucket="photos").code == "InvalidAccessKeyId"
    assert error_of(boto3.client("dynamodb", **fake).list_tables).code == "UnrecognizedClientException"
    creds = issue(sb, make_role("R", DEFAULT_AUTH_POLICY))
    wrong = dict(creds.as_boto3(), aws_session_token="IQoJb3JpZ2luX2VjEnot-the-token")
    assert error_of(boto3.client("s3", **wrong).list_objects_v2, Bucket="photos").code == "InvalidToken"


def test_admin_key_and_unsigned_public_operations_are_unrestricted(sb, bucket):
    """The sandbox's administrator key is never checked, and operations AWS serves unsigned (GetId,
    InitiateAuth...) work from a client holding limited credentials. Raw moto with access control on
    crashes on unsigned operations (KeyError 'HTTP_AUTHORIZATION')."""
    bucket.put_object(Bucket="photos", Key="k", Body=b"admin")
    ci = boto3.client("cognito-identity")
    pool = ci.create_identity_pool(IdentityPoolName="p", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    creds = issue(sb, make_role("R", DEFAULT_AUTH_POLICY))
    user_ci = as_user(creds, "cognito-identity")
    assert user_ci.get_id(IdentityPoolId=pool)["IdentityId"]
    # A client that signs a public operation anyway (other SDKs, the CLI over HTTP) is not checked either.
    from labkit.wire.request import Headers, Request, classify

    req = Request("POST", "https://cognito-identity.us-east-1.amazonaws.com/", Headers({
        "X-Amz-Target": "AWSCognitoIdentityService.GetId",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={creds.access_key_id}/20261126/us-east-1/cognito-identity/aws4_request, SignedHeaders=host, Signature=0",
    }), b"{}")
    classify(req, "us-east-1")
    assert sb.components["iam"].guard(req) is None
    assert boto3.client("s3").get_object(Bucket="photos", Key="k")["Body"].read() == b"admin"


def test_get_caller_identity_needs_no_permission(sb):
    """"No permissions are required to perform this operation" (STS GetCallerIdentity): even a role
    with no policy at all may call it. Raw moto does not know the key either way."""
    creds = issue(sb, make_role("Empty"))
    assert as_user(creds, "sts").get_caller_identity()["Account"] == ACCOUNT


# ---------------------------------------------------------------------------------------------- other services


def test_dynamodb_table_scoped_allow_and_wrong_region(sb, notes):
    """A table-scoped Allow works (raw moto scopes DynamoDB to ``*`` and denies it), and the same
    table name asked for in another region is a different ARN: AccessDeniedException, not a 404."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes"}]}
    creds = issue(sb, make_role("R", policy))
    assert as_user(creds, "dynamodb").describe_table(TableName="Notes")["Table"]["TableName"] == "Notes"
    resp = error_of(as_user(creds, "dynamodb", region_name="us-west-2").describe_table, TableName="Notes")
    assert resp.code == "AccessDeniedException"
    assert f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/Notes" in resp.message


def test_lambda_and_cognito_sync_denials_use_their_own_codes(sb):
    """Lambda: 403 ``AccessDeniedException`` for ``lambda:InvokeFunction``; Cognito Sync: 403
    ``NotAuthorizedException`` (its model's only authorization error). Raw moto: SignatureDoesNotMatch
    for Lambda under access control, and Cognito Sync is a 404."""
    creds = issue(sb, make_role("R", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
    resp = error_of(as_user(creds, "lambda").invoke, FunctionName="resize")
    assert (resp.code, resp.status) == ("AccessDeniedException", 403)
    assert f"lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize" in resp.message
    resp = error_of(as_user(creds, "cognito-sync").list_records, IdentityPoolId="us-east-1:pool", IdentityId="us-east-1:me", DatasetName="prefs")
    assert (resp.code, resp.status) == ("NotAuthorizedException", 403)
    record = sb.components["iam"].last(denied=True)
    assert record.action == "cognito-sync:ListRecords"
    assert record.resource == f"arn:aws:cognito-sync:us-east-1:{ACCOUNT}:identitypool/us-east-1:pool/identity/us-east-1:me/dataset/prefs"


def test_denial_over_http_transport(served_sb):
    """The same decision for a client that reaches the sandbox over HTTP (path-style S3 address)."""
    import botocore.config

    admin = boto3.client("s3", endpoint_url=served_sb.endpoint_url)
    admin.create_bucket(Bucket="photos")
    admin.put_object(Bucket="photos", Key="a.txt", Body=b"1")
    creds = issue(served_sb, make_role("R", DEFAULT_AUTH_POLICY))
    s3 = boto3.client("s3", endpoint_url=served_sb.endpoint_url, config=botocore.config.Config(s3={"addressing_style": "path"}), **creds.as_boto3())
    resp = error_of(s3.get_object, Bucket="photos", Key="a.txt")
    assert resp.code == "AccessDenied"
    assert '"arn:aws:s3:::photos/a.txt"' in resp.message


# ---------------------------------------------------------------------------------------------- explanations


def test_explain_last_names_the_failed_condition_and_variable_values(sb, bucket):
    """"Why was I denied?": the explanation shows the statement, the condition that failed and what
    the policy variable became. (No such explanation exists in moto.)"""
    misspelt = json.loads(json.dumps(PRIVATE_PREFIX_POLICY).replace("amazonaws.com:sub}", "amazonaws.com:sup}"))
    me = "us-east-1:aaaa"
    s3 = as_user(issue(sb, make_role("R", misspelt), sub=me), "s3")
    assert error_of(s3.list_objects_v2, Bucket="photos", Prefix=f"private/{me}/").code == "AccessDenied"
    text = explain_last(sb)
    assert "ListOwnPrefix" in text and "s3:prefix" in text
    assert "${cognito-identity.amazonaws.com:sup} has no value" in text
    records = labkit.iam.decisions(sb)
    assert records[-1].action == "s3:ListBucket" and not records[-1].allowed
    assert records[-1].keys["s3:prefix"] == f"private/{me}/"
    assert records[-1].call == list(sb.calls)[-1].seq


def test_missing_key_is_403_without_list_bucket_and_404_with_it(sb, bucket):
    """S3 answers NoSuchKey (404) only to a caller allowed s3:ListBucket; anyone else gets 403, so
    that keys cannot be probed. Raw moto always answers 404 NoSuchKey."""
    me = "us-east-1:aaaa"
    only_get = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]}
    s3 = as_user(issue(sb, make_role("R", only_get), sub=me), "s3")
    resp = error_of(s3.get_object, Bucket="photos", Key="nope.txt")
    assert (resp.code, resp.status) == ("AccessDenied", 403)
    assert error_of(s3.head_object, Bucket="photos", Key="nope.txt").code == "403"
    record = sb.components["iam"].last(denied=True)
    assert record.action == "s3:ListBucket" and "NoSuchKey" in record.explain()
    with_list = {"Version": "2012-10-17", "Statement": only_get["Statement"] + [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos"}]}
    s3 = as_user(issue(sb, make_role("Lister", with_list), sub=me), "s3")
    assert error_of(s3.get_object, Bucket="photos", Key="nope.txt").code == "NoSuchKey"


def test_sessions_from_sts_assume_role_are_limited_too(sb, bucket):
    """Credentials from STS AssumeRole (whoever implements it: labkit's STS or moto's) carry the
    role's permissions only. Raw moto: its own ASIA keys are never checked."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="Limited", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName="Limited", PolicyName="p", PolicyDocument=json.dumps(DEFAULT_AUTH_POLICY))
    c = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="alice")["Credentials"]
    s3 = boto3.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    resp = error_of(s3.list_objects_v2, Bucket="photos")
    assert resp.code == "AccessDenied"
    assert f"assumed-role/Limited/alice is not authorized to perform: s3:ListBucket" in resp.message


def test_end_to_end_identity_pool_credentials(sb, bucket, notes):
    """Through the real flow: user pool sign-in -> GetId -> GetCredentialsForIdentity. The quick set-up's
    role denies S3; after the learner's policy, each user reaches only their own prefix and partition.
    Raw moto: constant TESTACCESSKEY12345 credentials that no policy limits."""
    from labkit.identitypools import quick_identity_pool

    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="app")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    ids = quick_identity_pool(sb, "Photos", allow_guests=False, user_pool=(pool, client))
    ci = boto3.client("cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"

    def sign_in(user):
        idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username=user, Password="Correct-Horse-9", Permanent=True)
        token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": user, "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]["IdToken"]
        identity = ci.get_id(IdentityPoolId=ids["IdentityPoolId"], Logins={provider: token})["IdentityId"]
        c = ci.get_credentials_for_identity(IdentityId=identity, Logins={provider: token})["Credentials"]
        session = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"], aws_session_token=c["SessionToken"])
        return identity, session

    alice_id, alice = sign_in("alice")
    bob_id, bob = sign_in("bob")
    assert error_of(alice.client("s3").put_object, Bucket="photos", Key=f"private/{alice_id}/a", Body=b"1").code == "AccessDenied"

    role_name = ids["AuthenticatedRoleArn"].rsplit("/", 1)[1]
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=role_name, PolicyName="private-prefix", PolicyDocument=json.dumps(PRIVATE_PREFIX_POLICY))
    iam.put_role_policy(RoleName=role_name, PolicyName="own-partition", PolicyDocument=json.dumps(LEADING_KEYS_POLICY))
    alice.client("s3").put_object(Bucket="photos", Key=f"private/{alice_id}/a", Body=b"alice")
    alice.client("dynamodb").put_item(TableName="Notes", Item={"owner": {"S": alice_id}, "note": {"S": "1"}})
    assert error_of(bob.client("s3").get_object, Bucket="photos", Key=f"private/{alice_id}/a").code == "AccessDenied"
    assert error_of(bob.client("dynamodb").get_item, TableName="Notes",
                 Key={"owner": {"S": alice_id}, "note": {"S": "1"}}).code == "AccessDeniedException"
    assert bob.client("dynamodb").get_item(TableName="Notes", Key={"owner": {"S": bob_id}, "note": {"S": "1"}}).get("Item") is None


def test_iam_and_sts_denials_are_query_protocol_access_denied(sb):
    """A learner's limited credentials cannot change IAM: ``AccessDenied`` (403) naming ``role <name>``
    as IAM does; a user pool admin API gives ``AccessDeniedException``. Raw moto: allowed."""
    role = make_role("Auth", DEFAULT_AUTH_POLICY)
    creds = issue(sb, role)
    resp = error_of(as_user(creds, "iam").put_role_policy, RoleName="Auth", PolicyName="x", PolicyDocument=json.dumps(DEFAULT_AUTH_POLICY))
    assert (resp.code, resp.status) == ("AccessDenied", 403)
    assert resp.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Auth/CognitoIdentityCredentials is not authorized to perform: "
        "iam:PutRolePolicy on resource: role Auth because no identity-based policy allows the iam:PutRolePolicy action")
    resp = error_of(as_user(creds, "cognito-idp").list_users, UserPoolId="us-east-1_abcdefghi")
    assert (resp.code, resp.status) == ("AccessDeniedException", 400)
    assert "cognito-idp:ListUsers on resource: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abcdefghi" in resp.message


def test_presigned_url_carries_the_signers_permissions(served_sb):
    """A presigned URL is authorized as its signer at the time it is used: the signer's own object
    downloads, another user's is 403 AccessDenied. Raw moto serves both."""
    import requests
    from botocore.config import Config

    admin = boto3.client("s3", endpoint_url=served_sb.endpoint_url)
    admin.create_bucket(Bucket="photos")
    me, other = "us-east-1:aaaa", "us-east-1:bbbb"
    for who in (me, other):
        admin.put_object(Bucket="photos", Key=f"private/{who}/p.jpg", Body=who.encode())
    creds = issue(served_sb, make_role("R", PRIVATE_PREFIX_POLICY), sub=me)
    s3 = boto3.client("s3", endpoint_url=served_sb.endpoint_url, config=Config(s3={"addressing_style": "path"}), **creds.as_boto3())
    mine = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": f"private/{me}/p.jpg"}, ExpiresIn=300)
    theirs = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": f"private/{other}/p.jpg"}, ExpiresIn=300)
    assert requests.get(mine, timeout=10).content == me.encode()
    denied = requests.get(theirs, timeout=10)
    assert denied.status_code == 403 and b"<Code>AccessDenied</Code>" in denied.content


def test_iam_user_access_keys_are_limited_by_user_and_group_policies(sb, bucket):
    """A long-term key from ``iam.create_access_key`` acts as its user: the user's and its groups'
    policies apply (``aws:username`` is set), and a deactivated key is refused. Raw moto: unchecked."""
    iam = boto3.client("iam")
    iam.create_user(UserName="backend")
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="backend")
    iam.put_group_policy(GroupName="readers", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::photos/home/${aws:username}/*"}]}))
    key = iam.create_access_key(UserName="backend")["AccessKey"]
    s3 = boto3.client("s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    bucket.put_object(Bucket="photos", Key="home/backend/a.txt", Body=b"ok")
    bucket.put_object(Bucket="photos", Key="home/other/a.txt", Body=b"no")
    assert s3.get_object(Bucket="photos", Key="home/backend/a.txt")["Body"].read() == b"ok"
    resp = error_of(s3.get_object, Bucket="photos", Key="home/other/a.txt")
    assert resp.message.startswith(f"User: arn:aws:iam::{ACCOUNT}:user/backend is not authorized to perform: s3:GetObject")
    assert "read (inline) via group readers" in sb.components["iam"].last(denied=True).policies
    iam.update_access_key(UserName="backend", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert error_of(s3.get_object, Bucket="photos", Key="home/backend/a.txt").code == "InvalidAccessKeyId"


def test_role_chaining_needs_identity_allow_and_trust_with_sts_keys(sb, bucket):
    """A role session assuming another role needs ``sts:AssumeRole`` in its own policy and a trust
    policy that allows it, conditions on ``sts:ExternalId`` included. Raw moto ignores both."""
    iam = boto3.client("iam")
    target = iam.create_role(RoleName="Target", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "lab-5"}}}]}))["Role"]
    may_assume = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target["Arn"]}]}
    sts_limited = as_user(issue(sb, make_role("Limited", DEFAULT_AUTH_POLICY)), "sts")
    sts_chainer = as_user(issue(sb, make_role("Chainer", may_assume)), "sts")
    assert error_of(sts_limited.assume_role, RoleArn=target["Arn"], RoleSessionName="s1", ExternalId="lab-5").code == "AccessDenied"
    assert error_of(sts_chainer.assume_role, RoleArn=target["Arn"], RoleSessionName="s1", ExternalId="wrong").code == "AccessDenied"
    creds = sts_chainer.assume_role(RoleArn=target["Arn"], RoleSessionName="s1", ExternalId="lab-5")["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")


def test_identity_policy_with_a_principal_is_malformed(sb):
    """IAM refuses a Principal in an identity-based policy ("Policy document should not specify a
    principal."), as AWS does. Raw moto stores it, and then nothing the role does can be evaluated."""
    make_role("R")
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
    resp = error_of(boto3.client("iam").put_role_policy, RoleName="R", PolicyName="p", PolicyDocument=json.dumps(doc))
    assert (resp.code, resp.message, resp.status) == (
        "MalformedPolicyDocument", "Policy document should not specify a principal.", 400)
    assert error_of(boto3.client("iam").create_policy, PolicyName="p", PolicyDocument=json.dumps(doc)).code == "MalformedPolicyDocument"
    # A valid document still goes through to IAM (moto) and is stored.
    del doc["Statement"][0]["Principal"]
    boto3.client("iam").put_role_policy(RoleName="R", PolicyName="p", PolicyDocument=json.dumps(doc))
    assert boto3.client("iam").get_role_policy(RoleName="R", PolicyName="p")["PolicyDocument"]["Statement"][0]["Action"] == "s3:GetObject"


def test_role_and_role_policies_read_iams_state_now(sb):
    """labkit.iam.role / role_policies: the one place STS, web identity and the guard find a role and its
    permissions. A role ARN must be the role's own (path included) unless looked up by name."""
    iam = boto3.client("iam")
    made = iam.create_role(RoleName="Reader", Path="/app/", AssumeRolePolicyDocument=COGNITO_TRUST)["Role"]
    iam.put_role_policy(RoleName="Reader", PolicyName="inline", PolicyDocument=json.dumps(DEFAULT_AUTH_POLICY))
    arn = iam.create_policy(PolicyName="managed", PolicyDocument=json.dumps(PRIVATE_PREFIX_POLICY))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="Reader", PolicyArn=arn)
    role = labkit.iam.role(sb, made["Arn"])
    assert role is not None and role.name == "Reader"
    assert labkit.iam.role(sb, f"arn:aws:iam::{ACCOUNT}:role/Reader") is None
    assert labkit.iam.role(sb, f"arn:aws:iam::{ACCOUNT}:role/Reader", by_name=True) is role
    assert labkit.iam.role(sb, f"arn:aws:iam::{ACCOUNT}:role/app/Nobody") is None
    assert [json.loads(t) for t in labkit.iam.role_policies(sb, role)] == [DEFAULT_AUTH_POLICY, PRIVATE_PREFIX_POLICY]
    iam.delete_role_policy(RoleName="Reader", PolicyName="inline")
    assert [json.loads(t) for t in labkit.iam.role_policies(sb, role)] == [PRIVATE_PREFIX_POLICY]


def test_policy_without_version_is_accepted_inline_and_its_variables_stay_literal(tsb, aws):
    """IAM accepts an inline or trust policy without ``Version`` (it defaults to 2008-10-17) and does not
    substitute policy variables in it (IAM User Guide, *IAM JSON policy elements: Version*); a managed
    policy must say 2012-10-17. Raw moto refuses every policy without Version."""
    iam, s3 = aws("iam"), aws("s3")
    s3.create_bucket(Bucket="photos")
    role = iam.create_role(RoleName="Legacy", AssumeRolePolicyDocument=COGNITO_TRUST)["Role"]
    unversioned = {"Statement": [dict(PRIVATE_PREFIX_POLICY["Statement"][0], Action=["s3:GetObject", "s3:PutObject"])]}
    iam.put_role_policy(RoleName="Legacy", PolicyName="prefix", PolicyDocument=json.dumps(unversioned))
    assert iam.get_role_policy(RoleName="Legacy", PolicyName="prefix")["PolicyDocument"] == unversioned
    legacy = dict(DEFAULT_AUTH_POLICY, Version="2008-10-17")
    iam.put_role_policy(RoleName="Legacy", PolicyName="sync", PolicyDocument=json.dumps(legacy))
    assert iam.get_role_policy(RoleName="Legacy", PolicyName="sync")["PolicyDocument"] == legacy

    me = "us-east-1:11111111-1111-1111-1111-111111111111"
    creds = issue(tsb, role, sub=me)
    client = aws("s3", **creds.as_boto3())
    resp = error_of(client.put_object, Bucket="photos", Key=f"private/{me}/a.txt", Body=b"1")
    assert (resp.code, resp.status) == ("AccessDenied", 403)  # ${...} is literal text in a 2008-10-17 policy
    client.put_object(Bucket="photos", Key="private/${cognito-identity.amazonaws.com:sub}/a.txt", Body=b"1")
    assert "prefix (inline)" in tsb.components["iam"].last().policies

    # Other checks still apply, and a managed policy needs the current version (AWS's message).
    bad = error_of(iam.put_role_policy, RoleName="Legacy", PolicyName="x",
                   PolicyDocument=json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}))
    assert (bad.code, bad.status) == ("MalformedPolicyDocument", 400)
    assert error_of(iam.put_role_policy, RoleName="Nobody", PolicyName="x",
                    PolicyDocument=json.dumps(unversioned)).code == "NoSuchEntity"
    managed = error_of(iam.create_policy, PolicyName="m", PolicyDocument=json.dumps(unversioned))
    assert (managed.code, managed.message) == ("MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.")

    trust = {"Statement": json.loads(COGNITO_TRUST)["Statement"]}
    iam.update_assume_role_policy(RoleName="Legacy", PolicyDocument=json.dumps(trust))
    assert iam.get_role(RoleName="Legacy")["Role"]["AssumeRolePolicyDocument"] == trust


def test_create_saml_provider_with_an_existing_name_is_entity_already_exists(aws):
    """AWS refuses a second SAML provider of the same name (EntityAlreadyExists, 409) and keeps the first;
    raw moto replaces it silently."""
    def metadata(domain):
        return (f'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://{domain}/adfs/services/trust">'
                '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing">'
                f'<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>MIIC{"A" * 1000}</X509Certificate>'
                '</X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>')  # IAM wants 1,000 characters or more

    iam = aws("iam")
    arn = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=metadata("corp.example.com"))["SAMLProviderArn"]
    err = error_of(iam.create_saml_provider, Name="corp", SAMLMetadataDocument=metadata("other.example.com"))
    assert (err.code, err.message, err.status) == ("EntityAlreadyExists", "Provider with name corp already exists.", 409)
    assert "corp.example.com" in iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]
    other = iam.create_saml_provider(Name="corp2", SAMLMetadataDocument=metadata("other.example.com"))
    assert other["SAMLProviderArn"] == f"arn:aws:iam::{ACCOUNT}:saml-provider/corp2"
