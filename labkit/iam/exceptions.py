"""IAM's errors, in one hierarchy, each class carrying AWS's code, HTTP status and message.

Two kinds, never mixed (see :mod:`labkit.errors`):

* :class:`PolicyError` is raised in the learner's Python by :meth:`labkit.iam.policy.Policy.parse` and
  :func:`labkit.iam.policy.evaluate` for a document IAM would refuse; it reads like IAM's
  ``MalformedPolicyDocument`` but says where the fault is.
* :class:`IamError` and its subclasses are answers of the simulated services
  (:class:`labkit.errors.ServiceError`): the wire turns them into AWS's HTTP error, and boto3 raises
  its usual ``ClientError``. IAM's own operations answer with :class:`MalformedPolicyDocument`,
  :class:`EntityAlreadyExists`...; every service the IAM guard protects answers a refused request
  with an :class:`AuthorizationError` in that service's spelling (:mod:`labkit.iam.denials` picks
  the class and the status by protocol).

Codes and statuses: the *IAM API Reference* "Errors" section of each operation (e.g. CreateSAMLProvider:
``EntityAlreadyExists``, HTTP 409; ``MalformedPolicyDocument``, HTTP 400) and *Troubleshoot access
denied error messages* (IAM User Guide, troubleshoot_access-denied.html).
"""

from __future__ import annotations

from ..errors import ServiceError

__all__ = [
    "PolicyError",
    "IamError",
    "MalformedPolicyDocument",
    "EntityAlreadyExists",
    "AuthorizationError",
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "NotAuthorizedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
]


class PolicyError(ValueError):
    """A policy document IAM would refuse: the message says what is wrong and where.

    Like IAM's ``MalformedPolicyDocument`` error, but naming the policy, the statement (``Statement[i]``
    and its ``Sid``) and the element, e.g.
    ``MalformedPolicyDocument: policy 'cognito-auth', Statement[1] (Sid 'OwnPrefix'), Condition:
    unknown condition operator 'StringEqual' (did you mean 'StringEquals'?)``.
    """

    def __init__(self, message: str, *, policy: str = "", statement: int | None = None, sid: str | None = None, element: str = ""):
        where = []
        if policy:
            where.append(f"policy {policy!r}")
        if statement is not None:
            where.append(f"Statement[{statement}]" + (f" (Sid {sid!r})" if sid else ""))
        if element:
            where.append(element)
        super().__init__("MalformedPolicyDocument: " + (", ".join(where) + ": " if where else "") + message)
        self.policy, self.statement, self.sid, self.element = policy, statement, sid, element



class IamError(ServiceError):
    """An AWS error answer of IAM (or of the IAM check in front of a service): ``code``, ``status`` and a
    default ``message`` are class attributes; the message may be given per answer."""

    code = "ServiceFailure"
    status = 500
    message = ""

    def __init__(self, message: str | None = None, status: int | None = None):
        super().__init__(type(self).code, type(self).message if message is None else message, status)


class MalformedPolicyDocument(IamError):
    """"The request was rejected because the policy document was malformed" (IAM API Reference, HTTP 400)."""

    code, status = "MalformedPolicyDocument", 400


class EntityAlreadyExists(IamError):
    """"The request was rejected because it attempted to create a resource that already exists"
    (IAM API Reference, HTTP 409)."""

    code, status = "EntityAlreadyExists", 409


# -------------------------------------------------------------------- refusals by the IAM guard


class AuthorizationError(IamError):
    """A request the IAM guard refused: not authenticated (an unknown key, a wrong or expired token) or
    not authorized (no policy allows it). The status depends on the service's protocol."""

    status = 403


class AccessDenied(AuthorizationError):
    """S3 and the Query services (IAM, STS): "User: ... is not authorized to perform: ..."."""

    code = "AccessDenied"


class AccessDeniedException(AuthorizationError):
    """The JSON services (DynamoDB 400; rest-json services such as Lambda 403)."""

    code = "AccessDeniedException"


class UnauthorizedOperation(AuthorizationError):
    """The EC2 protocol's access denied."""

    code = "UnauthorizedOperation"


class NotAuthorizedException(AuthorizationError):
    """Amazon Cognito Sync's only authorization error (HTTP 403 in its model)."""

    code = "NotAuthorizedException"


class ExpiredToken(AuthorizationError):
    """S3 (HTTP 400, "The provided token has expired.") and the Query services (HTTP 403)."""

    code = "ExpiredToken"
    message = "The security token included in the request is expired"


class ExpiredTokenException(AuthorizationError):
    """The JSON services' expired session token."""

    code = "ExpiredTokenException"
    message = "The security token included in the request is expired"


class InvalidAccessKeyId(AuthorizationError):
    """S3: an access key nobody issued (or one made inactive)."""

    code = "InvalidAccessKeyId"
    message = "The AWS Access Key Id you provided does not exist in our records."


class InvalidToken(AuthorizationError):
    """S3: a session token that is not the one issued with the key (HTTP 400)."""

    code, status = "InvalidToken", 400
    message = "The provided token is malformed or otherwise invalid."


class InvalidClientTokenId(AuthorizationError):
    """The Query services: an unknown key or a wrong session token."""

    code = "InvalidClientTokenId"
    message = "The security token included in the request is invalid."


class UnrecognizedClientException(AuthorizationError):
    """The JSON services: an unknown key or a wrong session token."""

    code = "UnrecognizedClientException"
    message = "The security token included in the request is invalid."
