"""AWS STS's errors, as the service names them (code, status, message).

Codes and statuses are the error shapes of botocore's ``sts`` 2011-06-15 model (``error.code``,
``error.httpStatusCode``) and STS's "Common Errors"
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html): ``AccessDenied`` 403,
``ValidationError`` 400, ``InvalidClientTokenId`` 403, ``ExpiredToken`` 403 (the signing credentials),
``InvalidParameterValue`` 400.
"""

from __future__ import annotations

from ..errors import ServiceException


class STSError(ServiceException):
    """Base of every error the ``sts`` service answers."""

    code = "InternalFailure"


class AccessDenied(STSError):
    """The trust policy does not allow the caller, or the role does not exist."""

    code, status = "AccessDenied", 403


class ValidationError(STSError):
    """A parameter failed its constraints (DurationSeconds, RoleSessionName)."""

    code = "ValidationError"


class InvalidParameterValue(STSError):
    code = "InvalidParameterValue"


class InvalidClientTokenId(STSError):
    """The request was signed with an access key AWS does not know."""

    code, status = "InvalidClientTokenId", 403
    default_message = "The security token included in the request is invalid."


class ExpiredToken(STSError):
    """The request was signed with temporary credentials that have expired."""

    code, status = "ExpiredToken", 403
    default_message = "The security token included in the request is expired"


class MalformedPolicyDocumentException(STSError):
    """``Policy`` (a session policy) is not a valid policy document."""

    code = "MalformedPolicyDocument"


class InvalidIdentityTokenException(STSError):
    """The web identity token or SAML assertion could not be validated."""

    code = "InvalidIdentityToken"


class ExpiredTokenException(STSError):
    """The web identity token or SAML assertion has expired."""

    code = "ExpiredTokenException"


class IDPRejectedClaimException(STSError):
    """The identity provider reported that authentication failed."""

    code, status = "IDPRejectedClaim", 403
