"""Amazon Cognito Sync's errors, as the service names them (code, meaning, HTTP status).

The statuses are the ``httpStatusCode`` of each error shape in botocore's ``cognito-sync``
2014-06-30 model; the meanings are the API reference's "Common Errors" and per-operation "Errors"
(https://docs.aws.amazon.com/cognitosync/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

from ..errors import ServiceError


class SyncError(ServiceError):
    code = "InternalErrorException"
    status = 400

    def __init__(self, message: str = ""):
        super().__init__(self.code, message, status=self.status)


class InvalidParameterException(SyncError):
    """A request parameter does not comply with the associated constraints."""

    code, status = "InvalidParameterException", 400


class NotAuthorizedException(SyncError):
    """The caller is not authorized to access the requested resource."""

    code, status = "NotAuthorizedException", 403


class ResourceNotFoundException(SyncError):
    """The identity pool, identity, dataset or device does not exist."""

    code, status = "ResourceNotFoundException", 404


class ResourceConflictException(SyncError):
    """An update can't be applied because the resource was changed by another call."""

    code, status = "ResourceConflictException", 409


class LimitExceededException(SyncError):
    """The limit on the number of objects or operations has been exceeded."""

    code, status = "LimitExceededException", 400


class TooManyRequestsException(SyncError):
    """The request is throttled."""

    code, status = "TooManyRequestsException", 429


class InvalidConfigurationException(SyncError):
    """The identity pool is not configured for what was asked (push sync)."""

    code, status = "InvalidConfigurationException", 400


class ConcurrentModificationException(SyncError):
    code, status = "ConcurrentModificationException", 400


class DuplicateRequestException(SyncError):
    """A bulk publish is already IN_PROGRESS for this identity pool."""

    code, status = "DuplicateRequestException", 400


class AlreadyStreamedException(SyncError):
    """A bulk publish was requested less than 24 hours after one completed successfully."""

    code, status = "AlreadyStreamedException", 400


class InternalErrorException(SyncError):
    code, status = "InternalErrorException", 500


# Errors every AWS service answers before the operation itself runs (the signing layer's).
class UnrecognizedClientException(SyncError):
    """The access key is not one AWS issued (https://docs.aws.amazon.com/cognitosync/latest/APIReference/CommonErrors.html)."""

    code, status = "UnrecognizedClientException", 403


class ExpiredTokenException(SyncError):
    """The temporary credentials' session token has expired."""

    code, status = "ExpiredTokenException", 403


class MissingAuthenticationTokenException(SyncError):
    """The request was not signed."""

    code, status = "MissingAuthenticationTokenException", 403
