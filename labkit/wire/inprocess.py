"""In-process transport: boto3 in the kernel talks to the sandbox through botocore's event hooks.

Installed once, at import of labkit:

* moto's global ``before-send`` handler is replaced by :func:`_before_send`, which gives the request to
  the running sandbox (and behaves exactly like moto's when no sandbox runs);
* every client created while a sandbox runs gets a first ``before-send`` handler that refuses to work
  once that sandbox has stopped (instead of quietly talking to real AWS);
* moto's ``requests`` interception (for plain HTTP libraries) is routed through the sandbox too, and
  :mod:`labkit.wire.outbound` catches every other AWS host that urllib3, urllib or httpx ask for.

No port is opened. The patching of moto and botocore itself is :mod:`labkit.moto_adapter`'s.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse

from .. import moto_adapter
from . import outbound
from .request import Headers, Request, Response

_active = None  # the running Sandbox, set by labkit.sandbox

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
    """botocore's ``before-send`` handler (in moto's place): the running sandbox answers, else moto."""
    sandbox = _active
    if sandbox is None:
        return moto_adapter.moto_before_send(event_name, request, **kwargs)
    return sandbox._answer_botocore(request)


def _new_client(client):
    """Every client created while a sandbox runs refuses to work once that sandbox has stopped."""
    sandbox = _active
    if sandbox is not None:
        client.meta.events.register_first("before-send", sandbox._client_guard)


def _through_sandbox(prepared_request):
    """A plain-HTTP request (requests, through moto's ``responses`` mock) for an AWS service moto
    routes: the running sandbox's ``(status, headers, body)``, or None (no sandbox: moto answers).
    Raises :class:`~labkit.errors.LeftTheSandbox` where the sandbox serves nothing (:mod:`.outbound`)."""
    if _active is None:
        return None
    response = outbound.answer(prepared_request.method, prepared_request.url, dict(prepared_request.headers),
                               prepared_request.body)
    return response.status, response.headers, response.body


def _sandbox_first(prepared_request):
    """Any other *.amazonaws.com address plain HTTP libraries ask for, which moto would answer with its
    catch-all "not implemented": the sandbox's answer (e.g. the identity service's JWKS), or
    LeftTheSandbox; None only when no sandbox runs."""
    return _through_sandbox(prepared_request)


def install():
    """Put labkit's hooks in place of moto's (idempotent; the moto side is :func:`moto_adapter.install`)."""
    moto_adapter.install(_before_send, _new_client, _through_sandbox, _sandbox_first)
    outbound.install()
