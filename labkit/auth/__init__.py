"""Authentication: every request is checked as AWS checks it, before anything decides what it may do.

"Authentication ... The principal must be authenticated (signed in to AWS) using their credentials
to send a request to AWS. Some services, such as Amazon S3 and AWS STS, allow a few requests from
anonymous users" -- *Understanding how IAM works* (IAM/latest/UserGuide/intro-structure.html). So,
for each request of either transport, in the dispatcher's authentication step (after labkit's own
routes, before the guards):

1. :mod:`.unsigned` -- operations AWS serves unsigned pass; an unsigned S3 request is judged as an
   anonymous one (bucket policy, ACL); any other unsigned request is refused (``MissingAuthenticationToken``).
2. :mod:`.sigv4` (header or presigned) or :mod:`.sigv2` (S3's legacy form) -- the signature presented.
3. :mod:`.lookup` -- the access key must be one the account knows (``sb.admin_credentials``, keys the
   sandbox issued, IAM users' keys); a temporary key needs its own session token (``X-Amz-Security-Token``),
   unexpired on the sandbox's clock.
4. Time: 15 minutes of clock skew against the wall clock; presigned URLs expire on the sandbox's clock.
5. The signature, recomputed by botocore's signer from the request as received.

A failure is answered with the service's own error (:mod:`.errors`) and kept, so that
:func:`explain_last` (and the decision explorer) can say why. :mod:`.guests` holds the scope-down
session policy Cognito applies to unauthenticated identities in the enhanced flow.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from . import lookup, sigv2, sigv4, unsigned
from .errors import KINDS, Failure, render

__all__ = ["authenticate", "Authenticator", "AuthenticationRecord", "explain_last", "failures", "KINDS"]

HISTORY = 100
_HOST = re.compile(r"^(?P<svc>[a-z0-9-]+)\.(?:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.)?amazonaws\.com$")
# Endpoint prefixes whose signing name is the same (the services the lab calls by their own host).
_SAME_NAME = {"cognito-idp", "cognito-identity", "cognito-sync", "dynamodb", "sts", "iam", "lambda"}


@dataclass
class AuthenticationRecord:
    """One request the sandbox refused for its authentication."""

    call: int
    time: float
    transport: str
    service: str
    operation: str
    request: str  # "GET /photos/cat.jpg"
    access_key: str | None
    kind: str  # a key of errors.KINDS
    code: str  # the error code the service answered
    message: str
    status: int

    @property
    def reason(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def explain(self) -> str:
        who = f"signed with access key {self.access_key}" if self.access_key else "unsigned"
        return "\n".join([
            f"Call #{self.call}: {self.service} {self.operation} ({self.request}) was REFUSED before any policy was evaluated.",
            f"  Authentication failed: {self.reason}.",
            f"  The request was {who}; the service answered {self.status} {self.code}: {self.message}",
        ])

    __str__ = explain


class Authenticator:
    """The authentication step of one sandbox (``sb.components["auth"]``)."""

    def __init__(self, sandbox, history: int = HISTORY):
        self.sandbox = sandbox
        self.failures: deque[AuthenticationRecord] = deque(maxlen=history)
        self.verified = 0  # signatures recomputed and found right
        self.last_anonymous = None  # the last anonymous S3 decision

    def __call__(self, request):
        failure = self.check(request)
        if failure is None:
            return None
        response = render(failure, request)
        self._record(request, failure, response)
        return response

    def check(self, request) -> Failure | None:
        signed = sigv4.presented(request)
        if signed is None:
            signed = sigv2.presented(request)
        if unsigned.is_public(request):
            return None  # AWS does not authenticate these operations with a signature at all
        if signed is None:
            if request.service == "s3" and _query_action(request):
                # No credential scope and no AWS host (HTTP): a query-protocol call (STS, IAM) unsigned.
                return Failure("missing", service="sts")
            if request.service == "s3":
                decision = unsigned.anonymous_s3(self.sandbox, request)
                self.last_anonymous = decision
                return None if decision.allowed else Failure("anonymous-denied")
            return Failure("missing")
        if isinstance(signed, Failure):
            return signed
        known = lookup.find(self.sandbox, signed.access_key)
        if known is None or not known.active:
            return Failure("unknown-key", access_key=signed.access_key, details={"AWSAccessKeyId": signed.access_key})
        if known.token is not None and not signed.token:
            return Failure("unknown-key", access_key=signed.access_key, details={"AWSAccessKeyId": signed.access_key})
        if (signed.token or None) != known.token:
            return Failure("bad-token", access_key=signed.access_key)
        sandbox_now = self.sandbox.clock.time()
        if known.expiration is not None and sandbox_now >= known.expiration:
            return Failure("expired-token", access_key=signed.access_key)
        wall = time.time()
        if isinstance(signed, sigv4.Signed):
            failure = sigv4.check_time(signed, wall, sandbox_now) or self._scope(request, signed)
            failure = failure or sigv4.verify(request, signed, known.secret_key)
        else:
            failure = sigv2.check_time(signed, request, wall, sandbox_now) or sigv2.verify(request, signed, known.secret_key)
        if failure is None:
            self.verified += 1
        elif failure.access_key is None:
            failure.access_key = signed.access_key
        return failure

    def _scope(self, request, signed: sigv4.Signed) -> Failure | None:
        """The credential scope must name a real region, and (in-process, where the request still has
        its AWS host) the region and service of the endpoint called."""
        from ..sandbox import _known_regions

        if signed.region not in _known_regions(signed.service):
            return Failure("scope", f"Credential should be scoped to a valid region, not '{signed.region}'. ")
        if request.transport == "http" or signed.service == "s3":
            return None
        m = _HOST.match((urlsplit(request.url).hostname or "").lower())
        if not m or m.group("svc") not in _SAME_NAME:
            return None
        if m.group("svc") != signed.service:
            return Failure("scope", f"Credential should be scoped to correct service: '{m.group('svc')}'. ")
        if m.group("region") and m.group("region") != signed.region:
            return Failure("scope", f"Credential should be scoped to a valid region, not '{signed.region}'. ")
        return None

    def _record(self, request, failure: Failure, response):
        code, message = _code_and_message(response)
        self.failures.append(AuthenticationRecord(
            call=self.sandbox.dispatcher.log.last_seq + 1,
            time=self.sandbox.clock.time(),
            transport=request.transport,
            service=request.service,
            operation=request.operation or f"{request.method} {request.path}",
            request=f"{request.method} {unquote(request.path or '/')}",
            access_key=failure.access_key,
            kind=failure.kind,
            code=code or failure.kind,
            message=message or failure.message,
            status=response.status,
        ))

    def explain_last(self) -> str:
        if not self.failures:
            return "No request has been refused for its authentication yet."
        return self.failures[-1].explain()


def _query_action(request) -> bool:
    """An ``Action=`` call of the query protocol (S3 never takes one)."""
    if request.form is not None and "Action" in request.form:
        return True
    return request.method == "GET" and "Action" in request.query and "Version" in request.query


def _code_and_message(response) -> tuple[str, str]:
    body = response.body.decode("utf-8", "replace") if response.body else ""
    if body.startswith("{"):
        import json

        try:
            data = json.loads(body)
            return data.get("__type", ""), data.get("message", "")
        except ValueError:
            return "", ""
    code = re.search(r"<Code>([^<]*)</Code>", body)
    message = re.search(r"<Message>([^<]*)</Message>", body)
    from xml.sax.saxutils import unescape

    return (code.group(1) if code else ""), (unescape(message.group(1)) if message else "")


def component(sandbox) -> Authenticator:
    """The sandbox's :class:`Authenticator`, made on first use."""
    auth = sandbox.components.get("auth")
    if auth is None:
        auth = sandbox.components["auth"] = Authenticator(sandbox)
    return auth


def authenticate(sandbox, request):
    """The dispatcher's authentication step: ``None`` lets ``request`` go on; a Response refuses it."""
    return component(sandbox)(request)


def _sandbox(sb):
    if sb is None:
        from ..sandbox import Sandbox

        sb = Sandbox.current()
        if sb is None:
            from ..errors import LabkitError

            raise LabkitError("No labkit Sandbox is running. Start one first: sb = labkit.Sandbox.fresh()")
    return sb


def failures(sb=None) -> list[AuthenticationRecord]:
    """Every request the sandbox refused for its authentication (the last 100), oldest first."""
    return list(component(_sandbox(sb)).failures)


def explain_last(sb=None) -> str:
    """Why the last request refused for its authentication was refused, in plain English."""
    return component(_sandbox(sb)).explain_last()
