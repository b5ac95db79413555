"""Who may touch which Cognito Sync data.

The API Reference says, operation by operation, which credentials a call accepts:

* "With Amazon Cognito Sync, the data stored for each identity is accessible only to credentials assigned
  to that identity" (service overview): temporary credentials that Cognito Identity issued for identity X
  (GetCredentialsForIdentity, or AssumeRoleWithWebIdentity with X's OpenID token) reach only X's data.
* "This API can only be called with developer credentials" (the identity-pool-wide operations below):
  refused to Cognito Identity credentials.
* "This API can only be called with temporary credentials provided by Cognito Identity" (push-sync device
  operations): refused to developer credentials.

The IAM policy check (``cognito-sync:<Operation>`` on the dataset's ARN) is the IAM guard's, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import moto_adapter
from .exceptions import (
    ExpiredTokenException,
    MissingAuthenticationTokenException,
    NotAuthorizedException,
    UnrecognizedClientException,
)

DEVELOPER_ONLY = frozenset({
    "BulkPublish", "DescribeIdentityPoolUsage", "GetBulkPublishDetails", "GetCognitoEvents",
    "GetIdentityPoolConfiguration", "ListIdentityPoolUsage", "SetCognitoEvents", "SetIdentityPoolConfiguration",
})
IDENTITY_ONLY = frozenset({"RegisterDevice", "SubscribeToDataset", "UnsubscribeFromDataset"})

SUB = "cognito-identity.amazonaws.com:sub"
AUD = "cognito-identity.amazonaws.com:aud"
AMR = "cognito-identity.amazonaws.com:amr"


@dataclass
class Caller:
    """The signer of a request: an identity's temporary credentials, or the developer's own."""

    access_key: str
    identity_id: str | None = None  # set for Cognito Identity credentials
    pool_id: str | None = None
    guest: bool = False
    creds: object = None

    @property
    def is_identity(self) -> bool:
        return self.identity_id is not None


def _context(creds, key: str):
    ctx = getattr(creds, "context", None) or {}
    for k, v in ctx.items():
        if k.lower() == key:
            return v
    return None


def identify(sandbox, access_key: str | None) -> Caller:
    """Caller of a request signed with ``access_key`` (AWS's signing-layer errors first)."""
    if not access_key:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    creds = sandbox.issued.get(access_key)
    if creds is not None:
        if sandbox.issued.expired(creds):
            raise ExpiredTokenException("The security token included in the request is expired")
        identity = creds.identity_id or _context(creds, SUB)
        if not identity:
            return Caller(access_key, creds=creds)  # STS AssumeRole etc.: developer credentials
        amr = _context(creds, AMR) or []
        if isinstance(amr, str):
            amr = [amr]
        return Caller(access_key, identity_id=identity, pool_id=_context(creds, AUD), guest="unauthenticated" in amr,
                      creds=creds)
    from ..sandbox import ADMIN_ACCESS_KEY

    if access_key == ADMIN_ACCESS_KEY or _iam_user_key(sandbox, access_key):
        return Caller(access_key)
    raise UnrecognizedClientException("The security token included in the request is invalid.")


def _iam_user_key(sandbox, access_key: str) -> bool:
    try:
        return access_key in moto_adapter.backend("iam", sandbox.account_id, moto_adapter.GLOBAL).access_keys
    except Exception:
        return False


def authorize(caller: Caller, operation: str, pool_id: str | None, identity_id: str | None,
              pool_allows_guests: bool = True) -> None:
    """Refuse what the API Reference says this caller may not do (NotAuthorizedException)."""
    if caller.is_identity:
        if operation in DEVELOPER_ONLY:
            raise NotAuthorizedException(
                f"{operation} can only be called with developer credentials, not with the temporary credentials "
                "of a Cognito identity"
            )
        if pool_id and caller.pool_id and caller.pool_id != pool_id:
            raise NotAuthorizedException(
                f"Access to Identity '{identity_id}' is forbidden: these credentials belong to identity pool {caller.pool_id}"
            )
        if identity_id and caller.identity_id != identity_id:
            raise NotAuthorizedException(
                f"Access to Identity '{identity_id}' is forbidden: these credentials belong to identity {caller.identity_id}"
            )
        if caller.guest and not pool_allows_guests:
            raise NotAuthorizedException(
                "Unauthenticated access is not supported for this identity pool."
            )
    elif operation in IDENTITY_ONLY:
        raise NotAuthorizedException(
            f"{operation} can only be called with temporary credentials provided by Cognito Identity, "
            "not with developer credentials"
        )
