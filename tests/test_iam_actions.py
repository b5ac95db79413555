"""labkit.actions: the (action, resource, condition keys) AWS authorizes for a request, per service.

Requests are made with plain boto3 and caught before any service answers. Raw moto gets most of these
wrong or leaves them out: DynamoDB resources are ``*``, no ``dynamodb:LeadingKeys``/``s3:prefix``
keys, no Cognito Sync at all, HeadObject/CopyObject/DeleteObjects mapped to other actions.
"""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit
from labkit import actions
from labkit.wire.request import Response

ACCOUNT = "123456789012"
TABLES = {"Notes": ("owner", {"ByDate": "day"})}


@pytest.fixture(scope="module")
def caught():
    """``caught(service, operation, region=..., **params)`` -> the RequestAuthorizations of that call."""
    with labkit.Sandbox() as sb:
        seen = []

        def catch(request):
            seen.append(request)
            return Response(599, {}, b"")

        sb.dispatcher.guards.insert(0, catch)
        config = Config(retries={"max_attempts": 1})

        def call(service, operation, region="us-east-1", client_config=None, **params):
            client = boto3.client(service, region_name=region, config=client_config or config)
            try:
                getattr(client, operation)(**params)
            except ClientError:
                pass
            except Exception:
                pass
            return actions.authorizations(seen[-1], ACCOUNT, lambda region, name: TABLES.get(name))

        yield call


def one(result):
    assert len(result.checks) == 1
    c = result.checks[0]
    return c.action, c.resource, c.keys


def test_s3_object_operations(caught):
    r = caught("s3", "get_object", Bucket="photos", Key="private/a b/ü.txt")
    assert r.operation == "GetObject"
    assert one(r)[:2] == ("s3:GetObject", "arn:aws:s3:::photos/private/a b/ü.txt")
    assert one(caught("s3", "head_object", Bucket="photos", Key="k"))[:2] == ("s3:GetObject", "arn:aws:s3:::photos/k")
    assert one(caught("s3", "get_object", Bucket="photos", Key="k", VersionId="v1"))[0] == "s3:GetObjectVersion"
    assert one(caught("s3", "delete_object", Bucket="photos", Key="k"))[0] == "s3:DeleteObject"
    action, _, keys = one(caught("s3", "put_object_acl", Bucket="photos", Key="k", ACL="public-read"))
    assert (action, keys["s3:x-amz-acl"]) == ("s3:PutObjectAcl", "public-read")
    r = caught("s3", "copy_object", Bucket="photos", Key="dst", CopySource={"Bucket": "other", "Key": "src/x"})
    assert r.operation == "CopyObject"
    assert [(c.action, c.resource, c.bucket) for c in r.checks] == [
        ("s3:PutObject", "arn:aws:s3:::photos/dst", "photos"), ("s3:GetObject", "arn:aws:s3:::other/src/x", "other")]
    r = caught("s3", "delete_objects", Bucket="photos", Delete={"Objects": [{"Key": "a"}, {"Key": "b/c"}]})
    assert [(c.action, c.resource) for c in r.checks] == [("s3:DeleteObject", "arn:aws:s3:::photos/a"), ("s3:DeleteObject", "arn:aws:s3:::photos/b/c")]
    assert caught("s3", "create_multipart_upload", Bucket="photos", Key="big").checks[0].action == "s3:PutObject"


def test_s3_bucket_operations_and_addressing_styles(caught):
    r = caught("s3", "list_objects_v2", Bucket="photos", Prefix="private/me/", Delimiter="/", MaxKeys=10)
    action, resource, keys = one(r)
    assert (r.operation, action, resource) == ("ListObjectsV2", "s3:ListBucket", "arn:aws:s3:::photos")
    assert (keys["s3:prefix"], keys["s3:delimiter"], keys["s3:max-keys"]) == ("private/me/", "/", "10")
    assert one(caught("s3", "list_objects", Bucket="photos"))[0] == "s3:ListBucket"
    assert one(caught("s3", "head_bucket", Bucket="photos"))[0] == "s3:ListBucket"
    assert one(caught("s3", "list_buckets"))[:2] == ("s3:ListAllMyBuckets", "*")
    assert one(caught("s3", "get_bucket_policy", Bucket="photos"))[:2] == ("s3:GetBucketPolicy", "arn:aws:s3:::photos")
    assert one(caught("s3", "delete_bucket_cors", Bucket="photos"))[0] == "s3:PutBucketCORS"
    action, _, keys = one(caught("s3", "create_bucket", Bucket="west", region="us-west-2",
                                 CreateBucketConfiguration={"LocationConstraint": "us-west-2"}))
    assert (action, keys["s3:LocationConstraint"]) == ("s3:CreateBucket", "us-west-2")
    path_style = Config(s3={"addressing_style": "path"})
    r = caught("s3", "get_object", client_config=path_style, region="us-west-2", Bucket="photos", Key="a/b.txt")
    assert one(r)[:2] == ("s3:GetObject", "arn:aws:s3:::photos/a/b.txt")
    assert one(caught("s3", "list_objects_v2", client_config=path_style, Bucket="photos"))[1] == "arn:aws:s3:::photos"


def test_dynamodb_resources_and_condition_keys(caught):
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes"
    action, resource, keys = one(caught("dynamodb", "get_item", TableName="Notes",
                                        Key={"owner": {"S": "us-east-1:me"}, "note": {"S": "1"}},
                                        ProjectionExpression="#t, note", ExpressionAttributeNames={"#t": "text"}))
    assert (action, resource) == ("dynamodb:GetItem", table)
    assert keys["dynamodb:LeadingKeys"] == ["us-east-1:me"]
    assert keys["dynamodb:Attributes"] == ["text", "note"]
    assert keys["dynamodb:Select"] == "SPECIFIC_ATTRIBUTES"
    _, _, keys = one(caught("dynamodb", "put_item", TableName="Notes", ReturnValues="ALL_OLD",
                            Item={"owner": {"S": "me"}, "note": {"S": "1"}, "text": {"S": "hi"}}))
    assert (keys["dynamodb:Attributes"], keys["dynamodb:ReturnValues"]) == (["owner", "note", "text"], "ALL_OLD")
    _, _, keys = one(caught("dynamodb", "update_item", TableName="Notes", Key={"owner": {"S": "me"}, "note": {"S": "1"}},
                            UpdateExpression="SET #t = :v REMOVE tags", ExpressionAttributeNames={"#t": "text"},
                            ExpressionAttributeValues={":v": {"S": "x"}}))
    assert keys["dynamodb:Attributes"] == ["owner", "note", "text", "tags"]
    action, resource, keys = one(caught("dynamodb", "query", TableName="Notes", IndexName="ByDate",
                                        KeyConditionExpression="#d = :d", ExpressionAttributeNames={"#d": "day"},
                                        ExpressionAttributeValues={":d": {"S": "2026-11-26"}}))
    assert (action, resource) == ("dynamodb:Query", table + "/index/ByDate")
    assert keys["dynamodb:LeadingKeys"] == ["2026-11-26"]
    assert keys["dynamodb:Select"] == "ALL_PROJECTED_ATTRIBUTES"
    _, _, keys = one(caught("dynamodb", "scan", TableName="Notes"))
    assert "dynamodb:LeadingKeys" not in keys  # why ForAllValues on LeadingKeys does not protect Scan
    r = caught("dynamodb", "batch_get_item", RequestItems={
        "Notes": {"Keys": [{"owner": {"S": "a"}, "note": {"S": "1"}}, {"owner": {"S": "b"}, "note": {"S": "1"}}]},
        "Other": {"Keys": [{"id": {"S": "x"}}]}})
    assert [(c.action, c.resource.rsplit("/", 1)[1], c.keys.get("dynamodb:LeadingKeys")) for c in r.checks] == [
        ("dynamodb:BatchGetItem", "Notes", ["a", "b"]), ("dynamodb:BatchGetItem", "Other", None)]
    r = caught("dynamodb", "transact_write_items", TransactItems=[
        {"Put": {"TableName": "Notes", "Item": {"owner": {"S": "a"}, "note": {"S": "1"}}}},
        {"ConditionCheck": {"TableName": "Notes", "Key": {"owner": {"S": "a"}, "note": {"S": "2"}}, "ConditionExpression": "attribute_exists(note)"}}])
    assert [c.action for c in r.checks] == ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
    assert one(caught("dynamodb", "list_tables"))[:2] == ("dynamodb:ListTables", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*")
    assert one(caught("dynamodb", "describe_table", region="eu-west-1", TableName="Notes"))[1] == f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Notes"


def test_lambda_cognito_sync_sts_and_generic(caught):
    action, resource, _ = one(caught("lambda", "invoke", FunctionName="resize", Qualifier="live"))
    assert (action, resource) == ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize:live")
    assert one(caught("lambda", "list_functions"))[:2] == ("lambda:ListFunctions", "*")
    r = caught("cognito-sync", "update_records", IdentityPoolId="us-east-1:p", IdentityId="us-east-1:i", DatasetName="d", SyncSessionToken="t")
    assert one(r)[:2] == ("cognito-sync:UpdateRecords", f"arn:aws:cognito-sync:us-east-1:{ACCOUNT}:identitypool/us-east-1:p/identity/us-east-1:i/dataset/d")
    assert one(caught("cognito-sync", "describe_identity_pool_usage", IdentityPoolId="us-east-1:p"))[1] == \
        f"arn:aws:cognito-sync:us-east-1:{ACCOUNT}:identitypool/us-east-1:p"
    r = caught("sts", "assume_role", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/R", RoleSessionName="session", ExternalId="x-1")
    assert (r.checks[0].action, r.checks[0].role_arn) == ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/R")
    assert r.checks[0].keys == {"sts:RoleSessionName": "session", "sts:ExternalId": "x-1"}
    assert caught("sts", "get_caller_identity").free
    assert one(caught("iam", "get_role", RoleName="R"))[:2] == ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/R")
    assert one(caught("cognito-idp", "list_users", UserPoolId="us-east-1_abc"))[:2] == (
        "cognito-idp:ListUsers", f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_abc")
    assert one(caught("sns", "publish", TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="m"))[:2] == ("sns:Publish", "*")


def test_public_operations_are_never_authorized(caught):
    assert caught("cognito-idp", "initiate_auth", ClientId="c", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={}).public
    assert caught("cognito-idp", "sign_up", ClientId="c", Username="u", Password="p").public
    assert caught("cognito-identity", "get_id", IdentityPoolId="us-east-1:p").public
    assert caught("cognito-identity", "get_credentials_for_identity", IdentityId="us-east-1:i").public
    assert caught("sts", "assume_role_with_web_identity", RoleArn="arn:aws:iam::1:role/R", RoleSessionName="session", WebIdentityToken="t").public
    assert not caught("cognito-identity", "list_identity_pools", MaxResults=5).public


def test_one_rest_router_names_sync_and_lambda_operations_for_guard_and_service():
    """The IAM guard and Cognito Sync's own wire read the operation from the same table (labkit.wire.rest):
    for every Cognito Sync operation, a path made from its template routes to it in both, with its labels."""
    import re

    from labkit.sync import responses
    from labkit.wire import rest
    from labkit.wire.request import Request

    for route in rest.routes("cognito-sync"):
        path = re.sub(r"\{[^}]+\}", "us-east-1%3Aa", route.template)
        request = Request(route.method, "https://cognito-sync.us-east-1.amazonaws.com" + path, {}, b"",
                          service="cognito-sync", path=path)
        name, params = actions.rest_operation(request)
        assert name == route.operation == responses.match(request).operation
        assert set(params) == set(route.pattern.groupindex) and all(v == "us-east-1:a" for v in params.values())
    found, params = rest.match("lambda", "POST", "/2015-03-31/functions/resize/invocations")
    assert (found.operation, params) == ("Invoke", {"FunctionName": "resize"})
    assert rest.match("lambda", "GET", "/2015-03-31/functions/")[0].operation == "ListFunctions"
    assert rest.match("lambda", "PATCH", "/nowhere") is None
