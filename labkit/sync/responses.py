"""Cognito Sync on the wire: a rest-json service routed by the ``requestUri`` templates of botocore's model
(the one REST router, :mod:`labkit.wire.rest`, which the IAM guard uses too).

Knows HTTP (method, path, query string, headers, JSON body) and nothing of what a sync count means: it
turns a request into ``(operation, params)``, lets ``service.py`` answer, and writes the JSON result or
AWS's JSON error (``x-amzn-ErrorType``) with the status the model gives that error.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from ..errors import ServiceError
from ..wire import protocols, rest
from ..wire.request import Request, Response

SIGNING_NAME = "cognito-sync"
CONTENT_TYPE = "application/json"


Route = rest.Route  # one operation's method, path template and model (labkit.wire.rest)


def routes() -> tuple[Route, ...]:
    """One route per operation, from botocore's ``cognito-sync`` 2014-06-30 model (:mod:`labkit.wire.rest`)."""
    return rest.routes(SIGNING_NAME)


def match(request: Request) -> Route | None:
    found = rest.match(SIGNING_NAME, request.method, request.path or "/", request.query)
    return found[0] if found else None


def name_operation(request: Request) -> None:
    """A dispatcher route that answers nothing: it names the REST operation before the guards run
    (so that the IAM guard sees ``cognito-sync:<Operation>``)."""
    if request.service == SIGNING_NAME and not request.operation:
        route = match(request)
        if route is not None:
            request.operation = route.operation
    return None


class SerializationException(ServiceError):
    status = 400

    def __init__(self, message):
        super().__init__("SerializationException", message)


def read_params(request: Request, route: Route) -> dict:
    """The operation's input: URI labels, query string, headers and JSON body, typed as the model says."""
    m = route.pattern.match(request.path or "/")
    shape = route.model.input_shape
    params: dict = {}
    body: dict = {}
    if request.body:
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise SerializationException(f"Request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise SerializationException("Request body must be a JSON object")
    if shape is None:
        return params
    for member, mshape in shape.members.items():
        location = mshape.serialization.get("location")
        wire_name = mshape.serialization.get("name", member)
        if location == "uri":
            params[member] = unquote(m.group(wire_name))
        elif location == "querystring":
            values = request.query.get(wire_name)
            if values:
                params[member] = _typed(values[-1], mshape.type_name, wire_name)
        elif location == "header":
            value = request.header(wire_name)
            if value is not None:
                params[member] = value
        elif member in body:
            params[member] = body[member]
    return params


def _typed(value: str, type_name: str, name: str):
    if type_name in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            raise SerializationException(f"Value '{value}' of {name} is not an integer") from None
    if type_name == "boolean":
        return value.lower() == "true"
    return value


def answer(result: dict | None) -> Response:
    return protocols.json_response(result or {}, content_type=CONTENT_TYPE)


def error(err: ServiceError) -> Response:
    return protocols.json_error(err, content_type=CONTENT_TYPE)


class UnknownOperationException(ServiceError):
    status = 404

    def __init__(self, request: Request):
        super().__init__("UnknownOperationException", f"No Cognito Sync operation answers {request.method} {request.path}")
