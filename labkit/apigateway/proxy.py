"""The Lambda proxy integration: the event API Gateway sends, and the response it expects back.

*Set up Lambda proxy integrations in API Gateway*, "Input format of a Lambda function for proxy
integration" and "Output format of a Lambda function for proxy integration"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
The event carries ``resource``, ``path``, ``httpMethod``, ``headers``/``multiValueHeaders``,
``queryStringParameters``/``multiValueQueryStringParameters``, ``pathParameters``, ``stageVariables``,
``body``, ``isBase64Encoded`` and ``requestContext`` (with ``authorizer.claims`` for a user-pool
authorizer, the Lambda authorizer's ``principalId`` and context, and ``identity`` with
``cognitoIdentityId``, ``cognitoAuthenticationProvider``... for IAM-signed calls). The function must
answer ``{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}``; anything else is
"Malformed Lambda proxy response", ``502 {"message": "Internal server error"}``.
"""

from __future__ import annotations

import base64
import json
import time

from ..wire.request import Response
from . import exceptions as gw

TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")
HOP_HEADERS = {"connection", "content-length", "transfer-encoding", "keep-alive"}


def _single_and_multi(pairs: dict) -> tuple[dict | None, dict | None]:
    if not pairs:
        return None, None
    return {k: v[-1] for k, v in pairs.items()}, {k: list(v) for k, v in pairs.items()}


def request_headers(request, host: str) -> dict:
    headers = {}
    for name, value in request.headers.items():
        if name.lower() in HOP_HEADERS:
            continue
        headers.setdefault(name, []).append(value)
    headers["Host"] = [host]
    return headers


def event(request, address, deployment, stage: str, resource, path_params: dict, query: dict,
          stage_variables: dict | None, authorized, request_id: str, now: float) -> dict:
    """The proxy event (payload format 1.0) for ``request``."""
    headers, multi_headers = _single_and_multi(request_headers(request, address.host))
    qs, multi_qs = _single_and_multi(query)
    body = request.body or b""
    ctype = (request.header("Content-Type") or "").lower()
    is_text = not body or not ctype or any(ctype.startswith(t) for t in TEXT_TYPES)
    resource_path = address.path[len(stage) + 1:] or "/"
    identity = {
        "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
        "sourceIp": request.source_ip, "principalOrgId": None, "accessKey": None, "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None, "userArn": None, "userAgent": request.header("User-Agent"), "user": None,
    }
    identity.update(authorized.identity)
    context = {
        "resourceId": resource.id, "resourcePath": resource.path, "httpMethod": request.method,
        "extendedRequestId": request_id[:16], "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "path": f"/{stage}{resource_path}", "accountId": deployment_account(deployment), "protocol": "HTTP/1.1",
        "stage": stage, "domainPrefix": address.api_id, "requestTimeEpoch": int(now * 1000), "requestId": request_id,
        "identity": identity, "domainName": address.host, "deploymentId": deployment.deployment_id, "apiId": address.api_id,
    }
    if authorized.authorizer:
        context["authorizer"] = authorized.authorizer
    return {
        "resource": resource.path,
        "path": resource_path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": qs,
        "multiValueQueryStringParameters": multi_qs,
        "pathParameters": path_params or None,
        "stageVariables": stage_variables or None,
        "requestContext": context,
        "body": (body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode()) if body else None,
        "isBase64Encoded": bool(body) and not is_text,
    }


def deployment_account(deployment) -> str:
    return getattr(deployment, "account_id", None) or "123456789012"


def response(payload: str | None, request_id: str) -> Response:
    """The HTTP response from a proxy integration's result, or a 502 for a malformed one."""
    try:
        result = json.loads(payload or "null")
    except ValueError:
        raise gw.integration_failure() from None
    if not isinstance(result, dict):
        raise gw.integration_failure()
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    if set(result) - allowed:
        raise gw.integration_failure()
    if "statusCode" not in result:
        raise gw.integration_failure()
    status = result["statusCode"]
    try:
        status = int(status)
    except (TypeError, ValueError):
        raise gw.integration_failure() from None
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise gw.integration_failure()
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
    for source in ("headers", "multiValueHeaders"):
        value = result.get(source)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise gw.integration_failure()
        for name, v in value.items():
            if isinstance(v, list):
                v = ",".join(str(x) for x in v)
            headers[str(name)] = str(v)
    data = (body or "").encode("utf-8")
    if result.get("isBase64Encoded") and body:
        try:
            data = base64.b64decode(body)
        except ValueError:
            raise gw.integration_failure() from None
    return Response(status, headers, data)
