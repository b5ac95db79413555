"""API Gateway's own answers: the gateway responses a REST API sends when it, not the backend, says no.

*Gateway response types for API Gateway* (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html)
lists each type with its default status; the bodies are API Gateway's default templates,
``{"message":$context.error.messageString}``, e.g. ``{"message":"Unauthorized"}``. Denials by IAM and by a
Lambda authorizer's policy are spelled ``{"Message": ...}`` as API Gateway sends them. A response type
customised with ``PutGatewayResponse`` (status, ``gatewayresponse.header.*`` parameters, a JSON
template) is applied when the API is deployed again; the ``DEFAULT_4XX`` / ``DEFAULT_5XX`` families
apply to every type of their class that is not customised itself.
"""

from __future__ import annotations

import json

from ..wire.request import Response


class GatewayError(Exception):
    """One gateway response: ``kind`` (the response type), status, ``x-amzn-ErrorType`` and message."""

    def __init__(self, kind: str, status: int, error_type: str, message, key: str = "message"):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.status = status
        self.error_type = error_type
        self.message = message
        self.key = key

    def body(self) -> dict:
        return {self.key: self.message}


def unauthorized():
    return GatewayError("UNAUTHORIZED", 401, "UnauthorizedException", "Unauthorized")


def expired_token():
    return GatewayError("UNAUTHORIZED", 401, "UnauthorizedException", "The incoming token has expired")


def missing_authentication_token():
    return GatewayError("MISSING_AUTHENTICATION_TOKEN", 403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def forbidden():
    """An unknown stage: API Gateway answers ``{"message":"Forbidden"}``."""
    return GatewayError("DEFAULT_4XX", 403, "ForbiddenException", "Forbidden")


def iam_denied(message: str):
    return GatewayError("ACCESS_DENIED", 403, "AccessDeniedException", message, key="Message")


def invalid_token():
    return GatewayError("UNAUTHORIZED", 403, "UnrecognizedClientException", "The security token included in the request is invalid.")


def expired_credentials():
    return GatewayError("EXPIRED_TOKEN", 403, "ExpiredTokenException", "The security token included in the request is expired")


def authorizer_denied(explicit: bool):
    text = "User is not authorized to access this resource" + (" with an explicit deny" if explicit else "")
    return GatewayError("ACCESS_DENIED", 403, "AccessDeniedException", text, key="Message")


def authorizer_failure():
    """A Lambda authorizer that failed, or that API Gateway may not invoke: 500, ``{"message": null}``."""
    return GatewayError("AUTHORIZER_CONFIGURATION_ERROR", 500, "AuthorizerConfigurationException", None)


def integration_failure():
    """A Lambda proxy integration that failed or returned a malformed response: 502."""
    return GatewayError("DEFAULT_5XX", 502, "InternalServerErrorException", "Internal server error")


def configuration_error():
    """API Gateway may not invoke the integration's function: 500 "Internal server error"."""
    return GatewayError("DEFAULT_5XX", 500, "InternalServerErrorException", "Internal server error")


def integration_timeout():
    return GatewayError("INTEGRATION_TIMEOUT", 504, "InternalServerErrorException", "Endpoint request timed out")


def render(error: GatewayError, request_id: str, customised: dict | None = None) -> Response:
    """The HTTP response, with a ``PutGatewayResponse`` customisation of its type (or of its family)."""
    status = error.status
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.error_type}
    body = json.dumps(error.body(), separators=(",", ":"))
    family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    custom = (customised or {}).get(error.kind) or (customised or {}).get(family)
    if custom:
        if custom.get("status"):
            status = int(custom["status"])
        for name, value in (custom.get("parameters") or {}).items():
            if name.startswith("gatewayresponse.header.") and value.startswith("'") and value.endswith("'"):
                headers[name[len("gatewayresponse.header."):]] = value[1:-1]
        template = (custom.get("templates") or {}).get("application/json")
        if template:
            text = json.dumps(error.message) if error.message is not None else "null"
            body = template.replace("$context.error.messageString", text).replace("$context.error.message", str(error.message or ""))
    return Response(status, headers, body.encode("utf-8"))
