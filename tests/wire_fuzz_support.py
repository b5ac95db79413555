"""Signed raw requests for the wire fuzz (tests/test_wire_fuzz.py): any body, any field, any type.

boto3 validates its parameters before sending, so it can never send what a hand-written client, a
browser or another SDK can: a list where a string belongs, a body that is not a JSON object, a
missing required member, a malformed form. These helpers build such requests from botocore's
service model, sign them with botocore's SigV4 signer (so they pass authentication and reach the
operation) and send them to a served sandbox.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import botocore.session
import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_session = botocore.session.get_session()
_models: dict = {}

TARGETS = {
    "cognito-idp": "AWSCognitoIdentityProviderService",
    "cognito-identity": "AWSCognitoIdentityService",
    "dynamodb": "DynamoDB_20120810",
}
MODEL_NAMES = {"lambda": "lambda", "apigateway": "apigateway", "cognito-sync": "cognito-sync"}

# The main operations of every served service (what the notebooks and the SDKs call).
OPERATIONS = {
    "cognito-idp": ["SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge", "CreateUserPool",
                    "CreateUserPoolClient", "AdminCreateUser", "AdminInitiateAuth", "AdminGetUser", "ListUsers",
                    "DescribeUserPool", "GetUser", "ForgotPassword", "AdminSetUserPassword", "UpdateUserPool",
                    "AdminAddUserToGroup", "CreateGroup", "AdminRespondToAuthChallenge", "GlobalSignOut",
                    "RevokeToken", "SetUserMFAPreference", "AssociateSoftwareToken"],
    "cognito-identity": ["CreateIdentityPool", "GetId", "GetCredentialsForIdentity", "GetOpenIdToken",
                         "SetIdentityPoolRoles", "DescribeIdentityPool", "ListIdentities", "GetOpenIdTokenForDeveloperIdentity",
                         "UpdateIdentityPool", "ListIdentityPools"],
    "dynamodb": ["CreateTable", "PutItem", "GetItem", "Query", "UpdateItem", "DeleteItem", "Scan", "DescribeTable"],
    "sts": ["AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "GetCallerIdentity", "GetSessionToken"],
    "iam": ["CreateRole", "PutRolePolicy", "GetRole", "CreateUser", "CreatePolicy", "AttachRolePolicy", "ListRoles",
            "CreateAccessKey", "GetRolePolicy"],
    "cognito-sync": ["ListDatasets", "UpdateRecords", "ListRecords", "DescribeDataset", "SetIdentityPoolConfiguration",
                     "DescribeIdentityUsage", "RegisterDevice", "SubscribeToDataset"],
    "lambda": ["CreateFunction", "Invoke", "GetFunction", "AddPermission", "UpdateFunctionConfiguration",
               "UpdateFunctionCode", "ListFunctions"],
    "apigateway": ["CreateRestApi", "CreateResource", "PutMethod", "PutIntegration", "CreateAuthorizer", "GetRestApi",
                   "CreateDeployment"],
    "s3": ["PutObject", "GetObject", "CreateBucket", "PutBucketPolicy", "ListObjectsV2", "PutBucketCors",
           "PutBucketTagging", "DeleteObjects", "PutObjectAcl", "PutBucketAcl"],
}


def model(service: str):
    if service not in _models:
        _models[service] = _session.get_service_model(MODEL_NAMES.get(service, service))
    return _models[service]


def protocol(service: str) -> str:
    return model(service).metadata["protocol"]


def input_members(service: str, operation: str) -> dict:
    shape = model(service).operation_model(operation).input_shape
    return dict(shape.members) if shape is not None else {}


def signed(endpoint: str, creds: dict, region: str, service: str, method: str, path_query: str, body: bytes,
           headers: dict) -> requests.PreparedRequest:
    """A request signed as botocore signs it (over exactly these bytes), ready to send."""
    aws = AWSRequest(method=method, url=endpoint + path_query, data=body, headers=dict(headers))
    credentials = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"])
    signing = model(service).signing_name if service != "s3" else "s3"
    (S3SigV4Auth if service == "s3" else SigV4Auth)(credentials, signing, region).add_auth(aws)
    return aws.prepare()


def build(endpoint: str, creds: dict, region: str, service: str, operation: str, fields: dict | object,
          raw_body: bytes | None = None):
    """The HTTP request of ``operation`` carrying ``fields`` (any JSON-able value, or anything at all
    where the protocol allows: a form's values are strings), in the protocol's own encoding."""
    op = model(service).operation_model(operation)
    proto = protocol(service)
    http = op.http
    if proto == "json":
        body = raw_body if raw_body is not None else json.dumps(fields).encode()
        headers = {"X-Amz-Target": f"{TARGETS[service]}.{operation}", "Content-Type": "application/x-amz-json-1.1"}
        return signed(endpoint, creds, region, service, "POST", "/", body, headers)
    if proto == "query":
        pairs = [("Action", operation), ("Version", model(service).api_version)]
        if isinstance(fields, dict):
            pairs += [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items()]
        body = raw_body if raw_body is not None else urlencode(pairs).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return signed(endpoint, creds, region, service, "POST", "/", body, headers)
    # REST: the URI labels and query members from ``fields``, the rest as the body
    values = dict(fields) if isinstance(fields, dict) else {}
    members = op.input_shape.members if op.input_shape is not None else {}
    uri, _, fixed_query = http["requestUri"].partition("?")
    located_headers: dict = {}
    query = [fixed_query] if fixed_query else []
    for name, shape in members.items():
        location = shape.serialization.get("location")
        wire = shape.serialization.get("name", name)
        value = values.pop(name, None) if location else None
        if location == "uri":
            text = value if isinstance(value, str) and value else "x"
            greedy = "{" + wire + "+}" in uri
            uri = uri.replace("{" + wire + "+}", quote(text, safe="/~" if greedy else "~")).replace("{" + wire + "}", quote(text, safe="~"))
        elif location == "querystring" and value is not None:
            query.append(urlencode({wire: value if isinstance(value, str) else json.dumps(value)}))
        elif location == "header" and value is not None:
            text = value if isinstance(value, str) else json.dumps(value)
            if text.isascii() and text.isprintable() and wire.lower() not in ("content-length", "host"):
                located_headers[wire] = text
    payload_name = op.input_shape.serialization.get("payload") if op.input_shape is not None else None
    payload = members.get(payload_name) if payload_name else None
    headers = {}
    if proto == "rest-json":
        body = raw_body if raw_body is not None else (json.dumps(fields if not isinstance(fields, dict) else values).encode()
                                                      if fields is not None else b"")
        headers["Content-Type"] = "application/json"
    else:  # rest-xml (S3): the body is whatever the case gives (XML, malformed XML, bytes)
        body = raw_body
        if body is None:
            value = values.get(payload_name) if payload is not None and payload.type_name in ("string", "blob") else None
            body = value.encode("utf-8", "replace") if isinstance(value, str) else b""
        headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
        if operation in ("PutBucketPolicy", "PutBucketCors", "PutBucketTagging", "DeleteObjects", "PutObjectAcl", "PutBucketAcl"):
            headers["Content-MD5"] = ""
            import base64
            import hashlib

            headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
    headers.update({k: v for k, v in located_headers.items() if k.lower() not in (h.lower() for h in headers)})
    path_query = uri + ("?" + "&".join(q for q in query if q) if any(query) else "")
    return signed(endpoint, creds, region, service, http["method"], path_query, body, headers)
