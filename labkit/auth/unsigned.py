"""Who may call without signing: the operations AWS serves unsigned, and anonymous S3.

* The operations a service's model marks as needing no SigV4 signature -- botocore's service model,
  ``"authtype": "none"`` or ``"auth": ["smithy.api#noAuth"]``: the user-pool *client* operations
  (``SignUp``, ``InitiateAuth``, ``RespondToAuthChallenge``, ``ForgotPassword``, ``GetUser`` and the
  others authorized by an access token instead), the identity-pool ``GetId``,
  ``GetCredentialsForIdentity``, ``GetOpenIdToken``, ``UnlinkIdentity``, and STS
  ``AssumeRoleWithWebIdentity`` / ``AssumeRoleWithSAML`` ("You do not need to use AWS security
  credentials to call" them -- STS API Reference). AWS does not authenticate these with a
  signature at all, so a signature they carry is not checked either.
* labkit's own endpoints (JWKS, OpenID documents, the hosted UI, the mock identity providers) are
  dispatcher routes, answered before authentication.
* Amazon S3 serves anonymous requests when the bucket allows them: "Amazon S3 supports requests
  without authentication, called anonymous requests ... For anonymous requests, the bucket policy
  or ACL must grant permission to everyone" (*Making requests*, AmazonS3/latest/API/MakingRequests.html;
  *Bucket policy examples*, "Granting read-only permission to an anonymous user"). Anonymous
  requests are evaluated here with ``Principal "*"`` against the bucket policy, and against the
  ``AllUsers`` grants of the bucket's or object's ACL.

Everything else unsigned is refused with the service's ``MissingAuthenticationToken`` error.
"""

from __future__ import annotations

import datetime as _dt
import functools

_SIGNING_TO_MODEL = {"execute-api": "apigateway"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@functools.lru_cache(maxsize=1)
def _loader():
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


@functools.lru_cache(maxsize=64)
def public_operations(service: str) -> frozenset:
    """The operations of ``service`` (a signing name) that AWS serves without a signature."""
    try:
        model = _loader().load_service_model(_SIGNING_TO_MODEL.get(service, service), "service-2")
    except Exception:
        return frozenset()
    return frozenset(
        name
        for name, op in model["operations"].items()
        if op.get("authtype") == "none" or op.get("auth") == ["smithy.api#noAuth"]
    )


# Services whose resources decide themselves whether a caller must sign: an API Gateway method's
# ``authorizationType`` (``NONE``, ``AWS_IAM``, a Cognito authorizer...) -- *Control access to a REST API
# with IAM permissions* (apigateway/latest/developerguide/permissions.html). API Gateway answers an
# unsigned call to an ``AWS_IAM`` method itself ("Missing Authentication Token").
SELF_AUTHORIZED = frozenset({"execute-api"})


def is_public(request) -> bool:
    if request.service in SELF_AUTHORIZED and not (request.headers.get("Authorization") or "").startswith("AWS4"):
        return True
    return bool(request.operation) and request.operation in public_operations(request.service)



class AnonymousDecision:
    """What an anonymous S3 request was judged: allowed or not, why, and the policy decision."""

    def __init__(self, allowed: bool, action: str, resource: str, why: str, decision=None):
        self.allowed, self.action, self.resource, self.why, self.decision = allowed, action, resource, why, decision


def anonymous_s3(sandbox, request) -> AnonymousDecision:
    """Judge an unsigned S3 request: every check the request needs must be allowed to everyone,
    by the bucket policy (``Principal: "*"``) or by an ``AllUsers`` ACL grant; an explicit Deny in the
    bucket policy refuses it even so (*Policy evaluation logic*)."""
    from .. import actions
    from ..policy import Policy, PolicyError, RequestContext, evaluate

    what = actions.authorizations(request, sandbox.account_id)
    backend = _s3(sandbox)
    last = None
    for check in what.checks:
        bucket = backend.buckets.get(check.bucket) if check.bucket else None
        if bucket is None:
            return AnonymousDecision(False, check.action, check.resource, "the bucket does not exist or none is named")
        keys = _global_keys(sandbox, request)
        keys.update(check.keys)
        decision = None
        if bucket.policy:
            text = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
            try:
                policy = Policy.parse(text, f"bucket policy of {check.bucket}")
                decision = evaluate(RequestContext(check.action, check.resource, "", sandbox.account_id, keys), [], None, policy)
            except PolicyError:
                decision = None
        if decision is not None and decision.reason == "explicit-deny":
            return AnonymousDecision(False, check.action, check.resource, "the bucket policy denies it", decision)
        if decision is not None and decision.allowed:
            last = AnonymousDecision(True, check.action, check.resource, "the bucket policy allows everyone", decision)
            continue
        if _acl_allows(bucket, request, check.action):
            last = AnonymousDecision(True, check.action, check.resource, "an ACL grants it to AllUsers", decision)
            continue
        return AnonymousDecision(False, check.action, check.resource,
                                 "no bucket policy statement allows everyone (Principal \"*\") this action, and no ACL grants it to AllUsers",
                                 decision)
    return last or AnonymousDecision(False, "s3:ListAllMyBuckets", "*", "listing buckets needs credentials")


_ACL_PERMISSION = {
    "s3:GetObject": ("object", "READ"),
    "s3:GetObjectVersion": ("object", "READ"),
    "s3:ListBucket": ("bucket", "READ"),
    "s3:ListBucketVersions": ("bucket", "READ"),
    "s3:PutObject": ("bucket", "WRITE"),
    "s3:DeleteObject": ("bucket", "WRITE"),
    "s3:GetObjectAcl": ("object", "READ_ACP"),
    "s3:GetBucketAcl": ("bucket", "READ_ACP"),
}


def _acl_allows(bucket, request, action: str) -> bool:
    """``AllUsers`` grants ("Access control list (ACL) overview", AmazonS3/latest/userguide/acl-overview.html):
    READ on an object lets anyone get it, READ on a bucket lets anyone list it, WRITE on a bucket lets
    anyone create and delete objects in it. ACLs are off when the bucket owner enforces ownership."""
    where = _ACL_PERMISSION.get(action)
    if where is None:
        return False
    ownership = getattr(bucket, "ownership_rule", None) or {}
    if isinstance(ownership, dict) and (ownership.get("ObjectOwnership") or ownership.get("Rule", {}).get("ObjectOwnership")) == "BucketOwnerEnforced":
        return False
    block = getattr(bucket, "public_access_block", None)
    if block is not None and str(getattr(block, "ignore_public_acls", "false")).lower() == "true":
        return False
    acl = bucket.acl
    if where[0] == "object":
        from .. import actions

        _, key = actions.s3_address(request)
        obj = bucket.keys.get(key) if key else None
        if obj is None:
            return False
        acl = obj.acl
    for grant in getattr(acl, "grants", None) or []:
        if any(getattr(g, "uri", None) == ALL_USERS for g in grant.grantees):
            if where[1] in grant.permissions or "FULL_CONTROL" in grant.permissions:
                return True
    return False


def _s3(sandbox):
    from .. import moto_adapter

    return moto_adapter.backend("s3", sandbox.account_id, moto_adapter.GLOBAL)


def _global_keys(sandbox, request) -> dict:
    """Global condition keys of an anonymous request (IAM User Guide, reference_policies_condition-keys.html)."""
    now = sandbox.clock.time()
    return {
        "aws:CurrentTime": _dt.datetime.fromtimestamp(int(now), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:SecureTransport": "true" if request.secure else "false",
        "aws:SourceIp": request.source_ip,
        "aws:RequestedRegion": request.region,
    }
