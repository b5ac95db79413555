"""The dispatcher: one place where every request of both transports is decided.

Order for each request (the same whichever transport brought it):

1. ``routes``: labkit's own HTTP endpoints (JWKS, the mock identity providers, the hosted UI).
1b. authentication (:mod:`labkit.auth`): the request's signature, key and token, as AWS checks them.
2. ``guards``: checks that may answer first (IAM enforcement of sandbox-issued credentials).
3. the :class:`Service` registered for the request's signing name, if it implements the operation.
4. moto, for everything labkit does not override (storage, S3, DynamoDB, IAM objects...), through
   :func:`labkit.moto_adapter.answer`.

Every decided request is written to the :class:`CallLog`, which the flow pictures read.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from .. import moto_adapter
from ..errors import NotSimulated, ServiceError
from . import faults, protocols
from .request import Request, Response


def operation(name: str):
    """Mark a :class:`Service` method as the implementation of the AWS operation ``name``.

    The method receives ``(params: dict, ctx: CallContext)`` and returns the result dict, or raises
    :class:`~labkit.errors.ServiceError`.
    """

    def mark(fn):
        fn.__aws_operation__ = name
        return fn

    return mark


@dataclass
class CallContext:
    """What a service may know about a call besides its parameters."""

    request: Request
    sandbox: object
    region: str
    account_id: str
    access_key: str | None
    source_ip: str
    secure: bool

    @property
    def now(self) -> float:
        return self.sandbox.clock.time()

    def moto(self) -> Response | None:
        """Let moto answer this very request (for operations labkit only post-processes)."""
        return self.sandbox.dispatcher.moto(self.request)


class Service:
    """Base of the sandbox's own services. Subclasses set ``signing_name`` and ``protocol`` and
    mark methods with :func:`operation`; operations they do not implement fall through to moto."""

    signing_name = ""
    protocol = "json"

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.operations: dict[str, Callable] = {}
        for attr in dir(type(self)):
            fn = getattr(type(self), attr, None)
            name = getattr(fn, "__aws_operation__", None)
            if name:
                self.operations[name] = getattr(self, attr)

    def context(self, request: Request) -> CallContext:
        sb = self.sandbox
        return CallContext(request, sb, request.region, sb.account_id, request.access_key, request.source_ip, request.secure)

    #: top-level identifier members checked against the model's pattern and length for EVERY operation
    #: of this service (also those moto answers), with AWS's "1 validation error detected" wording
    checked_identifiers: frozenset = frozenset()
    constraint_error: type | None = None

    def handle(self, request: Request) -> Response | None:
        if self.checked_identifiers and self.constraint_error is not None:
            from .. import constraints

            try:
                constraints.check(self.signing_name, request.operation, request.body, self.checked_identifiers, self.constraint_error)
            except ServiceError as err:
                return self.error(err)
        fn = self.operations.get(request.operation or "")
        if fn is None:
            return None
        try:
            params = protocols.read_params(request, self.protocol)
            result = fn(params, self.context(request))
        except ServiceError as err:
            return self.error(err)
        if isinstance(result, Response):
            return result
        if self.protocol == "query":
            return protocols.query_response(self.signing_name, request.operation, result)
        return protocols.json_response(result)

    def error(self, err: ServiceError) -> Response:
        if self.protocol == "query":
            return protocols.query_error(self.signing_name, err)
        return protocols.json_error(err)


@dataclass
class Call:
    """One request the sandbox answered: what a flow picture draws as an arrow and its reply."""

    seq: int
    time: float
    transport: str
    service: str
    operation: str | None
    method: str
    path: str
    status: int
    handled_by: str  # "labkit", "moto", "route", "auth", "guard"
    request_body: bytes = b""
    response_body: bytes = b""
    duration_ms: float = 0.0
    notes: dict = field(default_factory=dict)


class CallLog:
    """The most recent calls (a bounded ring), oldest first."""

    def __init__(self, size: int = 2000):
        self._calls: deque[Call] = deque(maxlen=size)
        self._seq = 0

    def add(self, **kw) -> Call:
        self._seq += 1
        call = Call(seq=self._seq, **kw)
        self._calls.append(call)
        return call

    def __iter__(self):
        return iter(list(self._calls))

    def __len__(self):
        return len(self._calls)

    def since(self, seq: int) -> list[Call]:
        return [c for c in self._calls if c.seq > seq]

    @property
    def last_seq(self) -> int:
        return self._seq

    def clear(self):
        self._calls.clear()


Route = Callable[[Request], "Response | None"]
Guard = Callable[[Request], "Response | None"]


class Dispatcher:
    """Decides every request of one sandbox (see the module docstring for the order)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.services: dict[str, Service] = {}
        self.routes: list[Route] = []
        self.guards: list[Guard] = []
        self.log = CallLog()
        self.lock = threading.RLock()

    def register(self, service: Service) -> Service:
        self.services[service.signing_name] = service
        return service

    # moto's answer to ``request`` (its in-process stubber, also for HTTP requests)
    moto = staticmethod(moto_adapter.answer)

    def handle(self, request: Request) -> tuple[Response | None, str]:
        """Answer ``request``; returns ``(response, handled_by)``; ``(None, "")`` when nobody can."""
        start = time.perf_counter()
        with self.lock:
            response, by = None, ""
            try:
                for route in self.routes:
                    response = route(request)
                    if response is not None:
                        by = "route"
                        break
            except NotSimulated as exc:  # e.g. an API Gateway integration the sandbox does not run
                response, by = faults.not_simulated(request, str(exc)), "faults"
            if response is None:  # --- authentication (labkit.auth, issue 14): SigV4/SigV2, keys, tokens,
                # expiry, anonymous S3 -- every request no route answered, before any guard runs.
                from ..auth import authenticate

                response = authenticate(self.sandbox, request)
                by = "auth" if response is not None else ""
            if response is None:  # --- bad input: the protocol's 4xx before anything reads the body (faults)
                response = faults.check(request)
                by = "faults" if response is not None else ""
            if response is None:
                for guard in self.guards:
                    response = guard(request)
                    if response is not None:
                        by = "guard"
                        break
            try:
                if response is None:
                    service = self.services.get(request.service)
                    if service is not None:
                        response = service.handle(request)
                        by = "labkit" if response is not None else ""
                if response is None:
                    try:
                        response = self.moto(request)
                    except (NotSimulated, NotImplementedError):
                        raise
                    except Exception as exc:  # input moto cannot read, which AWS refuses with a 4xx (faults)
                        response = faults.moto_failure(request, exc)
                        if response is None:
                            raise
                    by = "moto" if response is not None else ""
                    if response is not None and response.status == 404 and response.body == b"Not yet implemented":
                        request.unserved = True  # moto's catch-all for an address it does not know
                        raise NotSimulated("moto has no such service")
            except RecursionError:  # input nested deeper than a parser behind the service goes: bad input, a 400
                response, by = faults.too_deep(request), "faults"
            except (NotSimulated, NotImplementedError) as exc:  # the same answer on both transports, in sb.calls
                response, by = faults.not_simulated(request, str(exc) or "moto has no implementation"), "faults"
            request.handled_by = by
            if response is not None:
                self.log.add(
                    time=self.sandbox.clock.time(),
                    transport=request.transport,
                    service=request.service,
                    operation=request.operation,
                    method=request.method,
                    path=request.path,
                    status=response.status,
                    handled_by=by,
                    request_body=request.body if len(request.body or b"") < 65536 else b"",
                    response_body=response.body if len(response.body or b"") < 65536 else b"",
                    duration_ms=(time.perf_counter() - start) * 1000,
                )
            return response, by
