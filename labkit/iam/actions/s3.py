"""Amazon S3: the action, resource ARN and condition keys of each S3 request.

Follows the *Service Authorization Reference*, "Actions, resources, and condition keys for Amazon S3"
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), and *Required
permissions for Amazon S3 API operations* (AmazonS3/latest/userguide/using-with-s3-policy-actions.html):
object operations on ``arn:aws:s3:::bucket/key``, bucket operations on ``arn:aws:s3:::bucket``,
path-style and virtual-hosted addresses, ``s3:prefix``, ``s3:delimiter``, ``s3:max-keys``,
``s3:x-amz-acl``...
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from ...wire.request import Request
from .checks import Authorization, RequestAuthorizations

__all__ = ["s3_address", "s3_authorizations"]

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


def s3_authorizations(request: Request) -> RequestAuthorizations:
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

