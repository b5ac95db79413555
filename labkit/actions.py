"""What a request asks IAM for, service by service, and how each service says no.

Every AWS request is authorized as one or more *(action, resource, condition keys)* triples before the
service does anything. :func:`authorizations` reads them off a sandbox :class:`~labkit.wire.request.Request`
the way the *Service Authorization Reference* lists them
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):

* Amazon S3 -- "Actions, resources, and condition keys for Amazon S3" and *Required permissions for
  Amazon S3 API operations* (AmazonS3/latest/userguide/using-with-s3-policy-actions.html): object
  operations on ``arn:aws:s3:::bucket/key``, bucket operations on ``arn:aws:s3:::bucket``, path-style
  and virtual-hosted addresses, ``s3:prefix``, ``s3:delimiter``, ``s3:max-keys``, ``s3:x-amz-acl``...
* Amazon DynamoDB -- *Using IAM policy conditions for fine-grained access control*
  (amazondynamodb/latest/developerguide/specifying-conditions.html): ``table/T`` and
  ``table/T/index/I``, ``dynamodb:LeadingKeys``, ``dynamodb:Attributes``, ``dynamodb:Select``,
  ``dynamodb:ReturnValues``.
* AWS Lambda (``lambda:InvokeFunction`` on ``function:F``), Amazon Cognito Sync (``identitypool/P/
  identity/I/dataset/D``), STS, IAM, Cognito user and identity pools.
* Any other service: ``<service>:<Operation>`` on ``*``, so that every call is at least action-checked.

Operations AWS serves without a signature (``InitiateAuth``, ``GetId``, ``GetCredentialsForIdentity``,
``AssumeRoleWithWebIdentity``...) are read from botocore's service model (``"auth": ["smithy.api#noAuth"]``)
and are never authorized. :class:`ServiceErrors` holds each service's own spelling of "denied",
"expired token" and "unknown key" (*Troubleshoot access denied error messages*,
IAM/latest/UserGuide/troubleshoot_access-denied.html).

This module knows the wire (paths, headers, bodies) and nothing of policy semantics; the decision
itself is :mod:`labkit.policy`'s, and :mod:`labkit.iam` joins the two.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from .errors import ServiceError
from .wire import protocols
from .wire.request import Request, Response

__all__ = ["Authorization", "RequestAuthorizations", "authorizations", "ServiceErrors", "errors_for"]


@dataclass
class Authorization:
    """One question the request puts to IAM: may the caller do ``action`` on ``resource``?

    ``keys`` are the service-specific condition keys of this request (``s3:prefix``,
    ``dynamodb:LeadingKeys``...). ``bucket`` is set for S3 resources (whose bucket policy also counts).
    """

    action: str
    resource: str = "*"
    keys: dict = field(default_factory=dict)
    bucket: str | None = None
    role_arn: str | None = None  # sts:AssumeRole*: the role whose trust policy is the resource policy
    shown: str | None = None  # how the service names the resource in its denial message, if not by ARN


@dataclass
class RequestAuthorizations:
    """What :func:`authorizations` found: the API operation and the checks it needs (in order)."""

    service: str
    operation: str
    checks: list[Authorization]
    public: bool = False  # AWS serves it without a signature: no IAM check at all
    free: bool = False  # signed, but "no permissions are required" (sts:GetCallerIdentity)


# ------------------------------------------------------------------------------------------ models


@functools.lru_cache(maxsize=None)
def _loader():
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


_SIGNING_TO_MODEL = {"execute-api": "apigateway"}


@functools.lru_cache(maxsize=64)
def _model(service: str) -> dict | None:
    """botocore's service-2 model of a signing name (``None`` if botocore has none)."""
    try:
        return _loader().load_service_model(_SIGNING_TO_MODEL.get(service, service), "service-2")
    except Exception:
        return None


@functools.lru_cache(maxsize=64)
def _public_operations(service: str) -> frozenset:
    model = _model(service)
    if not model:
        return frozenset()
    return frozenset(
        name
        for name, op in model["operations"].items()
        if op.get("authtype") == "none" or op.get("auth") == ["smithy.api#noAuth"]
    )


def protocol_of(service: str) -> str:
    """``json``, ``rest-json``, ``rest-xml``, ``query`` or ``ec2`` for a signing name."""
    if service == "s3":
        return "rest-xml"
    model = _model(service)
    return (model or {}).get("metadata", {}).get("protocol", "json")


@functools.lru_cache(maxsize=64)
def _rest_routes(service: str) -> tuple:
    """``(method, path regex, required query names, operation, literal length)`` per operation of a
    REST service, most specific first (from ``http.requestUri`` in the model)."""
    model = _model(service)
    routes = []
    for name, op in (model or {}).get("operations", {}).items():
        http = op.get("http", {})
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        required = tuple(q.split("=", 1)[0] for q in query.split("&") if q)
        pattern = ""
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                var = piece[1:-1]
                greedy = var.endswith("+")
                var = var.rstrip("+")
                pattern += f"(?P<{var}>.+)" if greedy else f"(?P<{var}>[^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        if pattern.endswith("/") and len(pattern) > 1:
            pattern = pattern[:-1] + "/?"
        routes.append((http.get("method", "POST"), re.compile(pattern), required, name, literal + 100 * len(required)))
    routes.sort(key=lambda r: -r[4])
    return tuple(routes)


def rest_operation(request: Request) -> tuple[str | None, dict]:
    """The operation and URI parameters of a REST (rest-json) request, from the service model."""
    path = request.path or "/"
    for method, regex, required, name, _ in _rest_routes(request.service):
        if method != request.method or any(q not in request.query for q in required):
            continue
        m = regex.fullmatch(path)
        if m:
            return name, {k: unquote(v) for k, v in m.groupdict().items()}
    return None, {}


def _json_params(request: Request) -> dict:
    try:
        return json.loads(request.body.decode("utf-8")) if request.body else {}
    except (ValueError, UnicodeDecodeError):
        return {}


def _query_params(request: Request) -> dict:
    merged = {k: v[-1] for k, v in request.query.items()}
    merged.update({k: v[-1] for k, v in (request.form or {}).items()})
    return merged


# ------------------------------------------------------------------------------------------ entry


def credentials_of(request: Request) -> tuple[str | None, str | None]:
    """``(access key id, session token)`` a request is signed with: SigV4 (header or presigned query,
    read by the wire's ``classify``) or S3's legacy SigV2 (``Authorization: AWS <key>:<sig>``, or a
    presigned ``?AWSAccessKeyId=``), which boto3 still uses for some presigned S3 URLs."""
    key = request.access_key
    query = request.query
    if not key:
        auth = request.headers.get("Authorization") or ""
        if auth.startswith("AWS ") and ":" in auth:
            key = auth[4:].split(":", 1)[0].strip()
        elif "AWSAccessKeyId" in query:
            key = query["AWSAccessKeyId"][0]
    token = request.headers.get("X-Amz-Security-Token")
    if not token:
        token = (query.get("X-Amz-Security-Token") or query.get("x-amz-security-token") or [None])[0]
    return key, token


def authorizations(request: Request, account_id: str, tables=None) -> RequestAuthorizations:
    """The IAM checks ``request`` needs. ``tables(region, name)`` returns a DynamoDB table's key
    attribute names ``(hash key, {index name: hash key})`` or ``None`` (for ``dynamodb:LeadingKeys``)."""
    service = request.service
    if service == "s3":
        return _s3(request)
    protocol = protocol_of(service)
    operation = request.operation
    uri_params: dict = {}
    if protocol in ("rest-json", "rest-xml"):
        operation, uri_params = rest_operation(request)
        operation = operation or request.operation or f"{request.method} {request.path}"
    operation = operation or "Unknown"
    if operation in _public_operations(service):
        return RequestAuthorizations(service, operation, [], public=True)
    if (service, operation) in _NO_PERMISSION_NEEDED:
        return RequestAuthorizations(service, operation, [], free=True)
    region = request.region
    if service == "dynamodb":
        return RequestAuthorizations(service, operation, _dynamodb(operation, _json_params(request), region, account_id, tables))
    if service == "lambda":
        return RequestAuthorizations(service, operation, [_lambda(operation, uri_params, request, region, account_id)])
    if service == "cognito-sync":
        return RequestAuthorizations(service, operation, [_cognito_sync(operation, uri_params, region, account_id)])
    params = _query_params(request) if protocol in ("query", "ec2") else _json_params(request) if protocol == "json" else uri_params
    if service == "sts":
        return RequestAuthorizations(service, operation, [_sts(operation, params)])
    resource = _generic_resource(service, params, region, account_id)
    check = Authorization(f"{service}:{operation}", resource)
    if service == "iam" and not operation.startswith("Create"):
        check.shown = _iam_shown(resource)
    return RequestAuthorizations(service, operation, [check])


# "No permissions are required to perform this operation" (STS API Reference, GetCallerIdentity).
_NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}


# ------------------------------------------------------------------------------------------ S3

# (method, subresource) -> (API operation, IAM action) for bucket requests; "" is the plain request.
_S3_BUCKET = {
    ("HEAD", ""): ("HeadBucket", "s3:ListBucket"),
    ("GET", ""): ("ListObjects", "s3:ListBucket"),
    ("GET", "list-type"): ("ListObjectsV2", "s3:ListBucket"),
    ("GET", "versions"): ("ListObjectVersions", "s3:ListBucketVersions"),
    ("GET", "uploads"): ("ListMultipartUploads", "s3:ListBucketMultipartUploads"),
    ("GET", "location"): ("GetBucketLocation", "s3:GetBucketLocation"),
    ("GET", "policy"): ("GetBucketPolicy", "s3:GetBucketPolicy"),
    ("GET", "policyStatus"): ("GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
    ("GET", "acl"): ("GetBucketAcl", "s3:GetBucketAcl"),
    ("GET", "cors"): ("GetBucketCors", "s3:GetBucketCORS"),
    ("GET", "lifecycle"): ("GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    ("GET", "versioning"): ("GetBucketVersioning", "s3:GetBucketVersioning"),
    ("GET", "website"): ("GetBucketWebsite", "s3:GetBucketWebsite"),
    ("GET", "tagging"): ("GetBucketTagging", "s3:GetBucketTagging"),
    ("GET", "logging"): ("GetBucketLogging", "s3:GetBucketLogging"),
    ("GET", "notification"): ("GetBucketNotificationConfiguration", "s3:GetBucketNotification"),
    ("GET", "encryption"): ("GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("GET", "publicAccessBlock"): ("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("GET", "ownershipControls"): ("GetBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
    ("GET", "accelerate"): ("GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration"),
    ("GET", "replication"): ("GetBucketReplication", "s3:GetReplicationConfiguration"),
    ("GET", "requestPayment"): ("GetBucketRequestPayment", "s3:GetBucketRequestPayment"),
    ("GET", "object-lock"): ("GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
    ("PUT", ""): ("CreateBucket", "s3:CreateBucket"),
    ("PUT", "policy"): ("PutBucketPolicy", "s3:PutBucketPolicy"),
    ("PUT", "acl"): ("PutBucketAcl", "s3:PutBucketAcl"),
    ("PUT", "cors"): ("PutBucketCors", "s3:PutBucketCORS"),
    ("PUT", "lifecycle"): ("PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    ("PUT", "versioning"): ("PutBucketVersioning", "s3:PutBucketVersioning"),
    ("PUT", "website"): ("PutBucketWebsite", "s3:PutBucketWebsite"),
    ("PUT", "tagging"): ("PutBucketTagging", "s3:PutBucketTagging"),
    ("PUT", "logging"): ("PutBucketLogging", "s3:PutBucketLogging"),
    ("PUT", "notification"): ("PutBucketNotificationConfiguration", "s3:PutBucketNotification"),
    ("PUT", "encryption"): ("PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("PUT", "publicAccessBlock"): ("PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("PUT", "ownershipControls"): ("PutBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    ("PUT", "accelerate"): ("PutBucketAccelerateConfiguration", "s3:PutAccelerateConfiguration"),
    ("PUT", "replication"): ("PutBucketReplication", "s3:PutReplicationConfiguration"),
    ("PUT", "object-lock"): ("PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"),
    ("DELETE", ""): ("DeleteBucket", "s3:DeleteBucket"),
    ("DELETE", "policy"): ("DeleteBucketPolicy", "s3:DeleteBucketPolicy"),
    ("DELETE", "cors"): ("DeleteBucketCors", "s3:PutBucketCORS"),
    ("DELETE", "lifecycle"): ("DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"),
    ("DELETE", "website"): ("DeleteBucketWebsite", "s3:DeleteBucketWebsite"),
    ("DELETE", "tagging"): ("DeleteBucketTagging", "s3:PutBucketTagging"),
    ("DELETE", "encryption"): ("DeleteBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("DELETE", "publicAccessBlock"): ("DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("DELETE", "ownershipControls"): ("DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    ("DELETE", "replication"): ("DeleteBucketReplication", "s3:PutReplicationConfiguration"),
    ("POST", "delete"): ("DeleteObjects", "s3:DeleteObject"),
}
# The same for object requests; a "versionId" variant where S3 names a separate action.
_S3_OBJECT = {
    ("GET", ""): ("GetObject", "s3:GetObject"),
    ("HEAD", ""): ("HeadObject", "s3:GetObject"),
    ("GET", "acl"): ("GetObjectAcl", "s3:GetObjectAcl"),
    ("GET", "tagging"): ("GetObjectTagging", "s3:GetObjectTagging"),
    ("GET", "uploadId"): ("ListParts", "s3:ListMultipartUploadParts"),
    ("GET", "attributes"): ("GetObjectAttributes", "s3:GetObjectAttributes"),
    ("GET", "retention"): ("GetObjectRetention", "s3:GetObjectRetention"),
    ("GET", "legal-hold"): ("GetObjectLegalHold", "s3:GetObjectLegalHold"),
    ("PUT", ""): ("PutObject", "s3:PutObject"),
    ("PUT", "uploadId"): ("UploadPart", "s3:PutObject"),
    ("PUT", "acl"): ("PutObjectAcl", "s3:PutObjectAcl"),
    ("PUT", "tagging"): ("PutObjectTagging", "s3:PutObjectTagging"),
    ("PUT", "retention"): ("PutObjectRetention", "s3:PutObjectRetention"),
    ("PUT", "legal-hold"): ("PutObjectLegalHold", "s3:PutObjectLegalHold"),
    ("DELETE", ""): ("DeleteObject", "s3:DeleteObject"),
    ("DELETE", "uploadId"): ("AbortMultipartUpload", "s3:AbortMultipartUpload"),
    ("DELETE", "tagging"): ("DeleteObjectTagging", "s3:DeleteObjectTagging"),
    ("POST", "uploads"): ("CreateMultipartUpload", "s3:PutObject"),
    ("POST", "uploadId"): ("CompleteMultipartUpload", "s3:PutObject"),
    ("POST", "restore"): ("RestoreObject", "s3:RestoreObject"),
    ("POST", "select"): ("SelectObjectContent", "s3:GetObject"),
}
_S3_VERSIONED = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
}
_S3_SUBRESOURCES = frozenset(k[1] for k in list(_S3_BUCKET) + list(_S3_OBJECT) if k[1])
_S3_HOST = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")
# Request headers S3 turns into condition keys (Service Authorization Reference, Amazon S3).
_S3_HEADER_KEYS = ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                   "x-amz-storage-class", "x-amz-copy-source", "x-amz-metadata-directive",
                   "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-full-control", "x-amz-object-ownership")


def s3_address(request: Request) -> tuple[str | None, str | None]:
    """``(bucket, key)`` of an S3 request, virtual-hosted (``b.s3.amazonaws.com/k``) or path-style
    (``s3.amazonaws.com/b/k``) -- *Virtual hosting of buckets* (AmazonS3/latest/userguide/VirtualHosting.html)."""
    host = (urlsplit(request.url).hostname or "").lower()
    path = request.path or "/"
    m = _S3_HOST.match(host)
    if m and not host.startswith(("s3.", "s3-")):
        bucket, key = m.group("bucket"), path[1:]
    else:
        bucket, _, key = path[1:].partition("/")
    return (bucket or None), (unquote(key) if key else None)


def _s3(request: Request) -> RequestAuthorizations:
    bucket, key = s3_address(request)
    method = request.method
    query = request.query
    sub = next((s for s in query if s in _S3_SUBRESOURCES), "")
    headers = request.headers
    sigv2 = "AWSAccessKeyId" in query or (headers.get("Authorization") or "").startswith("AWS ")
    keys: dict = {"s3:signatureversion": "AWS" if sigv2 else "AWS4-HMAC-SHA256",
                  "s3:authType": "REST-QUERY-STRING" if "X-Amz-Credential" in query or "AWSAccessKeyId" in query else "REST-HEADER"}
    for h in _S3_HEADER_KEYS:
        v = headers.get(h)
        if v is not None:
            keys[f"s3:{h}"] = v
    if bucket is None:
        return RequestAuthorizations("s3", "ListBuckets", [Authorization("s3:ListAllMyBuckets", "*", keys)])
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if key is None:
        op, action = _S3_BUCKET.get((method, sub)) or _S3_BUCKET.get((method, ""), (f"{method} bucket", f"s3:{method}"))
        if op == "DeleteObjects":
            return RequestAuthorizations("s3", op, [Authorization(action, f"{bucket_arn}/{k}", dict(keys), bucket) for k in _s3_delete_keys(request.body)])
        if action in ("s3:ListBucket", "s3:ListBucketVersions"):
            for name, cond in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")):
                if name in query:
                    keys[cond] = query[name][0]
        if op == "CreateBucket":
            m = re.search(rb"<LocationConstraint>([^<]*)</LocationConstraint>", request.body or b"")
            if m:
                keys["s3:LocationConstraint"] = m.group(1).decode()
        return RequestAuthorizations("s3", op, [Authorization(action, bucket_arn, keys, bucket)])
    op, action = _S3_OBJECT.get((method, sub)) or _S3_OBJECT.get((method, ""), (f"{method} object", f"s3:{method}"))
    if "versionId" in query:
        action = _S3_VERSIONED.get(action, action)
        keys["s3:VersionId"] = query["versionId"][0]
    object_arn = f"{bucket_arn}/{key}"
    checks = [Authorization(action, object_arn, keys, bucket)]
    source = headers.get("x-amz-copy-source")
    if source and method == "PUT" and sub in ("", "uploadId"):
        op = "CopyObject" if sub == "" else "UploadPartCopy"
        src = unquote(source.split("?", 1)[0]).lstrip("/")
        src_bucket = src.split("/", 1)[0]
        checks.append(Authorization("s3:GetObject", f"arn:aws:s3:::{src}", dict(keys), src_bucket))
    return RequestAuthorizations("s3", op, checks)


def _s3_delete_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body or b"<Delete/>")
    except ElementTree.ParseError:
        return []
    return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Key"]


# ------------------------------------------------------------------------------------------ DynamoDB

# Operations that work on one item: the key (or item) parameter that holds its primary key.
_DDB_ITEM_KEY = {"GetItem": "Key", "DeleteItem": "Key", "UpdateItem": "Key", "PutItem": "Item"}
_DDB_ACCOUNT_OPS = {"ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables",
                    "ListExports", "ListImports", "DescribeReservedCapacity", "DescribeReservedCapacityOfferings"}
_DDB_TRANSACT = {"Get": "dynamodb:GetItem", "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
                 "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}


def _ddb_value(attr: dict | None) -> str | None:
    """A key attribute's value as IAM sees it in ``dynamodb:LeadingKeys`` (S and N as written)."""
    if not isinstance(attr, dict) or len(attr) != 1:
        return None
    (kind, value), = attr.items()
    return value if kind in ("S", "N", "B") and isinstance(value, str) else None


def _ddb_names(expression: str | None, names: dict | None) -> list[str]:
    """Top-level attribute names an expression refers to (``#n`` placeholders resolved)."""
    if not expression:
        return []
    out = []
    for token in re.findall(r"#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*", re.sub(r":[A-Za-z0-9_]+", " ", expression)):
        if token.startswith("#"):
            token = (names or {}).get(token, token)
        elif token.upper() in _DDB_WORDS:
            continue
        if token not in out:
            out.append(token)
    return out


_DDB_WORDS = {"SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN", "IF_NOT_EXISTS",
              "LIST_APPEND", "ATTRIBUTE_EXISTS", "ATTRIBUTE_NOT_EXISTS", "ATTRIBUTE_TYPE", "BEGINS_WITH",
              "CONTAINS", "SIZE"}


def _ddb_partition_value(params: dict, hash_key: str) -> str | None:
    """The partition key value a Query names, from KeyConditionExpression or legacy KeyConditions."""
    expr = params.get("KeyConditionExpression")
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    if expr:
        for m in re.finditer(r"(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_.\-]+)", expr):
            name, placeholder = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            if names.get(name, name) == hash_key:
                return _ddb_value(values.get(placeholder))
        return None
    cond = (params.get("KeyConditions") or {}).get(hash_key) or {}
    items = cond.get("AttributeValueList") or []
    return _ddb_value(items[0]) if items else None


def _ddb_read_keys(params: dict, op: str) -> dict:
    keys: dict = {}
    names = params.get("ExpressionAttributeNames") or {}
    if params.get("Select"):
        keys["dynamodb:Select"] = params["Select"]
    attrs = _ddb_names(params.get("ProjectionExpression"), names) or list(params.get("AttributesToGet") or [])
    if attrs:
        keys["dynamodb:Attributes"] = attrs
        keys.setdefault("dynamodb:Select", "SPECIFIC_ATTRIBUTES")
    return keys


def _dynamodb(op: str, params: dict, region: str, account_id: str, tables) -> list[Authorization]:
    base = f"arn:aws:dynamodb:{region}:{account_id}:table/"
    action = f"dynamodb:{op}"

    def schema(table: str):
        return tables(region, table) if tables else None

    def common() -> dict:
        keys = {}
        for p in ("ReturnValues", "ReturnConsumedCapacity"):
            if params.get(p):
                keys[f"dynamodb:{p}"] = params[p]
        return keys

    if op == "ListTables":  # authorized, and named in its denial, as every table of the region
        return [Authorization(action, base + "*")]
    if op in _DDB_ACCOUNT_OPS:
        return [Authorization(action, "*")]
    if op in _DDB_ITEM_KEY:
        table = params.get("TableName", "")
        keys = common()
        info = schema(table)
        item = params.get(_DDB_ITEM_KEY[op]) or {}
        if info:
            value = _ddb_value(item.get(info[0]))
            if value is not None:
                keys["dynamodb:LeadingKeys"] = [value]
        if op == "GetItem":
            keys.update(_ddb_read_keys(params, op))
        elif op == "PutItem":
            keys["dynamodb:Attributes"] = list(item)
        elif op == "UpdateItem":
            names = params.get("ExpressionAttributeNames") or {}
            attrs = _ddb_names(params.get("UpdateExpression"), names) or list(params.get("AttributeUpdates") or {})
            if attrs:
                keys["dynamodb:Attributes"] = list(dict.fromkeys(list(item) + attrs))
        return [Authorization(action, base + table, keys)]
    if op in ("Query", "Scan"):
        table = params.get("TableName", "")
        index = params.get("IndexName")
        resource = base + table + (f"/index/{index}" if index else "")
        keys = common()
        keys.update(_ddb_read_keys(params, op))
        if "dynamodb:Select" not in keys:
            keys["dynamodb:Select"] = "ALL_PROJECTED_ATTRIBUTES" if index else "ALL_ATTRIBUTES"
        info = schema(table)
        if op == "Query" and info:
            hash_key = info[1].get(index, info[0]) if index else info[0]
            value = _ddb_partition_value(params, hash_key)
            if value is not None:
                keys["dynamodb:LeadingKeys"] = [value]
        return [Authorization(action, resource, keys)]
    if op in ("BatchGetItem", "BatchWriteItem"):
        checks = []
        for table, spec in (params.get("RequestItems") or {}).items():
            info = schema(table)
            keys = common()
            if op == "BatchGetItem":
                items = spec.get("Keys") or []
                keys.update(_ddb_read_keys(spec, op))
            else:
                items = [(r.get("PutRequest") or {}).get("Item") or (r.get("DeleteRequest") or {}).get("Key") or {} for r in spec]
            if info:
                leading = [v for v in (_ddb_value(i.get(info[0])) for i in items) if v is not None]
                keys["dynamodb:LeadingKeys"] = list(dict.fromkeys(leading))
            checks.append(Authorization(action, base + table, keys))
        return checks
    if op in ("TransactGetItems", "TransactWriteItems"):
        checks = []
        for entry in params.get("TransactItems") or []:
            for kind, spec in entry.items():
                table = spec.get("TableName", "")
                keys = {}
                info = schema(table)
                item = spec.get("Key") or spec.get("Item") or {}
                if info and _ddb_value(item.get(info[0])) is not None:
                    keys["dynamodb:LeadingKeys"] = [_ddb_value(item.get(info[0]))]
                checks.append(Authorization(_DDB_TRANSACT.get(kind, f"dynamodb:{kind}"), base + table, keys))
        return checks
    if params.get("TableName"):
        return [Authorization(action, base + params["TableName"])]
    if params.get("ResourceArn"):
        return [Authorization(action, params["ResourceArn"])]
    return [Authorization(action, "*")]


# ------------------------------------------------------------------------------------------ Lambda, Cognito Sync, STS

# Lambda API operations whose IAM action has another name (Service Authorization Reference, AWS Lambda).
_LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction",
                   "GetFunctionConfiguration": "GetFunctionConfiguration", "ListFunctions": "ListFunctions"}


def _lambda(op: str, uri: dict, request: Request, region: str, account_id: str) -> Authorization:
    action = "lambda:" + _LAMBDA_ACTIONS.get(op, op)
    name = uri.get("FunctionName")
    if not name:
        return Authorization(action, "*")
    if name.startswith("arn:"):
        resource = name
    elif ":function:" in name:  # "123456789012:function:F" (partial ARN)
        resource = f"arn:aws:lambda:{region}:{name}"
    else:
        resource = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    qualifier = (request.query.get("Qualifier") or [None])[0]
    if qualifier and resource.count(":") == 6:
        resource += f":{qualifier}"
    return Authorization(action, resource, {"lambda:FunctionArn": resource})


def _cognito_sync(op: str, uri: dict, region: str, account_id: str) -> Authorization:
    """Resources of Amazon Cognito Sync: ``identitypool/P``, ``.../identity/I``, ``.../dataset/D``."""
    resource = "*"
    pool = uri.get("IdentityPoolId")
    if pool:
        resource = f"arn:aws:cognito-sync:{region}:{account_id}:identitypool/{pool}"
        if uri.get("IdentityId"):
            resource += f"/identity/{uri['IdentityId']}"
            if uri.get("DatasetName"):
                resource += f"/dataset/{uri['DatasetName']}"
    return Authorization(f"cognito-sync:{op}", resource)


def _sts(op: str, params: dict) -> Authorization:
    """``sts:AssumeRole`` is authorized on the role, whose trust policy is the resource policy, with
    the keys of *Available keys for AWS STS* (IAM User Guide, reference_policies_iam-condition-keys.html)."""
    if op in ("AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML") and params.get("RoleArn"):
        keys = {}
        for param, key in (("RoleSessionName", "sts:RoleSessionName"), ("ExternalId", "sts:ExternalId"),
                           ("SourceIdentity", "sts:SourceIdentity")):
            if params.get(param):
                keys[key] = params[param]
        return Authorization(f"sts:{op}", params["RoleArn"], keys, role_arn=params["RoleArn"])
    return Authorization(f"sts:{op}", "*")


def _generic_resource(service: str, params: dict, region: str, account_id: str) -> str:
    """The resource ARN of an operation of another service, where its parameters name one."""
    if service == "iam":
        for param, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"), ("InstanceProfileName", "instance-profile")):
            if params.get(param):
                return f"arn:aws:iam::{account_id}:{kind}/{params[param]}"
        return params.get("PolicyArn") or "*"
    if service == "cognito-idp" and params.get("UserPoolId"):
        return f"arn:aws:cognito-idp:{region}:{account_id}:userpool/{params['UserPoolId']}"
    if service == "cognito-identity" and params.get("IdentityPoolId"):
        return f"arn:aws:cognito-identity:{region}:{account_id}:identitypool/{params['IdentityPoolId']}"
    return params.get("ResourceArn") or "*"


def _iam_shown(resource: str) -> str | None:
    """IAM names an existing role, user or group in its denial message as ``role <name>`` (e.g. "is not
    authorized to perform: iam:GetRole on resource: role MyRole"); a resource being created by its ARN."""
    kind, _, name = resource.partition(":iam::")[2].partition(":")[2].partition("/")
    return f"{kind} {name}" if kind in ("role", "user", "group") and name else None


# ------------------------------------------------------------------------------------------ errors


class ServiceErrors:
    """How one service answers a refused request, in its own protocol and words.

    Messages are AWS's: *Troubleshoot access denied error messages* (IAM User Guide), the S3 *Error
    responses* list (AmazonS3/latest/API/ErrorResponses.html), and the common errors of the JSON and
    Query APIs (e.g. DynamoDB *Error handling*, STS *Common Errors*).
    """

    def __init__(self, service: str):
        self.service = service
        self.protocol = protocol_of(service)

    def _render(self, err: ServiceError, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return _s3_error(err, request)
        if self.protocol in ("query", "ec2"):
            return protocols.query_error(self.service, err)
        return protocols.json_error(err, "application/json" if self.protocol == "rest-json" else protocols.JSON_CT)

    def access_denied(self, message: str, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            code, status = "AccessDenied", 403
        elif self.protocol in ("query",):
            code, status = "AccessDenied", 403
        elif self.protocol == "ec2":
            code, status = "UnauthorizedOperation", 403
        elif self.service == "cognito-sync":
            code, status = "NotAuthorizedException", 403  # the only authorization error in its model
        elif self.protocol == "rest-json":
            code, status = "AccessDeniedException", 403
        else:
            code, status = "AccessDeniedException", 400
        return self._render(ServiceError(code, message, status), request)

    def expired_token(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(ServiceError("ExpiredToken", "The provided token has expired.", 400), request)
        if self.protocol in ("query", "ec2"):
            return self._render(ServiceError("ExpiredToken", "The security token included in the request is expired", 403), request)
        status = 403 if self.protocol == "rest-json" else 400
        return self._render(ServiceError("ExpiredTokenException", "The security token included in the request is expired", status), request)

    def unknown_key(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403), request)
        return self._invalid_token(request)

    def bad_token(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(ServiceError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400), request)
        return self._invalid_token(request)

    def _invalid_token(self, request):
        if self.protocol in ("query", "ec2"):
            return self._render(ServiceError("InvalidClientTokenId", "The security token included in the request is invalid.", 403), request)
        status = 403 if self.protocol == "rest-json" else 400
        return self._render(ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.", status), request)


def _s3_error(err: ServiceError, request: Request | None) -> Response:
    """S3's REST error: ``<Error><Code/><Message/><RequestId/><HostId/></Error>`` (*Error responses*,
    AmazonS3/latest/API/ErrorResponses.html); a HEAD reply has no body, so boto3 shows only the status."""
    rid = uuid.uuid4().hex[:16].upper()
    headers = {"Content-Type": "application/xml", "x-amz-request-id": rid}
    if request is not None and request.method == "HEAD":
        return Response(err.status, headers, b"")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
        f"<RequestId>{rid}</RequestId><HostId>{base64.b64encode(uuid.uuid4().bytes * 3).decode()}</HostId></Error>"
    )
    return Response(err.status, headers, body.encode())


@functools.lru_cache(maxsize=64)
def errors_for(service: str) -> ServiceErrors:
    return ServiceErrors(service)
