"""In-process transport: boto3 in the kernel talks to the sandbox through botocore's event hooks.

Installed once, at import of labkit:

* moto's global ``before-send`` handler is replaced by :func:`_before_send`, which gives the request to
  the running sandbox (and behaves exactly like moto's when no sandbox runs);
* every client created while a sandbox runs gets a first ``before-send`` handler that refuses to work
  once that sandbox has stopped (instead of quietly talking to real AWS);
* moto's ``requests`` interception (for plain HTTP libraries) is routed through the sandbox too.

No port is opened.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from .request import Headers, Request, Response

_installed = False
_active = None  # the running Sandbox, set by labkit.sandbox
_orig_create_client = botocore.session.Session.create_client

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class _RawBody(io.BytesIO):
    def stream(self, **_):
        data = self.read()
        while data:
            yield data
            data = self.read()


def body_bytes(body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytearray):
        return bytes(body)
    if hasattr(body, "read"):
        pos = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if pos is not None and hasattr(body, "seek"):
            body.seek(pos)
        return data if isinstance(data, bytes) else data.encode("utf-8")
    return bytes(body)


def from_botocore(prepared) -> Request:
    return Request(
        method=prepared.method,
        url=prepared.url,
        headers=Headers({k: (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()}),
        body=body_bytes(prepared.body),
        transport="in-process",
    )


def to_botocore(url: str, response: Response) -> AWSResponse:
    return AWSResponse(url, response.status, dict(response.headers), _RawBody(response.body))


def is_aws(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn") or host == "amazonaws.com"


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK


def _before_send(request=None, event_name=None, **kwargs):
    sandbox = _active
    if sandbox is None:
        return _moto_stubber()(event_name, request, **kwargs)
    return sandbox._answer_botocore(request)


def _moto_stubber():
    from moto.core.models import botocore_stubber

    return botocore_stubber


def _create_client(self, *args, **kwargs):
    client = _orig_create_client(self, *args, **kwargs)
    sandbox = _active
    if sandbox is not None:
        client.meta.events.register_first("before-send", sandbox._client_guard)
    return client


def install():
    """Put labkit's hooks in place of moto's (idempotent)."""
    global _installed
    if _installed:
        return
    stubber = _moto_stubber()  # importing moto registers its handler; we take its place
    for i, entry in enumerate(BUILTIN_HANDLERS):
        if entry[0] == "before-send" and entry[1] is stubber:
            BUILTIN_HANDLERS[i] = ("before-send", _before_send) + tuple(entry[2:])
    if not any(e[1] is _before_send for e in BUILTIN_HANDLERS):
        BUILTIN_HANDLERS.append(("before-send", _before_send))
    botocore.session.Session.create_client = _create_client

    def through_sandbox(prepared_request):
        sandbox = _active
        if sandbox is None:
            return type(stubber).process_prepared_request(stubber, prepared_request)
        request = Request(
            method=prepared_request.method,
            url=prepared_request.url,
            headers=Headers(dict(prepared_request.headers)),
            body=body_bytes(prepared_request.body),
            transport="in-process",
        )
        response = sandbox._answer(request)
        if response is None:
            return 404, {}, "Not found in the labkit sandbox"
        return response.status, response.headers, response.body

    stubber.process_prepared_request = through_sandbox

    # moto answers any other *.amazonaws.com address that plain HTTP libraries ask for with its
    # catch-all "not implemented"; give the sandbox a chance first (e.g. the identity service's JWKS).
    import moto.core.models as moto_models

    not_implemented = moto_models.not_implemented_callback

    def sandbox_or_not_implemented(prepared_request):
        if _active is not None:
            from ..errors import NotSimulated

            try:
                status, headers, body = through_sandbox(prepared_request)
            except NotSimulated:
                status = 404
            if status != 404:
                return status, headers, body
        return not_implemented(prepared_request)

    moto_models.not_implemented_callback = sandbox_or_not_implemented
    _installed = True
