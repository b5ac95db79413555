"""AWS wire protocols, server side: read parameters, write results and errors.

Only what the sandbox's own services speak: ``json`` (awsJson1.1, X-Amz-Target; Cognito user and
identity pools, DynamoDB) and ``query`` (form in, XML out; STS). A REST service (cognito-sync)
routes by path itself and uses :func:`json_response` / :func:`json_error`.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from xml.sax.saxutils import escape

from ..errors import ServiceError
from .request import Request, Response

JSON_CT = "application/x-amz-json-1.1"
XML_NAMESPACES = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/", "iam": "https://iam.amazonaws.com/doc/2010-05-08/"}


def _json_default(value):
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def read_params(request: Request, protocol: str) -> dict:
    """The operation's input as a dict (JSON) or a flat ``{"Key.member.1": "v"}`` dict (query)."""
    if protocol == "json":
        if not request.body:
            return {}
        try:
            return json.loads(request.body)
        except ValueError as exc:
            raise ServiceError("SerializationException", f"Request body is not valid JSON: {exc}") from None
    if protocol == "query":
        form = request.form if request.form is not None else {}
        merged = {k: v[-1] for k, v in request.query.items()}
        merged.update({k: v[-1] for k, v in form.items()})
        return merged
    raise ValueError(f"unknown protocol {protocol!r}")


def json_response(result: dict | None, status: int = 200, content_type: str = JSON_CT) -> Response:
    body = json.dumps(result or {}, default=_json_default, separators=(",", ":"))
    return Response.of(status, body, content_type, **{"x-amzn-RequestId": str(uuid.uuid4())})


def json_error(error: ServiceError, content_type: str = JSON_CT) -> Response:
    body = {"__type": error.code, "message": error.message}
    body.update(error.extra)
    return Response.of(
        error.status,
        json.dumps(body, default=_json_default),
        content_type,
        **{"x-amzn-ErrorType": error.code, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _xml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return escape(str(value))


def to_xml(value) -> str:
    """Dict -> query-protocol XML members; lists become ``<member>`` elements."""
    if isinstance(value, dict):
        return "".join(f"<{k}>{to_xml(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return "".join(f"<member>{to_xml(v)}</member>" for v in value)
    return _xml_value(value)


def query_response(service: str, operation: str, result: dict | None) -> Response:
    ns = XML_NAMESPACES.get(service, f"https://{service}.amazonaws.com/")
    rid = str(uuid.uuid4())
    body = (
        f'<{operation}Response xmlns="{ns}"><{operation}Result>{to_xml(result or {})}</{operation}Result>'
        f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{operation}Response>"
    )
    return Response.of(200, body, "text/xml", **{"x-amzn-RequestId": rid})


def query_error(service: str, error: ServiceError) -> Response:
    ns = XML_NAMESPACES.get(service, f"https://{service}.amazonaws.com/")
    kind = "Sender" if error.sender_fault else "Receiver"
    rid = str(uuid.uuid4())
    body = (
        f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return Response.of(error.status, body, "text/xml", **{"x-amzn-RequestId": rid})
