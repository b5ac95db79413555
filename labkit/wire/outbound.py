"""Plain HTTP libraries inside the sandbox: every AWS host they ask for reaches the sandbox, or raises.

boto3 is caught by botocore's hooks (:mod:`labkit.wire.inprocess`). An app also fetches AWS addresses
with plain HTTP: PyJWT's ``PyJWKClient`` reads ``https://cognito-idp.<region>.amazonaws.com/<pool>/
.well-known/jwks.json`` with ``urllib.request.urlopen``, a web app calls the hosted UI at
``https://<domain>.auth.<region>.amazoncognito.com/oauth2/token`` with ``requests`` or ``httpx``. While a
sandbox runs, each of those is answered by the sandbox, in-process, or raises
:class:`~labkit.errors.LeftTheSandbox`; nothing reaches the network:

* ``requests``: moto's ``responses`` mock already catches ``*.amazonaws.com`` (its callbacks come here
  through :mod:`labkit.wire.inprocess`); everything else goes on to urllib3, caught below;
* ``urllib3`` (what ``requests`` sends with): ``HTTPConnectionPool.urlopen`` for an AWS host;
* ``urllib.request``: ``AbstractHTTPHandler.do_open``, which every opener's HTTP and HTTPS handlers use;
* ``httpx`` (if installed): ``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request``;
* and, for any other client, name resolution: ``socket.getaddrinfo`` of an AWS host raises.

Other hosts are untouched. AWS hosts are ``*.amazonaws.com`` (and ``.com.cn``), ``*.amazoncognito.com``
(the hosted UI's domains), ``*.api.aws`` and ``*.on.aws``. A request to the hosted UI's domain is
given to the sandbox in the hosted UI's Host-header form (as the served sandbox receives it), which
is how its route recognises the domain.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
from urllib.parse import urlsplit

from ..errors import LeftTheSandbox
from .request import Headers, Request, Response

AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".amazoncognito.com", ".api.aws", ".on.aws")
_installed = False


def _active():
    from . import inprocess

    return inprocess._active


def is_aws_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".").strip("[]")
    return any(host.endswith(s) or host == s[1:] for s in AWS_SUFFIXES)


def _left(url: str, why: str = "") -> LeftTheSandbox:
    return LeftTheSandbox(
        f"The labkit sandbox stopped a request to {url}: it would have left this machine{why}. Inside a "
        "sandbox, plain HTTP libraries (requests, urllib, httpx) reach the AWS addresses the sandbox serves "
        "(JWKS, the hosted UI, API Gateway...) and nothing else of AWS. If you meant real AWS, stop the "
        "sandbox first (sb.stop())."
    )


def _bytes(body) -> bytes:
    from .inprocess import body_bytes

    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, str)) or hasattr(body, "read"):
        return body_bytes(body)
    try:
        return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)
    except TypeError:
        return body_bytes(body)


def answer(method: str, url: str, headers, body) -> Response:
    """The running sandbox's answer to a plain HTTP request for an AWS ``url``; raises
    :class:`LeftTheSandbox` when the sandbox serves nothing there."""
    sandbox = _active()
    if sandbox is None:
        raise _left(url)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    request_headers = Headers(dict(headers or {}))
    if "Host" not in request_headers:
        request_headers["Host"] = parts.netloc
    hosted_ui = host.endswith(".amazoncognito.com")
    request = Request(method=method.upper(), url=url, headers=request_headers, body=_bytes(body),
                      transport="http" if hosted_ui else "in-process", secure=parts.scheme == "https")
    response = sandbox._answer(request)
    if host in ("127.0.0.1", "localhost", "::1") or (hosted_ui and response is not None and response.status == 404):
        # the served sandbox's own address (nothing leaves the machine), or a hosted-UI page it lacks: its answer
        return response if response is not None else Response.of(404, '{"__type":"NotFound","message":"Nothing in the sandbox answers this address."}', "application/json")
    # Only an *.amazonaws.com host names a service; any other AWS host is served by a route or not at all.
    route_only = not (host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn"))
    if response is None or not _served(sandbox, request, route_only):
        raise _left(url, " (the sandbox serves nothing at that address)")
    return response


def _served(sandbox, request: Request, route_only: bool) -> bool:
    """Whether what answered is something the sandbox serves at that address: one of its routes, or a
    service it (or moto behind it) has -- not moto's catch-all, not an AWS-shaped refusal (a missing
    signature...) of a host that names no AWS service at all."""
    if request.handled_by == "route":
        return True
    if route_only or request.unserved:
        return False
    from . import rest

    return request.service in sandbox.dispatcher.services or rest.service_model(request.service) is not None


def _header_pairs(response: Response):
    for name, value in response.headers.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            yield str(name), str(v)


def _message(response: Response) -> http.client.HTTPMessage:
    msg = http.client.HTTPMessage()
    for name, value in _header_pairs(response):
        msg[name] = value
    if "Content-Length" not in msg:
        msg["Content-Length"] = str(len(response.body))
    return msg


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# ------------------------------------------------------------------------------------- urllib3
class _OriginalResponse:
    """What ``requests`` reads cookies from (``response._original_response.msg``)."""

    def __init__(self, msg):
        self.msg = msg

    def isclosed(self):
        return True

    def close(self):
        pass


def _patch_urllib3():
    from urllib3 import connectionpool
    from urllib3.response import HTTPResponse

    original = connectionpool.HTTPConnectionPool.urlopen
    if getattr(original, "__labkit__", False):
        return

    @functools.wraps(original)
    def urlopen(self, method, url, body=None, headers=None, *args, **kwargs):
        if _active() is None or not is_aws_host(self.host):
            return original(self, method, url, body, headers, *args, **kwargs)
        default = {"http": 80, "https": 443}.get(self.scheme)
        netloc = self.host if self.port in (None, default) else f"{self.host}:{self.port}"
        full = url if "://" in url else f"{self.scheme}://{netloc}{url}"
        response = answer(method, full, headers, body)
        msg = _message(response)
        return HTTPResponse(body=io.BytesIO(response.body), headers=list(_header_pairs(response)), status=response.status,
                            reason=_reason(response.status), preload_content=kwargs.get("preload_content", True),
                            decode_content=kwargs.get("decode_content", True), request_method=method, request_url=full,
                            original_response=_OriginalResponse(msg))

    urlopen.__labkit__ = True
    connectionpool.HTTPConnectionPool.urlopen = urlopen


# ------------------------------------------------------------------------------------- urllib
def _patch_urllib():
    import urllib.request
    import urllib.response

    original = urllib.request.AbstractHTTPHandler.do_open
    if getattr(original, "__labkit__", False):
        return

    @functools.wraps(original)
    def do_open(self, http_class, req, **http_conn_args):
        if _active() is None or not is_aws_host(urlsplit(req.full_url).hostname):
            return original(self, http_class, req, **http_conn_args)
        headers = dict(req.header_items())
        response = answer(req.get_method(), req.full_url, headers, req.data)
        result = urllib.response.addinfourl(io.BytesIO(response.body), _message(response), req.full_url, response.status)
        result.msg = _reason(response.status)  # what urllib's HTTPErrorProcessor and HTTPError show
        result.reason = result.msg
        return result

    do_open.__labkit__ = True
    urllib.request.AbstractHTTPHandler.do_open = do_open


# ------------------------------------------------------------------------------------- httpx
def _patch_httpx():
    try:
        import httpx
    except ImportError:
        return
    original = httpx.HTTPTransport.handle_request
    if getattr(original, "__labkit__", False):
        return

    def _httpx_response(request):
        response = answer(request.method, str(request.url), dict(request.headers), request.read())
        return httpx.Response(response.status, headers=list(_header_pairs(response)), content=response.body, request=request)

    @functools.wraps(original)
    def handle_request(self, request):
        if _active() is None or not is_aws_host(request.url.host):
            return original(self, request)
        return _httpx_response(request)

    original_async = httpx.AsyncHTTPTransport.handle_async_request

    @functools.wraps(original_async)
    async def handle_async_request(self, request):
        if _active() is None or not is_aws_host(request.url.host):
            return await original_async(self, request)
        await request.aread()
        return _httpx_response(request)

    handle_request.__labkit__ = True
    httpx.HTTPTransport.handle_request = handle_request
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request


# ------------------------------------------------------------------------------------- the safety net
def _patch_resolver():
    original = socket.getaddrinfo
    if getattr(original, "__labkit__", False):
        return

    @functools.wraps(original)
    def getaddrinfo(host, *args, **kwargs):
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if _active() is not None and isinstance(name, str) and is_aws_host(name):
            raise _left(f"//{name}", " (a name lookup of an AWS host, by a client the sandbox does not intercept)")
        return original(host, *args, **kwargs)

    getaddrinfo.__labkit__ = True
    socket.getaddrinfo = getaddrinfo


def install():
    """Patch urllib3, urllib, httpx and the resolver (idempotent; each patch is inert with no sandbox)."""
    global _installed
    if _installed:
        return
    _patch_urllib3()
    _patch_urllib()
    _patch_httpx()
    _patch_resolver()
    _installed = True
