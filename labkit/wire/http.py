"""HTTP transport: the same sandbox on http://127.0.0.1:<port> for browsers, the AWS CLI, other SDKs.

A thin WSGI app (werkzeug, which moto already depends on): turn the HTTP request into a
:class:`~labkit.wire.request.Request`, let the sandbox answer, add CORS headers so a page served from
anywhere on this machine may call it.
"""

from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from . import addressing
from .request import Headers, Request, Response

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, HEAD, OPTIONS, PATCH",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, x-amz-request-id, ETag, Location",
    "Access-Control-Max-Age": "600",
}


class WsgiApp:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS":
            start_response("200 OK", list(CORS.items()) + [("Content-Length", "0")])
            return [b""]
        path = environ.get("PATH_INFO", "/") or "/"
        query = environ.get("QUERY_STRING", "")
        host = environ.get("HTTP_HOST") or f"127.0.0.1:{environ.get('SERVER_PORT')}"
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if not length and environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            body = environ["wsgi.input"].read()
        request = Request(
            method=method,
            url=f"http://{host}{path}" + (f"?{query}" if query else ""),
            headers=headers,
            body=body,
            transport="http",
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
            secure=False,
        )
        addressing.arrive(request)  # <endpoint>/<aws-host>/<path> and Host: <aws-host> (labkit.wire.addressing)
        try:
            response = self.sandbox._answer(request)
        except Exception as exc:  # never kill the server thread; show the learner what broke
            response = Response.of(500, f'{{"__type":"InternalFailure","message":"{type(exc).__name__}: {exc}"}}', "application/json")
        if response is None:
            response = Response.of(404, '{"__type":"NotFound","message":"Nothing in the sandbox answers this address."}', "application/json")
        headers_out = [(k, str(v)) for k, v in response.headers.items() if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        headers_out += [(k, v) for k, v in CORS.items() if k not in response.headers]
        headers_out.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {_reason(response.status)}", headers_out)
        return [response.body] if method != "HEAD" else [b""]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the sandbox records calls itself (sb.calls)
        pass


class HttpServer:
    """The sandbox on 127.0.0.1 in a daemon thread."""

    def __init__(self, sandbox, host: str = "127.0.0.1", port: int = 0):
        self._server = make_server(host, port, WsgiApp(sandbox), threaded=True, request_handler=_QuietHandler)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="labkit-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "HttpServer":
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
