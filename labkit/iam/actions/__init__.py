"""What a request asks IAM for, service by service: action, resource ARN(s) and condition keys.

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
and are never authorized. How each service says "denied", "expired token" and "unknown key" is
:mod:`labkit.iam.denials` (re-exported here as :class:`ServiceErrors` and :func:`errors_for`).

Rooms: :mod:`.checks` (the questions), :mod:`.s3`, :mod:`.dynamodb`, :mod:`.services` (Lambda,
Cognito Sync, STS, IAM, Cognito pools), and this entry point. REST operations are named by the one
REST router, :mod:`labkit.wire.rest`. This package knows the wire (paths, headers, bodies) and nothing
of policy semantics; the decision itself is :mod:`labkit.iam.policy`'s, and :mod:`labkit.iam.guard`
joins the two.
"""

from __future__ import annotations

import functools
import json

from ...wire import rest
from ...wire.request import Request
from ..denials import ServiceErrors, errors_for
from .checks import Authorization, RequestAuthorizations
from .dynamodb import dynamodb_authorizations
from .s3 import s3_address, s3_authorizations
from .services import cognito_sync_authorization, generic_resource, iam_shown, lambda_authorization, sts_authorization

__all__ = ["Authorization", "RequestAuthorizations", "authorizations", "credentials_of", "s3_address",
           "protocol_of", "rest_operation", "ServiceErrors", "errors_for"]


@functools.lru_cache(maxsize=64)
def _public_operations(service: str) -> frozenset:
    model = rest.service_model(service)
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
    model = rest.service_model(service)
    return (model or {}).get("metadata", {}).get("protocol", "json")


def rest_operation(request: Request) -> tuple[str | None, dict]:
    """The operation and URI parameters of a REST (rest-json) request (:func:`labkit.wire.rest.operation_of`)."""
    return rest.operation_of(request)


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
        return s3_authorizations(request)
    protocol = protocol_of(service)
    operation = request.operation
    uri_params: dict = {}
    if protocol in ("rest-json", "rest-xml"):
        operation, uri_params = rest.operation_of(request)
        operation = operation or request.operation or f"{request.method} {request.path}"
    operation = operation or "Unknown"
    if operation in _public_operations(service):
        return RequestAuthorizations(service, operation, [], public=True)
    if (service, operation) in _NO_PERMISSION_NEEDED:
        return RequestAuthorizations(service, operation, [], free=True)
    region = request.region
    if service == "dynamodb":
        return RequestAuthorizations(service, operation, dynamodb_authorizations(operation, _json_params(request), region, account_id, tables))
    if service == "lambda":
        return RequestAuthorizations(service, operation, [lambda_authorization(operation, uri_params, request, region, account_id)])
    if service == "cognito-sync":
        return RequestAuthorizations(service, operation, [cognito_sync_authorization(operation, uri_params, region, account_id)])
    params = _query_params(request) if protocol in ("query", "ec2") else _json_params(request) if protocol == "json" else uri_params
    if service == "sts":
        return RequestAuthorizations(service, operation, [sts_authorization(operation, params)])
    resource = generic_resource(service, params, region, account_id)
    check = Authorization(f"{service}:{operation}", resource)
    if service == "iam" and not operation.startswith("Create"):
        check.shown = iam_shown(resource)
    return RequestAuthorizations(service, operation, [check])


# "No permissions are required to perform this operation" (STS API Reference, GetCallerIdentity).
_NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}

