"""Amazon Cognito user pools' errors, by the names the API reference gives them.

Each is a :class:`labkit.errors.ServiceError`: the wire turns it into the JSON error AWS sends
(``__type`` and ``message``), so boto3 raises ``ClientError`` with the same ``Error.Code``.
"""

from __future__ import annotations

from ..errors import ServiceError


def _error(code: str, default: str = ""):
    def make(message: str = default) -> ServiceError:
        return ServiceError(code, message)

    make.__name__ = code
    return make


NotAuthorized = _error("NotAuthorizedException", "Incorrect username or password.")
UserNotFound = _error("UserNotFoundException", "User does not exist.")
UserNotConfirmed = _error("UserNotConfirmedException", "User is not confirmed.")
UsernameExists = _error("UsernameExistsException", "User already exists")
AliasExists = _error("AliasExistsException", "An account with the given email already exists.")
InvalidParameter = _error("InvalidParameterException")
InvalidPassword = _error("InvalidPasswordException")
CodeMismatch = _error("CodeMismatchException", "Invalid verification code provided, please try again.")
ExpiredCode = _error("ExpiredCodeException", "Invalid code provided, please request a code again.")
LimitExceeded = _error("LimitExceededException", "Attempt limit exceeded, please try after some time.")
ResourceNotFound = _error("ResourceNotFoundException")
UserLambdaValidation = _error("UserLambdaValidationException")
PasswordResetRequired = _error("PasswordResetRequiredException", "Password reset required for the user")
SoftwareTokenMFANotFound = _error("SoftwareTokenMFANotFoundException", "Software Token MFA mfa not found for the user.")
EnableSoftwareTokenMFA = _error("EnableSoftwareTokenMFAException")
UnsupportedTokenType = _error("UnsupportedTokenTypeException")
UnsupportedUserState = _error("UnsupportedUserStateException")


def from_moto(exc) -> ServiceError:
    """A moto ``JsonRESTError`` (raised by its backend, which we use as storage) as our error."""
    code = getattr(exc, "error_type", None) or "InternalErrorException"
    message = getattr(exc, "message", None) or str(exc)
    return ServiceError(code, message, status=getattr(exc, "code", 400) or 400)
