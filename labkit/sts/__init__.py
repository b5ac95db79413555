"""AWS STS in the sandbox: role sessions that IAM knows, granted only when the trust policy says so.

moto's STS hands out credentials for any token and any role, even one that does not exist
(see docs/moto-gaps.md). Here, following the STS API reference
(https://docs.aws.amazon.com/STS/latest/APIReference/):

* ``AssumeRoleWithWebIdentity`` validates the token (:mod:`labkit.webidentity`), evaluates the role's
  trust policy for the identity provider as the principal, and issues registered credentials;
* ``AssumeRoleWithSAML`` verifies the SAML assertion (:mod:`labkit.saml.assertions`) and does the same
  for the SAML provider as the principal;
* ``AssumeRole`` (signed) evaluates the trust policy for the caller -- the sandbox administrator, an IAM
  user, or a session the sandbox issued -- and records ``Policy`` / ``PolicyArns`` as session policies;
* ``GetCallerIdentity`` answers for sandbox-issued credentials (the assumed-role ARN).

The rooms: :mod:`.sessions` (the one issuer of role sessions, which Cognito identity pools use too),
:mod:`.service` (the operations), :mod:`.exceptions` (STS's errors). Everything else falls through to moto.
"""

from __future__ import annotations

from .exceptions import (AccessDenied, ExpiredToken, ExpiredTokenException, IDPRejectedClaimException, InvalidClientTokenId,
                         InvalidIdentityTokenException, InvalidParameterValue, MalformedPolicyDocumentException, STSError,
                         ValidationError)
from .service import STSService
from .sessions import CHAINED_MAX_DURATION, DEFAULT_DURATION, MIN_DURATION, SESSION_NAME, TrustRefused

__all__ = [
    "install", "STSService", "STSError", "AccessDenied", "ValidationError", "InvalidParameterValue", "InvalidClientTokenId",
    "ExpiredToken", "MalformedPolicyDocumentException", "InvalidIdentityTokenException", "ExpiredTokenException",
    "IDPRejectedClaimException", "TrustRefused", "SESSION_NAME", "DEFAULT_DURATION", "MIN_DURATION", "CHAINED_MAX_DURATION",
]


def install(sandbox) -> STSService:
    return sandbox.dispatcher.register(STSService(sandbox))
