"""One normalised request shape for both transports, and the rules that tell which service it is for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

# X-Amz-Target prefixes of the JSON-protocol services the lab uses -> signing name.
TARGET_PREFIXES = {
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "AmazonSSM": "ssm",
    "Logs_20140328": "logs",
    "AWSSecurityTokenServiceV20110615": "sts",
}

# Query-protocol actions that arrive unsigned (no credential scope to read the service from).
UNSIGNED_QUERY_ACTIONS = {
    "AssumeRoleWithWebIdentity": "sts",
    "AssumeRoleWithSAML": "sts",
}

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_AWS_HOST = re.compile(r"^(?P<first>[^.]+)\.(?:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.)?amazonaws\.com(?:\.cn)?$")
# Global endpoints and their signing names.
_GLOBAL_HOSTS = {"iam": "iam", "sts": "sts", "s3": "s3"}


class Headers(dict):
    """A case-insensitive header mapping that remembers the first spelling it saw."""

    def __init__(self, items=()):
        super().__init__()
        self._names: dict[str, str] = {}
        for k, v in (items.items() if hasattr(items, "items") else items):
            self[k] = v

    def __setitem__(self, key, value):
        low = key.lower()
        if low in self._names:
            super().__delitem__(self._names[low])
        self._names[low] = key
        super().__setitem__(key, value)

    def __getitem__(self, key):
        return super().__getitem__(self._names[key.lower()])

    def __contains__(self, key):
        return isinstance(key, str) and key.lower() in self._names

    def __delitem__(self, key):
        super().__delitem__(self._names.pop(key.lower()))

    def get(self, key, default=None):
        return self[key] if key in self else default


@dataclass
class Request:
    """A request to the sandbox, whichever transport brought it.

    ``url`` is always the AWS form of the address (``https://cognito-idp.us-east-1.amazonaws.com/``),
    even when the request came over HTTP to 127.0.0.1: that is the address moto matches on.
    """

    method: str
    url: str
    headers: Headers
    body: bytes
    transport: str = "in-process"  # or "http"
    source_ip: str = "127.0.0.1"
    secure: bool = True
    service: str = ""
    region: str = ""
    operation: str | None = None
    access_key: str | None = None
    path: str = "/"
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] | None = None
    handled_by: str = ""  # set by the Dispatcher: "route", "auth", "faults", "guard", "labkit", "moto"
    unserved: bool = False  # no service of the sandbox (nor moto) exists at this address

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace") if self.body else ""

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @classmethod
    def of(cls, status: int, body: bytes | str, content_type: str, **headers) -> "Response":
        if isinstance(body, str):
            body = body.encode("utf-8")
        h = {"Content-Type": content_type, **headers}
        return cls(status, h, body)


def classify(request: Request, default_region: str) -> Request:
    """Fill in ``service``, ``region``, ``operation``, ``access_key``, ``path`` and ``query``.

    The rules, first match wins: the SigV4 credential scope (header or presigned query), the
    ``X-Amz-Target`` header of JSON protocols, an AWS host name, a query-protocol ``Action`` that
    AWS accepts unsigned. What none of these names is S3 (browsers fetch objects unsigned).
    """
    parts = urlsplit(request.url)
    request.path = parts.path or "/"
    request.query = parse_qs(parts.query, keep_blank_values=True)
    auth = request.headers.get("Authorization") or ""
    scope = _SCOPE.search(auth)
    if not scope and "X-Amz-Credential" in request.query:
        cred = request.query["X-Amz-Credential"][0].split("/")
        if len(cred) >= 5:
            scope = (cred[0], cred[2], cred[3])
            request.access_key, request.region, request.service = scope
    elif scope:
        request.access_key, request.region, request.service = scope.group(1), scope.group(2), scope.group(3)

    target = request.headers.get("X-Amz-Target") or ""
    if target and "." in target:
        prefix, op = target.split(".", 1)
        request.operation = op
        request.service = request.service or TARGET_PREFIXES.get(prefix, "")

    host = (parts.hostname or "").lower()
    m = _AWS_HOST.match(host)
    if m:
        # An unsigned call (InitiateAuth, GetId...) names its region only in the host: a pool of another
        # region than the sandbox's must be found there.
        request.region = request.region or (m.group("region") or "")
    if m and not request.service:
        first = m.group("first")
        request.service = _GLOBAL_HOSTS.get(first, first)
    elif host.endswith(".s3.amazonaws.com") or ".s3." in host:
        request.service = request.service or "s3"

    ctype = (request.headers.get("Content-Type") or "").lower()
    if request.method == "POST" and "application/x-www-form-urlencoded" in ctype:
        request.form = parse_qs(request.text, keep_blank_values=True)
        action = (request.form.get("Action") or [None])[0]
        if action:
            request.operation = request.operation or action
            request.service = request.service or UNSIGNED_QUERY_ACTIONS.get(action, "")
    elif request.method == "GET" and "Action" in request.query and request.service in ("sts", "iam", ""):
        request.operation = request.operation or request.query["Action"][0]
        request.service = request.service or UNSIGNED_QUERY_ACTIONS.get(request.operation, "")

    request.service = request.service or "s3"
    request.region = request.region or default_region
    return request


def aws_url(request: Request) -> str:
    """The AWS address of a request that arrived at 127.0.0.1, so that moto can match it."""
    svc = request.service
    if svc in ("iam",):
        host = "iam.amazonaws.com"
    elif svc == "s3":
        host = "s3.amazonaws.com" if request.region == "us-east-1" else f"s3.{request.region}.amazonaws.com"
    else:
        host = f"{svc}.{request.region}.amazonaws.com"
    parts = urlsplit(request.url)
    query = f"?{parts.query}" if parts.query else ""
    return f"https://{host}{parts.path or '/'}{query}"
