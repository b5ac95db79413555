"""How a service says no: the IAM guard's refusals, in each service's protocol, code and words.

Messages are AWS's: *Troubleshoot access denied error messages* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html#access_denied_error_messages),
the S3 *Error responses* list (AmazonS3/latest/API/ErrorResponses.html), and the common errors of the
JSON and Query APIs (e.g. DynamoDB *Error handling*, STS *Common Errors*). The error classes are
:mod:`labkit.iam.exceptions`'.
"""

from __future__ import annotations

import base64
import functools
import uuid
from xml.sax.saxutils import escape

from ..errors import ServiceError
from ..wire import protocols
from ..wire.request import Request, Response
from . import exceptions as e
from .policy import Decision

__all__ = ["ServiceErrors", "errors_for", "denial_message"]

_POLICY_KIND_WORDS = {
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "session": "a session policy",
    "boundary": "a permissions boundary",
}
_IMPLICIT_WORDS = {
    "implicit-deny": "identity-based policy",
    "session-policy-deny": "session policy",
    "boundary-deny": "permissions boundary",
    "cross-account-deny": "resource-based policy",
}


def denial_message(principal: str, action: str, resource: str, decision: Decision, *, quote_resource: bool = False) -> str:
    """AWS's access denied message: *Access denied error messages* (IAM User Guide,
    troubleshoot_access-denied.html#access_denied_error_messages): "User: <principal> is not
    authorized to perform: <action> on resource: <resource> because no <policy type> allows the
    <action> action", or "... with an explicit deny in <a policy type>"."""
    shown = f'"{resource}"' if quote_resource else resource
    head = f"User: {principal} is not authorized to perform: {action}"
    if resource != "*":  # an action on no particular resource is named alone (s3:ListAllMyBuckets)
        head += f" on resource: {shown}"
    if decision.reason == "explicit-deny":
        deny = next((m for m in decision.matched if m.effect == "Deny"), None)
        return f"{head} with an explicit deny in {_POLICY_KIND_WORDS.get(deny.kind if deny else 'identity')}"
    return f"{head} because no {_IMPLICIT_WORDS.get(decision.reason, 'identity-based policy')} allows the {action} action"


class ServiceErrors:
    """How one service answers a refused request, in its own protocol and words."""

    def __init__(self, service: str):
        from .actions import protocol_of

        self.service = service
        self.protocol = protocol_of(service)

    def _render(self, err: ServiceError, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return _s3_error(err, request)
        if self.protocol in ("query", "ec2"):
            return protocols.query_error(self.service, err)
        return protocols.json_error(err, "application/json" if self.protocol == "rest-json" else protocols.JSON_CT)

    def access_denied(self, message: str, request: Request | None = None) -> Response:
        if self.protocol in ("rest-xml", "query"):
            err = e.AccessDenied(message)
        elif self.protocol == "ec2":
            err = e.UnauthorizedOperation(message)
        elif self.service == "cognito-sync":
            err = e.NotAuthorizedException(message)  # the only authorization error in its model
        else:
            err = e.AccessDeniedException(message, 403 if self.protocol == "rest-json" else 400)
        return self._render(err, request)

    def expired_token(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(e.ExpiredToken("The provided token has expired.", 400), request)
        if self.protocol in ("query", "ec2"):
            return self._render(e.ExpiredToken(), request)
        return self._render(e.ExpiredTokenException(status=self._json_status), request)

    def unknown_key(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(e.InvalidAccessKeyId(), request)
        return self._invalid_token(request)

    def bad_token(self, request: Request | None = None) -> Response:
        if self.protocol == "rest-xml":
            return self._render(e.InvalidToken(), request)
        return self._invalid_token(request)

    @property
    def _json_status(self) -> int:
        return 403 if self.protocol == "rest-json" else 400

    def _invalid_token(self, request):
        if self.protocol in ("query", "ec2"):
            return self._render(e.InvalidClientTokenId(), request)
        return self._render(e.UnrecognizedClientException(status=self._json_status), request)


def _s3_error(err: ServiceError, request: Request | None) -> Response:
    """S3's REST error: ``<Error><Code/><Message/><RequestId/><HostId/></Error>`` (*Error responses*,
    AmazonS3/latest/API/ErrorResponses.html); a HEAD reply has no body, so boto3 shows only the status."""
    rid = uuid.uuid4().hex[:16].upper()
    headers = {"Content-Type": "application/xml", "x-amz-request-id": rid}
    if request is not None and request.method == "HEAD":
        return Response(err.status, headers, b"")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
        f"<RequestId>{rid}</RequestId><HostId>{base64.b64encode(uuid.uuid4().bytes * 3).decode()}</HostId></Error>"
    )
    return Response(err.status, headers, body.encode())


@functools.lru_cache(maxsize=64)
def errors_for(service: str) -> ServiceErrors:
    return ServiceErrors(service)
