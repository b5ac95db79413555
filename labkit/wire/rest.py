"""The REST router: which operation a REST request calls, read from botocore's service model.

A REST service (``rest-json``, ``rest-xml``) names its operation by method and path, not in a header:
each operation's ``http`` trait in the model gives ``method`` and ``requestUri``, a path template whose
``{Label}`` segments are URI parameters (``{Label+}`` is "greedy" and may span ``/``) and whose
``?name`` part lists query parameters the operation requires -- the Smithy ``@http`` trait
(https://smithy.io/2.0/spec/http-bindings.html#http-trait) that botocore's JSON models carry. One table
per service, built once; used by the IAM guard (to name the action of a signed request) and by the
services labkit answers itself (Cognito Sync), so that both always agree on the operation.

    route, params = rest.match("cognito-sync", "GET", "/identitypools/us-east-1:p/identities/i/datasets", {})
    route.operation  # "ListDatasets"; params == {"IdentityPoolId": "us-east-1:p", "IdentityId": "i"}

Routes are tried most specific first: more literal characters, then required query names ("more
specific URIs take precedence", as the HTTP binding's conflict rules order literal segments before
labels), and a trailing ``/`` is optional.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote

__all__ = ["Route", "routes", "match", "operation_of", "service_model"]

# Signing names whose botocore model has another name.
_SIGNING_TO_MODEL = {"execute-api": "apigateway"}


@functools.lru_cache(maxsize=None)
def _loader():
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


@functools.lru_cache(maxsize=64)
def service_model(service: str) -> dict | None:
    """botocore's ``service-2`` model (the raw JSON) for a signing name; ``None`` if botocore has none."""
    try:
        return _loader().load_service_model(_SIGNING_TO_MODEL.get(service, service), "service-2")
    except Exception:  # botocore raises several kinds for an unknown service (UnknownServiceError, DataNotFoundError)
        return None


@functools.lru_cache(maxsize=64)
def _operation_models(service: str):
    import botocore.model

    raw = service_model(service)
    return botocore.model.ServiceModel(raw, _SIGNING_TO_MODEL.get(service, service)) if raw else None


@dataclass(frozen=True)
class Route:
    """One operation of a REST service: ``method``, the compiled ``requestUri`` template (``pattern``,
    whose named groups are the URI labels), the query names it requires, and its ``specificity``."""

    service: str
    operation: str
    method: str
    template: str
    pattern: re.Pattern
    required_query: tuple
    specificity: int

    @property
    def model(self):
        """botocore's ``OperationModel`` (input shape and member locations) of this operation."""
        return _operation_models(self.service).operation_model(self.operation)

    def params(self, path: str) -> dict | None:
        """The URI labels of ``path`` (percent-decoded), or ``None`` if the path is not this route's."""
        m = self.pattern.fullmatch(path or "/")
        return None if m is None else {k: unquote(v) for k, v in m.groupdict().items()}


def _compile(template: str) -> tuple[re.Pattern, int]:
    pattern, literal = "", 0
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            var = piece[1:-1]
            greedy = var.endswith("+")
            var = var.rstrip("+")
            pattern += f"(?P<{var}>.+)" if greedy else f"(?P<{var}>[^/]+)"
        else:
            pattern += re.escape(piece)
            literal += len(piece)
    if pattern.endswith("/") and len(pattern) > 1:
        pattern = pattern[:-1]
    if pattern != "/":
        pattern += "/?"
    return re.compile(pattern), literal


@functools.lru_cache(maxsize=64)
def routes(service: str) -> tuple[Route, ...]:
    """Every operation of ``service`` that has an ``http`` trait, most specific first."""
    out = []
    for name, op in ((service_model(service) or {}).get("operations") or {}).items():
        http = op.get("http") or {}
        path, _, query = http.get("requestUri", "/").partition("?")
        required = tuple(q.split("=", 1)[0] for q in query.split("&") if q)
        pattern, literal = _compile(path)
        out.append(Route(service, name, http.get("method", "POST"), path, pattern, required, literal + 100 * len(required)))
    out.sort(key=lambda r: -r.specificity)
    return tuple(out)


def match(service: str, method: str, path: str, query: Mapping = ()) -> tuple[Route, dict] | None:
    """``(route, URI parameters)`` of the operation a REST request calls, or ``None``."""
    for route in routes(service):
        if route.method != method or any(q not in query for q in route.required_query):
            continue
        params = route.params(path)
        if params is not None:
            return route, params
    return None


def operation_of(request) -> tuple[str | None, dict]:
    """``(operation name, URI parameters)`` of a :class:`~labkit.wire.request.Request`, or ``(None, {})``."""
    found = match(request.service, request.method, request.path or "/", request.query)
    return (found[0].operation, found[1]) if found else (None, {})
