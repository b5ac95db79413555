"""The HTTP server under :mod:`labkit.wire.http`: read timeouts and a bounded worker pool.

werkzeug's threaded server gives each connection a thread for as long as the connection lives: a
client that opens a socket and never finishes its request (or an SDK's idle keep-alive connection)
holds a thread forever, 300 such sockets held 303 threads (issue 15). Here:

* one *reactor* thread owns every open connection (a :mod:`selectors` loop, non-blocking reads). It
  buffers a request until it is complete (head, then ``Content-Length`` bytes or the chunked body up to
  its last chunk) and only then hands it to a worker, so a slow or silent client never holds a worker;
* a fixed pool of :data:`MAX_WORKERS` threads runs werkzeug's request handler over the buffered bytes
  (it never waits on the network to read), writes the answer, and gives a kept-alive connection back
  to the reactor;
* a request must arrive whole within :data:`READ_TIMEOUT` seconds of its first byte: after that the
  client gets a 400 ``RequestTimeout`` in its protocol's shape (S3's error for "Your socket connection
  to the server was not read from or written to within the timeout period"); an idle kept-alive
  connection is closed after :data:`IDLE_TIMEOUT`; a ``Content-Length`` that is not a number gets a
  400 at once;
* a port that is taken raises :class:`labkit.errors.PortInUse` (werkzeug would ``sys.exit(1)``).
"""

from __future__ import annotations

import collections
import errno
import io
import re
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from ..errors import PortInUse

MAX_WORKERS = 16  # threads that run requests (the dispatcher answers one request at a time anyway)
READ_TIMEOUT = 10.0  # seconds from a request's first byte to its last
IDLE_TIMEOUT = 60.0  # seconds a kept-alive connection may wait for its next request
WRITE_TIMEOUT = 10.0  # seconds a worker waits for a client that does not read its answer
MAX_CONNECTIONS = 2048
MAX_HEAD = 64 * 1024
MAX_BODY = 512 * 1024 * 1024

_HEADER = re.compile(rb"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")


class _Connection:
    __slots__ = ("sock", "address", "buffer", "started", "idle_since", "continued")

    def __init__(self, sock, address):
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.started = None  # when the first byte of the current request arrived
        self.idle_since = time.monotonic()
        self.continued = False  # "100 Continue" sent for the current request


class _Framing:
    """What the buffered bytes hold: ``need`` (bytes of one whole request, when known), ``fault``
    (``"length"``, ``"too-large"``, ``"head"``) and the head's facts."""

    def __init__(self):
        self.head_end = -1
        self.need = None
        self.fault = None
        self.expect_continue = False
        self.keep_alive = True


def _frame(buffer: bytearray) -> _Framing:
    frame = _Framing()
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD:
            frame.fault = "head"
        return frame
    frame.head_end = end
    lines = bytes(buffer[:end]).split(b"\r\n")
    # tolerate the empty lines a client may send before a request line (RFC 9112, 2.2)
    while lines and not lines[0]:
        lines.pop(0)
    request_line = lines[0] if lines else b""
    version = request_line.rsplit(b" ", 1)[-1].upper() if b" " in request_line else b"HTTP/1.0"
    headers = collections.defaultdict(list)
    for line in lines[1:]:
        m = _HEADER.match(line)
        if m:
            headers[m.group(1).lower()].append(m.group(2))
    connection = b",".join(headers.get(b"connection", [])).lower()
    frame.keep_alive = (b"close" not in connection) if version == b"HTTP/1.1" else (b"keep-alive" in connection)
    frame.expect_continue = any(v.lower() == b"100-continue" for v in headers.get(b"expect", []))
    body_start = end + 4
    if any(b"chunked" in v.lower() for v in headers.get(b"transfer-encoding", [])):
        frame.need = _chunked_end(buffer, body_start)
        if frame.need == -1:
            frame.fault, frame.need = "length", body_start
        return frame
    lengths = {v.strip() for v in headers.get(b"content-length", [])}
    if not lengths:
        frame.need = body_start
        return frame
    if len(lengths) > 1 or not all(v.isdigit() for v in lengths):
        frame.fault, frame.need = "length", body_start
        return frame
    length = int(lengths.pop())
    if length > MAX_BODY:
        frame.fault, frame.need = "too-large", body_start
        return frame
    frame.need = body_start + length
    return frame


def _chunked_end(buffer: bytearray, pos: int):
    """The end of a chunked body starting at ``pos`` (after its trailers), ``None`` while incomplete,
    ``-1`` when the framing is malformed."""
    while True:
        line_end = buffer.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size_text = bytes(buffer[pos:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return -1
        if size < 0 or size > MAX_BODY:
            return -1
        pos = line_end + 2
        if size == 0:
            while True:  # trailers, then the empty line
                line_end = buffer.find(b"\r\n", pos)
                if line_end < 0:
                    return None
                if line_end == pos:
                    return pos + 2
                pos = line_end + 2
        if len(buffer) < pos + size + 2:
            return None
        pos += size + 2


class _Buffered:
    """The socket as werkzeug's handler sees it: reads come from the request already buffered (so a
    worker never waits for the network), writes go to the socket."""

    def __init__(self, sock, data: bytes, fault: str | None):
        self._sock = sock
        self._data = data
        self.labkit_fault = fault

    def makefile(self, mode="r", *args, **kwargs):
        if "r" in mode:
            return io.BufferedReader(io.BytesIO(self._data))
        return self._sock.makefile(mode, *args, **kwargs)

    def close(self):  # the server decides when the socket closes
        pass

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def make_environ(self):
        environ = super().make_environ()
        fault = getattr(self.connection, "labkit_fault", None)
        if fault:
            environ["labkit.fault"] = fault
        return environ

    def log_request(self, *args, **kwargs):  # the sandbox records calls itself (sb.calls)
        pass

    def log_error(self, *args, **kwargs):
        pass


class Server(BaseWSGIServer):
    """werkzeug's WSGI server with labkit's connection handling (see the module docstring)."""

    def __init__(self, host: str, port: int, app):
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, port))
        except OSError as exc:
            listener.close()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(
                    f"Port {port} on {host} is already in use (or not allowed) -- another program, or another "
                    f"labkit sandbox, listens there. Stop it, pick another port (--port / Sandbox(port=...)), "
                    f"or leave the port out to get a free one."
                ) from None
            raise
        listener.listen(128)
        try:
            super().__init__(host, port, app, handler=_Handler, fd=listener.fileno())
        finally:
            listener.close()  # werkzeug keeps its own duplicate of the descriptor
        self.socket.setblocking(True)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._incoming: collections.deque = collections.deque()
        self._open: set = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._workers = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="labkit-http-worker")
        self._reactor = threading.Thread(target=self._run, name="labkit-http-reactor", daemon=True)
        self._reactor.start()

    # ------------------------------------------------------------------ socketserver hooks
    def process_request(self, request, client_address):
        with self._lock:
            too_many = len(self._open) >= MAX_CONNECTIONS
        if too_many or self._stopping:
            _close(request)
            return
        request.setblocking(False)
        conn = _Connection(request, client_address)
        with self._lock:
            self._open.add(conn)
        self._hand_back(conn)

    def server_close(self):
        if not hasattr(self, "_selector"):  # werkzeug closes its first socket while still constructing
            return super().server_close()
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        super().server_close()
        if self._reactor.is_alive() and threading.current_thread() is not self._reactor:
            self._reactor.join(timeout=5)
        self._workers.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for conn in list(self._open):
                _close(conn.sock)
            self._open.clear()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    # ------------------------------------------------------------------ the reactor
    def _hand_back(self, conn):
        self._incoming.append(conn)
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _run(self):
        watched: dict = {}
        while not self._stopping:
            try:
                events = self._selector.select(timeout=0.25)
            except OSError:
                events = []
            now = time.monotonic()
            for key, _ in events:
                if key.data is None:
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except (BlockingIOError, OSError):
                        pass
                    continue
                conn = key.data
                try:
                    data = conn.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._unwatch(conn, watched)
                    self._drop(conn)
                    continue
                if conn.started is None:
                    conn.started = now
                conn.buffer += data
                self._progress(conn, watched)
            while self._incoming:
                conn = self._incoming.popleft()
                if conn.buffer:
                    conn.started = conn.started or now
                    if self._progress(conn, watched, registered=False):
                        continue
                try:
                    self._selector.register(conn.sock, selectors.EVENT_READ, conn)
                    watched[conn.sock] = conn
                except (ValueError, KeyError, OSError):
                    self._drop(conn)
            for conn in list(watched.values()):
                if conn.started is not None and now - conn.started > READ_TIMEOUT:
                    self._unwatch(conn, watched)
                    frame = _frame(conn.buffer)
                    if frame.head_end >= 0:  # the head is here: answer in the protocol's shape
                        self._submit(conn, bytes(conn.buffer), "timeout", keep=False)
                    else:
                        _plain_timeout(conn.sock)
                        self._drop(conn)
                elif conn.started is None and now - conn.idle_since > IDLE_TIMEOUT:
                    self._unwatch(conn, watched)
                    self._drop(conn)
        for conn in list(watched.values()):
            self._unwatch(conn, watched)
        try:
            self._selector.close()
        except OSError:
            pass

    def _unwatch(self, conn, watched):
        watched.pop(conn.sock, None)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _progress(self, conn, watched, registered=True) -> bool:
        """Hand ``conn`` to a worker if it holds a whole request (or a fault); returns whether it did."""
        frame = _frame(conn.buffer)
        if frame.fault == "head":
            if registered:
                self._unwatch(conn, watched)
            _plain(conn.sock, 431, "Request Header Fields Too Large")
            self._drop(conn)
            return True
        if frame.need is None or (frame.fault is None and len(conn.buffer) < frame.need):
            if frame.expect_continue and frame.head_end >= 0 and not conn.continued:
                conn.continued = True
                try:
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    pass
            return False
        if registered:
            self._unwatch(conn, watched)
        data = bytes(conn.buffer[:frame.need])
        del conn.buffer[:frame.need]
        if frame.expect_continue:  # answered here (or not needed): werkzeug must not send another
            data = re.sub(rb"\r\n[Ee][Xx][Pp][Ee][Cc][Tt][ \t]*:[^\r\n]*", b"", data[:frame.head_end + 4], count=1) + data[frame.head_end + 4:]
        self._submit(conn, data, frame.fault, keep=frame.keep_alive and frame.fault is None)
        return True

    def _submit(self, conn, data: bytes, fault, keep: bool):
        try:
            self._workers.submit(self._serve, conn, data, fault, keep)
        except RuntimeError:  # shutting down
            self._drop(conn)

    # ------------------------------------------------------------------ a worker
    def _serve(self, conn, data: bytes, fault, keep: bool):
        sock = conn.sock
        try:
            sock.setblocking(True)
            sock.settimeout(WRITE_TIMEOUT)
            _Handler(_Buffered(sock, data, fault), conn.address, self)
        except Exception:  # a dropped client, a timed-out write: the connection is over
            keep = False
        if keep and not self._stopping:
            try:
                sock.setblocking(False)
            except OSError:
                keep = False
        if not keep or self._stopping:
            self._drop(conn)
            return
        conn.started = None
        conn.continued = False
        conn.idle_since = time.monotonic()
        self._hand_back(conn)

    def _drop(self, conn):
        with self._lock:
            self._open.discard(conn)
        _close(conn.sock)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _plain(sock, status: int, reason: str, body: bytes = b""):
    try:
        sock.setblocking(True)
        sock.settimeout(2)
        sock.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
    except OSError:
        pass


def _plain_timeout(sock):
    _plain(sock, 400, "Bad Request", b"RequestTimeout: Your socket connection to the server was not read from or written to "
                                     b"within the timeout period. Idle connections will be closed.")
