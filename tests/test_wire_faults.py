"""labkit.wire.faults: each kind of bad input gets the protocol's own 4xx (issue 15, item 2), pinned case
by case (the hypothesis fuzz in test_wire_fuzz.py explores around these)."""

from __future__ import annotations

from urllib.parse import urlencode

import boto3
import pytest
import requests
from botocore.config import Config
from support import error_of

import labkit
import wire_fuzz_support as wf


@pytest.fixture(scope="module")
def served():
    with labkit.Sandbox(serve=True) as sb:
        kw = {"endpoint_url": sb.endpoint_url}
        boto3.client("s3", **kw).create_bucket(Bucket="faults")
        yield sb


def send(sb, service, operation, fields=None, raw=None, headers=None):
    prepared = wf.build(sb.endpoint_url, sb.admin_credentials, sb.region, service, operation, fields or {}, raw)
    h = dict(prepared.headers)
    h.update(headers or {})
    return requests.request(prepared.method, prepared.url, headers=h, data=prepared.body, timeout=30)


def json_error(r):
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = r.json()
    return body["__type"], body.get("message") or body.get("Message")


def xml_code(r):
    import re

    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    return re.search(r"<Code>([^<]*)</Code>", r.text).group(1), (re.search(r"<Message>([^<]*)</Message>", r.text) or [None, ""])[1]


@pytest.mark.parametrize("raw, message", [
    (b"[]", "Start of list found where not expected"),
    (b'"text"', "STRING_VALUE can not be converted to a Structure"),
    (b"{", "Unexpected character in the request body: it is not valid JSON"),
    (b"\xff\xfe", "Invalid UTF-8 start byte in the request body"),
])
def test_a_body_that_is_not_a_json_object_is_a_serialization_exception(served, raw, message):
    assert json_error(send(served, "cognito-idp", "SignUp", raw=raw)) == ("SerializationException", message)


@pytest.mark.parametrize("fields, message", [
    ({"ClientId": 5, "Username": "a", "Password": "p"}, "NUMBER_VALUE can not be converted to a String"),
    ({"ClientId": ["x"], "Username": "a", "Password": "p"}, "Start of list found where not expected"),
    ({"ClientId": "x", "Username": {"a": 1}, "Password": "p"}, "Start of structure or map found where not expected."),
    ({"ClientId": "x", "Username": "a", "Password": "p", "UserAttributes": "email"}, "STRING_VALUE can not be converted to a List"),
    ({"ClientId": "x", "Username": True, "Password": "p"}, "TRUE_VALUE can not be converted to a String"),
])
def test_a_member_of_the_wrong_type_is_a_serialization_exception(served, fields, message):
    assert json_error(send(served, "cognito-idp", "SignUp", fields)) == ("SerializationException", message)


def test_missing_required_members_are_the_services_validation_error(served):
    code, message = json_error(send(served, "cognito-idp", "AdminCreateUser", {"MessageAction": "SUPPRESS"}))
    assert code == "InvalidParameterException"
    assert message == ("2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not "
                       "be null; Value null at 'username' failed to satisfy constraint: Member must not be null")
    code, message = json_error(send(served, "dynamodb", "GetItem", {"TableName": "t"}))
    assert (code, message) == ("ValidationException", "1 validation error detected: Value null at 'key' failed to satisfy "
                                                       "constraint: Member must not be null")


def test_deep_nesting_is_a_400(served):
    deep = b'{"a":[' * 5000 + b"{}" + b"]}" * 5000
    assert json_error(send(served, "cognito-idp", "ListUserPools", raw=deep))[0] == "InvalidParameterException"
    nested = {"TableName": "t", "Item": {"pk": {"S": "x"}}}
    value = {"S": "leaf"}
    for _ in range(40):
        value = {"L": [value]}
    nested["Item"]["deep"] = value
    assert json_error(send(served, "dynamodb", "PutItem", nested)) == ("ValidationException", "Nesting Levels have exceeded supported limits")


def test_dynamodb_values_are_checked_as_dynamodb_does(served):
    ddb = lambda fields: json_error(send(served, "dynamodb", "PutItem", {"TableName": "t", **fields}))
    assert ddb({"Item": {"pk": {"S": "a", "N": "1"}}})[1] == (
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
    assert ddb({"Item": {"pk": {}}})[1] == "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    assert ddb({"Item": {"pk": {"N": "abc"}}})[1] == "The parameter cannot be converted to a numeric value: abc"
    assert ddb({"Item": {"pk": {"S": "a"}}, "ReturnValues": "SOME"})[1] == (
        "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum "
        "value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]")
    code, message = json_error(send(served, "dynamodb", "CreateTable", {"TableName": "t", "BillingMode": "PAY_PER_REQUEST"}))
    assert code == "ValidationException" and "Value null at 'keySchema'" in message  # moto: KeyError


def test_query_protocol_answers_xml_validation_errors(served):
    r = send(served, "sts", "AssumeRole", {"RoleSessionName": "s"})
    assert r.headers["Content-Type"].startswith("text/xml")
    assert xml_code(r) == ("ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
                                              "Member must not be null")
    r = send(served, "sts", "AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s", "DurationSeconds": "abc"})
    assert xml_code(r)[0] == "ValidationError" and "Member must be a number" in xml_code(r)[1]
    r = send(served, "iam", "ListRoles", {"Marker": "not-a-marker"})  # moto: ValueError (int(marker))
    assert xml_code(r)[0] == "ValidationError"
    prepared = wf.signed(served.endpoint_url, served.admin_credentials, served.region, "sts", "POST", "/",
                         urlencode({"Action": "NoSuchAction", "Version": "2011-06-15"}).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded"})
    r = requests.post(prepared.url, headers=dict(prepared.headers), data=prepared.body)
    assert xml_code(r) == ("InvalidAction", "Could not find operation NoSuchAction for version 2011-06-15")


def test_unknown_json_operation(served):
    prepared = wf.signed(served.endpoint_url, served.admin_credentials, served.region, "cognito-idp", "POST", "/", b"{}",
                         {"X-Amz-Target": "AWSCognitoIdentityProviderService.NoSuchThing", "Content-Type": "application/x-amz-json-1.1"})
    r = requests.post(prepared.url, headers=dict(prepared.headers), data=prepared.body)
    assert r.status_code == 400 and r.json()["__type"] == "UnknownOperationException"


def test_s3_xml_policy_and_acl_faults(served):
    r = send(served, "s3", "PutBucketTagging", {"Bucket": "faults"}, raw=b"<Tagging><TagSet>")
    assert xml_code(r)[0] == "MalformedXML"
    r = send(served, "s3", "PutBucketTagging", {"Bucket": "faults"}, raw=b"")
    assert xml_code(r)[0] == "MalformedXML"
    r = send(served, "s3", "PutBucketTagging", {"Bucket": "faults"}, raw=b'<!DOCTYPE x [<!ENTITY a "b">]><Tagging/>')
    assert xml_code(r)[0] == "MalformedXML"  # no entity expansion
    r = send(served, "s3", "PutBucketPolicy", {"Bucket": "faults"}, raw=b"not a policy")
    assert xml_code(r) == ("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
    r = send(served, "s3", "PutBucketAcl", {"Bucket": "faults"}, headers={"x-amz-grant-read": "False"})
    assert xml_code(r) == ("InvalidArgument", "Argument format not recognized")
    r = send(served, "s3", "PutBucketAcl", {"Bucket": "faults"}, headers={"x-amz-acl": "everyone-please"})
    assert xml_code(r)[0] == "InvalidArgument"
    r = send(served, "s3", "ListObjectsV2", {"Bucket": "faults", "MaxKeys": "many"})
    assert xml_code(r) == ("InvalidArgument", "Provided max-keys not an integer or within integer range")
    # and the bucket still works afterwards
    s3 = boto3.client("s3", endpoint_url=served.endpoint_url)
    s3.put_object(Bucket="faults", Key="k", Body=b"v")
    assert s3.get_object(Bucket="faults", Key="k")["Body"].read() == b"v"


def test_rest_json_faults(served):
    r = send(served, "lambda", "CreateFunction", raw=b"not json")
    assert r.status_code == 400 and r.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    r = send(served, "lambda", "CreateFunction", {"FunctionName": "f", "Role": 5, "Code": {}})
    assert r.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    r = send(served, "apigateway", "CreateRestApi", {"name": ["x"]})
    assert r.status_code == 400 and r.headers["x-amzn-ErrorType"] == "BadRequestException"


@pytest.mark.parametrize("auth, code", [("AWS4-HMAC-SHA256", "IncompleteSignatureException"),
                                        ("AWS4-HMAC-SHA256 Credential=x", "IncompleteSignatureException"),
                                        ("AWS :", "IncompleteSignatureException")])
def test_malformed_authorization_headers(served, auth, code):
    r = requests.post(served.endpoint_url, data=b"{}", headers={"Authorization": auth, "Content-Type": "application/x-amz-json-1.1",
                                                                "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools"})
    assert r.status_code == 400 and r.json()["__type"] == code
    r = requests.get(f"{served.endpoint_url}/faults/k", headers={"Authorization": auth})
    assert r.status_code == 400 and xml_code(r)[0] == "AuthorizationHeaderMalformed"


def test_what_the_fuzz_found_in_moto_is_refused_as_aws_does(served):
    """Each case here was a 500 (a moto exception) found by the exploratory fuzz."""
    boto3.client("dynamodb", endpoint_url=served.endpoint_url).create_table(
        TableName="found", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    r = send(served, "dynamodb", "DeleteItem", {"TableName": "found", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "jbmm"})
    assert json_error(r) == ("ValidationException", "Invalid ConditionExpression: Syntax error; Incomplete condition jbmm")
    r = send(served, "dynamodb", "Query", {"TableName": "found", "QueryFilter": {"a": {"ComparisonOperator": "GT"}}})
    assert json_error(r) == ("ValidationException", "One or more parameter values were invalid: Invalid number of argument(s) "
                                                    "for the GT ComparisonOperator")
    r = send(served, "dynamodb", "Query", {"TableName": "found"})
    assert json_error(r)[1] == "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    r = send(served, "cognito-idp", "CreateUserPool", {"PoolName": "p", "Schema": [{"Required": True}]})
    assert json_error(r) == ("InvalidParameterException", "1 validation error detected: Value null at 'schema.1.member.name' "
                                                          "failed to satisfy constraint: Member must not be null")
    r = send(served, "lambda", "CreateFunction", {"FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {}})
    assert r.status_code == 400 and r.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"
    assert send(served, "lambda", "ListFunctions").status_code == 200  # and nothing half-made was left behind


def test_a_payload_nested_deeper_than_any_parser_is_a_400(served):
    r = send(served, "lambda", "Invoke", {"FunctionName": "no-such-function"}, raw=b"[" * 5000)
    assert r.status_code == 400 and r.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
