"""Amazon Cognito user pools' errors: one class per error the API reference names, one hierarchy.

Each class carries AWS's ``code`` (the ``__type`` the service sends, the shape name in botocore's
``cognito-idp`` 2016-04-18 model), its HTTP ``status`` and a default ``message`` (the wording Cognito
uses most often). They are :class:`labkit.errors.ServiceError`\\ s: the wire turns one into the JSON error
AWS sends, so boto3 raises ``ClientError`` with the same ``Error.Code``. Catch them by class
(``except CodeMismatch``), never by comparing ``err.code`` strings.

API reference, "Common Errors" and each operation's "Errors"
(https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

from ..errors import ServiceError


class UserPoolError(ServiceError):
    """Base of every user-pool error. ``raise NotAuthorized()`` uses the default message."""

    code = "InternalErrorException"
    status = 400
    message = ""

    def __init__(self, message: str | None = None, **extra):
        super().__init__(self.code, type(self).message if message is None else message, status=self.status, **extra)


def _error(name: str, code: str, message: str = "", status: int = 400, doc: str = "") -> type[UserPoolError]:
    cls = type(name, (UserPoolError,), {"code": code, "status": status, "message": message, "__doc__": doc or code,
                                        "__module__": __name__})
    BY_CODE[code] = cls
    return cls


#: Each error class by its AWS code (moto's errors become these: :func:`from_moto`).
BY_CODE: dict[str, type[UserPoolError]] = {}

NotAuthorized = _error("NotAuthorized", "NotAuthorizedException", "Incorrect username or password.",
                       doc="The user, the token or the client is not allowed this (wrong password, expired token...).")
UserNotFound = _error("UserNotFound", "UserNotFoundException", "User does not exist.")
UserNotConfirmed = _error("UserNotConfirmed", "UserNotConfirmedException", "User is not confirmed.")
UsernameExists = _error("UsernameExists", "UsernameExistsException", "User already exists")
AliasExists = _error("AliasExists", "AliasExistsException", "An account with the given email already exists.")
InvalidParameter = _error("InvalidParameter", "InvalidParameterException")
InvalidPassword = _error("InvalidPassword", "InvalidPasswordException")
CodeMismatch = _error("CodeMismatch", "CodeMismatchException", "Invalid verification code provided, please try again.")
ExpiredCode = _error("ExpiredCode", "ExpiredCodeException", "Invalid code provided, please request a code again.")
LimitExceeded = _error("LimitExceeded", "LimitExceededException", "Attempt limit exceeded, please try after some time.")
ResourceNotFound = _error("ResourceNotFound", "ResourceNotFoundException")
UserLambdaValidation = _error("UserLambdaValidation", "UserLambdaValidationException")
InvalidLambdaResponse = _error("InvalidLambdaResponse", "InvalidLambdaResponseException")
PasswordResetRequired = _error("PasswordResetRequired", "PasswordResetRequiredException", "Password reset required for the user")
SoftwareTokenMFANotFound = _error("SoftwareTokenMFANotFound", "SoftwareTokenMFANotFoundException",
                                  "Software Token MFA mfa not found for the user.")
EnableSoftwareTokenMFA = _error("EnableSoftwareTokenMFA", "EnableSoftwareTokenMFAException")
UnsupportedTokenType = _error("UnsupportedTokenType", "UnsupportedTokenTypeException")
UnsupportedUserState = _error("UnsupportedUserState", "UnsupportedUserStateException")
Unauthorized = _error("Unauthorized", "UnauthorizedException", "Invalid client secret", status=401,
                      doc="RevokeToken: the client secret is wrong (the revocation endpoint's 401).")
RefreshTokenReuse = _error("RefreshTokenReuse", "RefreshTokenReuseException",
                           doc="GetTokensFromRefreshToken: a rotated-out refresh token was presented again.")
FeatureUnavailableInTier = _error("FeatureUnavailableInTier", "FeatureUnavailableInTierException",
                                  doc="The pool's feature plan (UserPoolTier) does not include the feature.")
# Passkeys (labkit.userpools.passkeys): the codes and their meaning are the API reference's (botocore's model);
# every message is a reconstruction (AWS does not document them).
WebAuthnNotEnabled = _error("WebAuthnNotEnabled", "WebAuthnNotEnabledException",
                            "Passkey sign-in is not enabled for this user pool: add WEB_AUTHN to "
                            "Policies.SignInPolicy.AllowedFirstAuthFactors.",
                            doc="The passkey feature isn't enabled for the user pool.")
WebAuthnConfigurationMissing = _error(
    "WebAuthnConfigurationMissing", "WebAuthnConfigurationMissingException",
    "The user pool has no relying party ID and no domain: set WebAuthnConfiguration.RelyingPartyId with "
    "SetUserPoolMfaConfig or create a user pool domain.",
    doc="The user pool has neither a configured relying party ID nor a user pool domain.")
WebAuthnChallengeNotFound = _error("WebAuthnChallengeNotFound", "WebAuthnChallengeNotFoundException",
                                   "The passkey registration challenge was not found or has expired. Call "
                                   "StartWebAuthnRegistration again.",
                                   doc="The challenge from StartWebAuthnRegistration has expired (or never was).")
WebAuthnClientMismatch = _error("WebAuthnClientMismatch", "WebAuthnClientMismatchException",
                                "The access token is for a different app client than the one that started the "
                                "passkey registration.",
                                doc="The access token is for another client than the StartWebAuthnRegistration request.")
WebAuthnRelyingPartyMismatch = _error("WebAuthnRelyingPartyMismatch", "WebAuthnRelyingPartyMismatchException",
                                      "The passkey credential is for a different relying party ID than the user pool's.",
                                      doc="The credential is associated with another relying party ID than the pool's.")
WebAuthnOriginNotAllowed = _error("WebAuthnOriginNotAllowed", "WebAuthnOriginNotAllowedException",
                                  "The passkey credential's origin is not allowed for the user pool's relying party ID.",
                                  doc="The credential's registration origin does not align with the pool's relying party ID.")
WebAuthnCredentialNotSupported = _error("WebAuthnCredentialNotSupported", "WebAuthnCredentialNotSupportedException",
                                        "The passkey credential is not supported.",
                                        doc="The credential comes from an unsupported device or provider.")
# CreateIdentityProvider with a ProviderName the pool has already. AWS's text as a CloudTrail event shows it
# ("<ProviderName> already exists in user pool <userPoolId>", aws-cloudformation/cloudformation-coverage-roadmap
# issue 1287); the placeholders are filled by the caller, the exact punctuation is our reconstruction.
DuplicateProvider = _error("DuplicateProvider", "DuplicateProviderException",
                           doc="CreateIdentityProvider: the pool has a provider of that name already.")
InternalError = _error("InternalError", "InternalErrorException", status=500)


def from_moto(exc) -> ServiceError:
    """A moto ``JsonRESTError`` (raised by its backend, which we use as storage) as our error class."""
    code = getattr(exc, "error_type", None) or "InternalErrorException"
    message = getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "code", 400) or 400
    cls = BY_CODE.get(code)
    if cls is not None and cls.status == status:
        return cls(message)
    return ServiceError(code, message, status=status)
