"""HTTP transport: the same sandbox on http://127.0.0.1:<port> for browsers, the AWS CLI, other SDKs.

A thin WSGI app (werkzeug, which moto already depends on): turn the HTTP request into a
:class:`~labkit.wire.request.Request`, let the sandbox answer, add CORS headers so a page served from
anywhere on this machine may call it.
"""

from __future__ import annotations

import re
import threading

from . import addressing, faults
from .request import Headers, Request, Response

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, HEAD, OPTIONS, PATCH",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, x-amz-request-id, ETag, Location",
    "Access-Control-Max-Age": "600",
}


_NON_ASCII = re.compile(r"[^\x21-\x7e]")


def raw_target(environ) -> str:
    """The request target exactly as the client sent it: path and query, still percent-encoded.

    WSGI's ``PATH_INFO`` is percent-*decoded*, which loses what S3 key names and signatures need
    (``e%41.txt`` is not ``eA.txt``, ``j%2Fk.txt`` is not ``j/k.txt``, a ``?`` or ``#`` in a key is not
    a query or a fragment). werkzeug also hands over the undecoded target as ``RAW_URI`` /
    ``REQUEST_URI``: that is what the in-process transport sees too (botocore's own encoded URL), so
    both transports give the services, moto and the SigV4 verifier the same bytes. An absolute-form
    target (``GET http://host/path``) keeps only its path and query; a byte outside printable ASCII
    (which no SDK sends unencoded) is percent-encoded from the latin-1 WSGI string it arrived as.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        from urllib.parse import quote

        raw = quote(environ.get("PATH_INFO", "/").encode("latin-1", "replace"), safe="/~!$&'()*+,;=:@")
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
    if "://" in raw.split("?", 1)[0]:  # absolute form: drop scheme and authority
        after = raw.split("://", 1)[1]
        cut = min((i for i in (after.find("/"), after.find("?")) if i >= 0), default=len(after))
        raw = after[cut:]
    if not raw.startswith("/"):
        raw = "/" + raw
    raw = raw.split("#", 1)[0]
    if _NON_ASCII.search(raw):
        raw = _NON_ASCII.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("latin-1", "replace")), raw)
    return raw


class WsgiApp:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS":
            start_response("200 OK", list(CORS.items()) + [("Content-Length", "0")])
            return [b""]
        host = environ.get("HTTP_HOST") or f"127.0.0.1:{environ.get('SERVER_PORT')}"
        target = raw_target(environ)
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        fault = environ.get("labkit.fault")  # set by labkit.wire.server: a timed-out or malformed request
        length_text = (environ.get("CONTENT_LENGTH") or "").strip()
        if fault is None and length_text and not length_text.isdigit():
            fault = "length"
        body = b""
        if fault is None:
            length = int(length_text or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            if not length and environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
                body = environ["wsgi.input"].read()
        request = Request(
            method=method,
            url=f"http://{host}{target}",
            headers=headers,
            body=body,
            transport="http",
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
            secure=False,
        )
        addressing.arrive(request)  # <endpoint>/<aws-host>/<path> and Host: <aws-host> (labkit.wire.addressing)
        try:
            response = self._fault(request, fault) if fault else self.sandbox._answer(request)
        except Exception as exc:  # never kill the server thread; AWS's InternalFailure, the traceback on stderr
            response = faults.internal(request, exc)
        if response is None:
            response = Response.of(404, '{"__type":"NotFound","message":"Nothing in the sandbox answers this address."}', "application/json")
        headers_out = [(k, str(v)) for k, v in response.headers.items() if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        headers_out += [(k, v) for k, v in CORS.items() if k not in response.headers]
        length = str(len(response.body))
        if method == "HEAD":  # a HEAD answer's Content-Length is the GET's (the object's size), its body empty
            length = next((str(v) for k, v in response.headers.items() if k.lower() == "content-length"), length)
        headers_out.append(("Content-Length", length))
        start_response(f"{response.status} {_reason(response.status)}", headers_out)
        return [response.body] if method != "HEAD" else [b""]

    def _fault(self, request: Request, fault: str) -> Response:
        """A request the server could not read whole: the 400 of its protocol (``RequestTimeout`` is S3's
        documented code for a client that stops sending; the others are labkit's wording)."""
        from .request import classify

        classify(request, self.sandbox.region)
        if fault == "timeout":
            response = faults.error(request, "RequestTimeout", "Your socket connection to the server was not read from or "
                                    "written to within the timeout period. Idle connections will be closed.", 400)
        elif fault == "too-large":
            response = faults.error(request, "EntityTooLarge" if request.service == "s3" else "RequestEntityTooLarge",
                                    "Your proposed upload exceeds the maximum allowed size.", 413)
        else:
            kind = {"rest-xml": "InvalidArgument", "query": "MalformedInput"}.get(faults.protocol_of(request.service),
                                                                                  "SerializationException")
            response = faults.error(request, kind, "The request's Content-Length (or chunked framing) is not valid: "
                                    f"{request.headers.get('Content-Length') or request.headers.get('Transfer-Encoding') or ''!r}.", 400)
        return response


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class HttpServer:
    """The sandbox on 127.0.0.1: :class:`labkit.wire.server.Server` (read timeouts, a bounded worker
    pool) serving :class:`WsgiApp` from a daemon thread. A taken port raises :class:`labkit.errors.PortInUse`."""

    def __init__(self, sandbox, host: str = "127.0.0.1", port: int = 0):
        from .server import Server

        self._server = Server(host, port, WsgiApp(sandbox))
        self.host = host
        self.port = self._server.port
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
