"""How each service refuses a request it cannot authenticate: AWS's codes, statuses and messages.

The failure is decided once (:class:`Failure`, a ``kind`` plus the facts AWS reports) and rendered in
the protocol of the service that was called:

* Amazon S3 (REST-XML) -- *Error responses*, "List of error codes"
  (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): ``SignatureDoesNotMatch``
  (403, with ``AWSAccessKeyId``, ``StringToSign``, ``SignatureProvided``, ``CanonicalRequest``...),
  ``InvalidAccessKeyId`` (403), ``AccessDenied`` "Request has expired" (403, with ``X-Amz-Expires``,
  ``Expires``, ``ServerTime``), ``RequestTimeTooSkewed`` (403, ``MaxAllowedSkewMilliseconds``),
  ``ExpiredToken`` (400), ``InvalidToken`` (400), ``XAmzContentSHA256Mismatch`` (400),
  ``AuthorizationQueryParametersError`` (400), ``AccessDenied`` "Access Denied" (403, anonymous).
* Query services, STS and IAM (XML ``ErrorResponse``) -- *Common Errors*
  (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html): ``SignatureDoesNotMatch``,
  ``InvalidClientTokenId``, ``MissingAuthenticationToken``, ``IncompleteSignature``, ``ExpiredToken``,
  all 403 (``IncompleteSignature`` 400).
* JSON services, DynamoDB and Cognito (awsJson) -- *Error handling with DynamoDB*
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html) and
  Cognito's *Common Errors* (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html):
  ``InvalidSignatureException``, ``UnrecognizedClientException``, ``MissingAuthenticationTokenException``,
  ``IncompleteSignatureException``, ``ExpiredTokenException``, all 400; the REST-JSON Cognito Sync
  sends the same codes with status 403.
"""

from __future__ import annotations

import base64
import datetime as _dt
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ..errors import ServiceError
from ..wire import protocols
from ..wire.request import Request, Response

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
S3_SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
MISSING_TOKEN = "Request is missing Authentication Token"
S3_UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records."

# The kinds of failure, in the words labkit's explanations use.
KINDS = {
    "missing": "the request carries no signature, and this operation may not be called anonymously",
    "incomplete": "the signature is malformed or incomplete",
    "query-params": "the presigned URL's authentication parameters are missing or malformed",
    "unknown-key": "the access key id is not one this account issued",
    "bad-token": "the session token does not belong to this access key",
    "expired-token": "the temporary credentials have expired",
    "signature": "the signature does not match: the request was signed with another secret key (or altered)",
    "skew": "the request was signed too long ago (or in the future): more than 15 minutes from the server's time",
    "presign-expired": "the presigned URL has expired",
    "scope": "the signature's credential scope does not match the request",
    "content-sha256": "the body does not match the x-amz-content-sha256 header the client signed",
    "anonymous-denied": "an anonymous request, and no bucket policy or ACL allows it",
}


@dataclass
class Failure:
    """Why a request failed authentication, and the facts the service's error reports."""

    kind: str
    message: str = ""  # for the JSON/query services' message, when not the default of the kind
    access_key: str | None = None
    details: dict = field(default_factory=dict)  # S3's extra elements (StringToSign, ServerTime...)
    service: str | None = None  # render as this service's error (when the request named none)

    @property
    def reason(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _protocol(service: str) -> str:
    if service == "s3":
        return "rest-xml"
    if service in ("sts", "iam", "sns", "sqs", "ses", "ec2", "cloudformation", "rds"):
        return "query"
    if service in ("cognito-sync", "lambda", "apigateway", "execute-api"):
        return "rest-json"
    return "json"


_JSON_CODES = {
    "missing": ("MissingAuthenticationTokenException", MISSING_TOKEN),
    "incomplete": ("IncompleteSignatureException", "The request signature does not conform to AWS standards."),
    "query-params": ("IncompleteSignatureException", "The request signature does not conform to AWS standards."),
    "unknown-key": ("UnrecognizedClientException", INVALID_TOKEN),
    "bad-token": ("UnrecognizedClientException", INVALID_TOKEN),
    "expired-token": ("ExpiredTokenException", EXPIRED_TOKEN),
    "signature": ("InvalidSignatureException", SIGNATURE_MISMATCH),
    "skew": ("InvalidSignatureException", SIGNATURE_MISMATCH),
    "presign-expired": ("InvalidSignatureException", "Signature expired"),
    "scope": ("InvalidSignatureException", "Credential should be scoped to a valid region."),
    "content-sha256": ("InvalidSignatureException", SIGNATURE_MISMATCH),
    "anonymous-denied": ("MissingAuthenticationTokenException", MISSING_TOKEN),
}
_QUERY_CODES = {
    "missing": ("MissingAuthenticationToken", MISSING_TOKEN, 403),
    "incomplete": ("IncompleteSignature", "The request signature does not conform to AWS standards.", 400),
    "query-params": ("IncompleteSignature", "The request signature does not conform to AWS standards.", 400),
    "unknown-key": ("InvalidClientTokenId", INVALID_TOKEN, 403),
    "bad-token": ("InvalidClientTokenId", INVALID_TOKEN, 403),
    "expired-token": ("ExpiredToken", EXPIRED_TOKEN, 403),
    "signature": ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403),
    "skew": ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403),
    "presign-expired": ("SignatureDoesNotMatch", "Signature expired", 403),
    "scope": ("SignatureDoesNotMatch", "Credential should be scoped to a valid region.", 403),
    "content-sha256": ("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403),
    "anonymous-denied": ("MissingAuthenticationToken", MISSING_TOKEN, 403),
}
_S3_CODES = {
    "missing": ("AccessDenied", "Access Denied", 403),
    "anonymous-denied": ("AccessDenied", "Access Denied", 403),
    "incomplete": ("AuthorizationHeaderMalformed", "The authorization header is malformed.", 400),
    "query-params": ("AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter.", 400),
    "unknown-key": ("InvalidAccessKeyId", S3_UNKNOWN_KEY, 403),
    "bad-token": ("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
    "expired-token": ("ExpiredToken", "The provided token has expired.", 400),
    "signature": ("SignatureDoesNotMatch", S3_SIGNATURE_MISMATCH, 403),
    "skew": ("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403),
    "presign-expired": ("AccessDenied", "Request has expired", 403),
    "scope": ("AuthorizationHeaderMalformed", "The authorization header is malformed.", 400),
    "content-sha256": ("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400),
}


def render(failure: Failure, request: Request) -> Response:
    """The service's own error response for ``failure``."""
    service = failure.service or request.service
    protocol = _protocol(service)
    if protocol == "rest-xml":
        code, message, status = _S3_CODES[failure.kind]
        if failure.message and failure.kind in ("incomplete", "scope", "query-params"):
            message = failure.message
        return s3_error(code, message, status, request, failure.details)
    if protocol == "query":
        code, message, status = _QUERY_CODES[failure.kind]
        return protocols.query_error(service, ServiceError(code, failure.message or message, status))
    code, message = _JSON_CODES[failure.kind]
    status = 403 if protocol == "rest-json" else 400
    content_type = "application/json" if protocol == "rest-json" else protocols.JSON_CT
    return protocols.json_error(ServiceError(code, failure.message or message, status), content_type)


def s3_error(code: str, message: str, status: int, request: Request | None, details: dict | None = None) -> Response:
    """S3's REST error document, ``<Error><Code/><Message/>...<RequestId/><HostId/></Error>``; the
    extra elements in the order S3 sends them. A HEAD reply has no body (boto3 shows the status)."""
    rid = uuid.uuid4().hex[:16].upper()
    headers = {"Content-Type": "application/xml", "x-amz-request-id": rid}
    if request is not None and request.method == "HEAD":
        return Response(status, headers, b"")
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in (details or {}).items() if v is not None)
    host_id = base64.b64encode(uuid.uuid4().bytes * 3).decode()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>{extra}"
        f"<RequestId>{rid}</RequestId><HostId>{host_id}</HostId></Error>"
    )
    return Response(status, headers, body.encode())


def iso(epoch: float) -> str:
    """S3's ``ServerTime``/``Expires`` spelling: ``2026-12-01T22:00:00Z``."""
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def amz(epoch: float) -> str:
    """SigV4's basic ISO 8601 spelling: ``20261201T220000Z``."""
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
