"""HTTP APIs (API Gateway v2): routes, a JWT authorizer for a user pool, Lambda integrations (payload 2.0).

* Routes (*Working with routes for HTTP APIs*, http-api-develop-routes.html): ``GET /notes/{id}``,
  greedy ``{proxy+}``, ``ANY`` and ``$default``; the most specific match wins; no match is ``404
  {"message":"Not Found"}``. A stage named ``$default`` is served at the root of the invoke URL, any
  other under ``/{stage}``. moto stores stages without deployments, so every stage serves the API as it is
  now (as an ``autoDeploy`` stage does).
* JWT authorizer (*Controlling access to HTTP APIs with JWT authorizers*, http-api-jwt-authorizer.html):
  the token of the identity source (``$request.header.Authorization``, ``Bearer`` prefix optional) is
  verified locally -- signature by the issuer's JWKS, ``iss`` equal to the configured issuer, ``exp``,
  and ``aud`` or ``client_id`` one of the configured audiences -- then the route's scopes: "If the route
  has scopes, the token must include at least one of them" (``403 {"message":"Forbidden"}``). Failures are
  ``401 {"message":"Unauthorized"}`` with a ``www-authenticate`` header saying why. Only user pool issuers
  are verified (:func:`labkit.tokens.verify`).
* Lambda integration, payload format 2.0 (*Create AWS Lambda proxy integrations for HTTP APIs*,
  http-api-develop-integrations-lambda.html): the 2.0 event, and the response: a dict with
  ``statusCode``, or any other JSON value, which "API Gateway assumes" is the body of a 200 with
  ``content-type: application/json``. A failed function is ``500 {"message":"Internal Server Error"}``.
"""

from __future__ import annotations

import base64
import json
import re
import time

from .. import tokens
from ..errors import NotSimulated
from ..wire.request import Response
from .authorizers import APIGATEWAY, lambda_arn_of

JSON = "application/json"


def _json_response(status: int, doc, request_id: str, **headers) -> Response:
    return Response(status, {"Content-Type": JSON, "apigw-requestid": request_id, **headers},
                    json.dumps(doc, separators=(",", ":")).encode("utf-8"))


def not_found(request_id):
    return _json_response(404, {"message": "Not Found"}, request_id)


def _route_pattern(path: str):
    regex, literal = "", 0
    names = []
    for piece in [p for p in path.split("/") if p]:
        if piece.startswith("{") and piece.endswith("+}"):
            names.append(piece[1:-2])
            regex += f"/(?P<g{len(names)}>.+)"
        elif piece.startswith("{") and piece.endswith("}"):
            names.append(piece[1:-1])
            regex += f"/(?P<g{len(names)}>[^/]+)"
        else:
            regex += "/" + re.escape(piece)
            literal += 1000 + len(piece)
    return re.compile(regex or "/"), names, literal - (500 if "+}" in path else 0)


def match_route(api, method: str, path: str):
    """``(route, path parameters)`` of the most specific route for ``method path``, else ``(None, {})``."""
    best = None
    default = None
    for route in api.routes.values():
        key = route.route_key or ""
        if key == "$default":
            default = route
            continue
        verb, _, template = key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        pattern, names, literal = _route_pattern(template)
        m = pattern.fullmatch(path if path == "/" else path.rstrip("/") or "/")
        if m:
            rank = (literal, verb != "ANY")
            if best is None or rank > best[0]:
                best = (rank, route, {n: m.group(f"g{i + 1}") for i, n in enumerate(names)})
    if best is not None:
        return best[1], best[2]
    return (default, {}) if default is not None else (None, {})


def serve(component, request, address, api, request_id: str) -> Response:
    from .. import awslambda

    sandbox = component.sandbox
    first, _, rest = address.path.lstrip("/").partition("/")
    if first in api.stages and first != "$default":
        stage, path = first, "/" + rest
    elif "$default" in api.stages:
        stage, path = "$default", address.path or "/"
    else:
        return not_found(request_id)
    method = request.method.upper()
    route, params = match_route(api, method, path)
    if route is None:
        return not_found(request_id)
    authorizer_part = None
    if (route.authorization_type or "NONE").upper() == "JWT":
        authorizer = api.authorizers.get(route.authorizer_id or "")
        refusal, authorizer_part = _jwt(request, authorizer, route, sandbox.clock.time(), request_id)
        if refusal is not None:
            return refusal
    integration = api.integrations.get((route.target or "").split("/", 1)[-1]) if route.target else None
    uri = (integration.integration_uri or "") if integration is not None else ""
    function_arn = lambda_arn_of(uri) if ":apigateway:" in uri else (uri if uri.startswith("arn:aws:lambda:") else None)
    if integration is None or (integration.integration_type or "").upper() != "AWS_PROXY" or not function_arn:
        if integration is None:
            return _json_response(500, {"message": "Internal Server Error"}, request_id)
        raise NotSimulated(f"The sandbox serves Lambda (AWS_PROXY) integrations of HTTP APIs; this route's is "
                           f"{integration.integration_type} {integration.integration_uri or ''}.")
    fn = awslambda.function_of(sandbox, function_arn)
    template = (route.route_key or "").partition(" ")[2] or "/"
    source_arn = f"arn:aws:execute-api:{address.region}:{sandbox.account_id}:{api.api_id}/{stage}/{method}{template}"
    if fn is None or not awslambda.service_may_invoke(sandbox, fn, APIGATEWAY, source_arn):
        return _json_response(500, {"message": "Internal Server Error"}, request_id)
    event = event_v2(request, address, api, stage, route, path, params, authorizer_part, request_id, sandbox)
    outcome = awslambda.invoke(sandbox, function_arn, event)
    if outcome.failed:
        return _json_response(500, {"message": "Internal Server Error"}, request_id)
    return response_v2(outcome.payload, request_id)


def _jwt(request, authorizer, route, now, request_id):
    def refuse(description):
        return _json_response(401, {"message": "Unauthorized"}, request_id, **{
            "www-authenticate": f'Bearer scope="" error="invalid_token" error_description="{description}"'}), None

    if authorizer is None:
        return _json_response(500, {"message": "Internal Server Error"}, request_id), None
    sources = authorizer.identity_source or ["$request.header.Authorization"]
    sources = [sources] if isinstance(sources, str) else list(sources)
    header = sources[0].split("$request.header.", 1)[-1] if sources else "Authorization"
    token = request.header(header)
    if not token:
        return refuse("no token found")
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    config = authorizer.jwt_config or {}
    issuer = config.get("issuer") or config.get("Issuer")
    audiences = config.get("audience") or config.get("Audience") or []
    try:
        claims = tokens.verify(token, issuer=issuer, now=now)
    except tokens.Expired:
        return refuse("the token has expired")
    except tokens.WrongIssuer:
        return refuse("the token has an invalid issuer")
    except (tokens.TokenError, Exception):  # noqa: BLE001 - any unverifiable token is just refused
        return refuse("the token has an invalid signature")
    if claims.get("aud") not in audiences and claims.get("client_id") not in audiences:
        return refuse("the token does not have a valid audience")
    scopes = list(route.authorization_scopes or [])
    granted = str(claims.get("scope") or "").split()
    if scopes and not set(scopes) & set(granted):
        wanted = " ".join(scopes)
        return _json_response(403, {"message": "Forbidden"}, request_id, **{
            "www-authenticate": f'Bearer scope="{wanted}" error="insufficient_scope" error_description="expected scopes: [{wanted}]"'}), None
    return None, {"jwt": {"claims": {k: (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v).lower() if isinstance(v, bool) else str(v))
                                     for k, v in claims.items()},
                          "scopes": granted or None}}


def event_v2(request, address, api, stage, route, path, params, authorizer, request_id, sandbox) -> dict:
    """The payload format 2.0 event."""
    headers = {}
    cookies = []
    for name, value in request.headers.items():
        low = name.lower()
        if low in ("connection", "content-length", "transfer-encoding"):
            continue
        if low == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[low] = f"{headers[low]},{value}" if low in headers else value
    headers["host"] = address.host
    raw_query = request.url.partition("?")[2]
    body = request.body or b""
    ctype = (request.header("Content-Type") or "").lower()
    is_text = not ctype or ctype.startswith(("text/", "application/json", "application/x-www-form-urlencoded"))
    now = sandbox.clock.time()
    context = {
        "accountId": sandbox.account_id, "apiId": api.api_id, "domainName": address.host,
        "domainPrefix": api.api_id,
        "http": {"method": request.method.upper(), "path": address.path, "protocol": "HTTP/1.1",
                 "sourceIp": request.source_ip, "userAgent": request.header("User-Agent") or ""},
        "requestId": request_id, "routeKey": route.route_key, "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
    }
    if authorizer:
        context["authorizer"] = authorizer
    event = {
        "version": "2.0", "routeKey": route.route_key, "rawPath": address.path, "rawQueryString": raw_query,
        "headers": headers, "requestContext": context, "isBase64Encoded": bool(body) and not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if request.query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in request.query.items()}
    if params:
        event["pathParameters"] = params
    stage_obj = api.stages.get(stage)
    if stage_obj is not None and stage_obj.stage_variables:
        event["stageVariables"] = dict(stage_obj.stage_variables)
    if body:
        event["body"] = body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode()
    return event


def response_v2(payload: str | None, request_id: str) -> Response:
    try:
        result = json.loads(payload or "null")
    except ValueError:
        return _json_response(500, {"message": "Internal Server Error"}, request_id)
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response(200, {"Content-Type": JSON, "apigw-requestid": request_id}, (payload or "null").encode("utf-8"))
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        return _json_response(500, {"message": "Internal Server Error"}, request_id)
    headers = {"Content-Type": JSON, "apigw-requestid": request_id}
    for name, value in (result.get("headers") or {}).items():
        headers[str(name)] = str(value)
    if result.get("cookies"):
        headers["Set-Cookie"] = ", ".join(str(c) for c in result["cookies"])
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        data = json.dumps(body).encode("utf-8")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except ValueError:
            return _json_response(500, {"message": "Internal Server Error"}, request_id)
    else:
        data = body.encode("utf-8")
    return Response(status, headers, data)
