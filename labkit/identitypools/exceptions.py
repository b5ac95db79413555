"""Amazon Cognito identity pools' errors, as the service names them (code, status, message).

The codes are the error shapes of botocore's ``cognito-identity`` 2014-06-30 model and the API
reference's per-operation "Errors" (https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/CommonErrors.html);
the model gives no HTTP status, and the service answers 400 for each of them.
"""

from __future__ import annotations

from ..errors import ServiceException


class CognitoIdentityError(ServiceException):
    """Base of every error the ``cognito-identity`` service answers."""

    code = "InternalErrorException"


class NotAuthorizedException(CognitoIdentityError):
    """A login was refused, a guest is not allowed, or the identity is not the caller's."""

    code = "NotAuthorizedException"


class ResourceNotFoundException(CognitoIdentityError):
    """The identity pool, identity or developer user does not exist."""

    code = "ResourceNotFoundException"


class InvalidParameterException(CognitoIdentityError):
    """A request parameter does not comply with the constraints."""

    code = "InvalidParameterException"


class ValidationException(CognitoIdentityError):
    """A member failed the model's constraints (pattern, length)."""

    code = "ValidationException"


class ResourceConflictException(CognitoIdentityError):
    """Linking would give an identity two logins of one provider."""

    code = "ResourceConflictException"


class InvalidIdentityPoolConfigurationException(CognitoIdentityError):
    """The pool has no role for this identity, or the role does not trust the pool."""

    code = "InvalidIdentityPoolConfigurationException"
    default_message = "Invalid identity pool configuration. Check assigned IAM roles for this pool."


class DeveloperUserAlreadyRegisteredException(CognitoIdentityError):
    """The developer user identifier is registered under another identity."""

    code = "DeveloperUserAlreadyRegisteredException"
    default_message = ("The provided developer user identifier is already registered with Cognito under a different "
                       "identity ID.")


UNAUTHENTICATED_REFUSED = "Unauthenticated access is not supported for this identity pool."
UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
LOGINS_DONT_MATCH = "Logins don't match. Please include at least one valid login for this identity or identity pool."
CUSTOM_ROLE_REFUSED = "The role ARN provided is not one the identity provider's token allows (CustomRoleArn)."
