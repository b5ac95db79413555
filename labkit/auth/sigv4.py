"""Signature Version 4, verified by recomputing it with botocore's own signer.

AWS's algorithm (*Create a signed AWS API request*, IAM/latest/UserGuide/create-signed-request.html;
for S3 *Authenticating Requests (AWS Signature Version 4)*, AmazonS3/latest/API/sig-v4-authenticating-requests.html):
a canonical request (method, URI, query, the headers named in ``SignedHeaders``, the payload hash),
a string to sign (``AWS4-HMAC-SHA256``, the timestamp, the credential scope
``date/region/service/aws4_request``, the canonical request's hash), and an HMAC chain keyed by the
secret. The server recomputes the signature from what it received and compares.

labkit never re-implements that: it rebuilds a :class:`botocore.awsrequest.AWSRequest` from the
request as it was received and asks :class:`botocore.auth.SigV4Auth` (``S3SigV4Auth`` for S3, whose
path is not normalised; ``SigV4QueryAuth`` / ``S3SigV4QueryAuth`` for presigned URLs) for its
canonical request, string to sign and signature.

* The request is verified as the client sent it: over HTTP the ``Host`` the client signed is
  ``127.0.0.1:<port>``, not the AWS address the sandbox rewrites it to.
* ``x-amz-content-sha256``: the signed value is the payload hash (``UNSIGNED-PAYLOAD``,
  ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` and ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` are literal);
  a hex hash must equal the body's SHA-256 (S3's ``XAmzContentSHA256Mismatch``). A chunk-signed
  upload (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``, *Signature calculations for the Authorization
  header: Transferring payload in multiple chunks*, sigv4-streaming.html) has each chunk's signature
  checked against the previous one, seeded by the request's.
* Clock skew: "the request must reach AWS within 15 minutes of the time stamp in the request"
  (*Elements of an AWS API request signature*, "Date"); clients sign with their own clock, so this is
  measured against the wall clock. A presigned URL is valid for ``X-Amz-Expires`` seconds from
  ``X-Amz-Date`` (at most 604800), on the sandbox's clock, which ``sb.advance`` moves.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from botocore.auth import EMPTY_SHA256_HASH, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..wire import addressing
from .errors import Failure, amz, iso

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = 15 * 60  # seconds
MAX_PRESIGN = 604800  # "X-Amz-Expires must be less than a week (in seconds)"
LITERAL_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SIGV4_TIME = "%Y%m%dT%H%M%SZ"


@dataclass
class Signed:
    """The SigV4 authentication a request presents (header or query)."""

    presigned: bool
    access_key: str
    scope_date: str
    region: str
    service: str
    signed_headers: list
    signature: str
    timestamp: str  # 20261201T220000Z
    token: str | None
    expires: int | None = None  # presigned only

    @property
    def scope(self) -> str:
        return f"{self.scope_date}/{self.region}/{self.service}/aws4_request"


def presented(request) -> "Signed | Failure | None":
    """The SigV4 signature ``request`` carries, a :class:`Failure` (``incomplete``) when it is
    malformed, or ``None`` when it carries no SigV4 authentication."""
    auth = request.headers.get("Authorization") or ""
    if auth.startswith(ALGORITHM):
        fields = {}
        for part in auth[len(ALGORITHM):].split(","):
            name, _, value = part.strip().partition("=")
            fields[name.strip()] = value.strip()
        missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
        if missing:
            return Failure("incomplete", " ".join(f"Authorization header requires '{n}' parameter." for n in missing) + f" Authorization={auth}")
        timestamp = _timestamp(request)
        if timestamp is None:
            return Failure("incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                           f"Authorization={auth}")
        return _with_credential(fields["Credential"], fields["SignedHeaders"], fields["Signature"], timestamp,
                                request.headers.get("X-Amz-Security-Token"), False, None)
    query = request.query
    if query.get("X-Amz-Algorithm", [None])[0] == ALGORITHM or "X-Amz-Credential" in query:
        names = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature")
        missing = [n for n in names if not query.get(n, [""])[0]]
        if missing:
            return Failure("query-params", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
                           "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        if query["X-Amz-Algorithm"][0] != ALGORITHM:
            return Failure("query-params", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        try:
            expires = int(query["X-Amz-Expires"][0])
        except ValueError:
            return Failure("query-params", "X-Amz-Expires should be a number")
        if expires > MAX_PRESIGN or expires < 0:
            return Failure("query-params", f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN}")
        token = (query.get("X-Amz-Security-Token") or [None])[0]
        return _with_credential(query["X-Amz-Credential"][0], query["X-Amz-SignedHeaders"][0], query["X-Amz-Signature"][0],
                                query["X-Amz-Date"][0], token, True, expires)
    return None


def _with_credential(credential, signed_headers, signature, timestamp, token, presigned, expires):
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return Failure("incomplete", f"Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'")
    if not re.fullmatch(r"\d{8}T\d{6}Z", timestamp or ""):
        return Failure("incomplete", f"Invalid date: '{timestamp}'. It must be in ISO8601 basic format (yyyyMMdd'T'HHmmss'Z').")
    return Signed(presigned, parts[0], parts[1], parts[2], parts[3], [h.strip().lower() for h in signed_headers.split(";") if h.strip()],
                  signature, timestamp, token, expires)


def _timestamp(request) -> str | None:
    value = request.headers.get("X-Amz-Date")
    if value:
        return value
    date = request.headers.get("Date")
    if date:
        try:
            return parsedate_to_datetime(date).astimezone(_dt.timezone.utc).strftime(_SIGV4_TIME)
        except (TypeError, ValueError):
            return None
    return None


def epoch(timestamp: str) -> float:
    return _dt.datetime.strptime(timestamp, _SIGV4_TIME).replace(tzinfo=_dt.timezone.utc).timestamp()


def check_time(signed: Signed, wall: float, sandbox_now: float) -> Failure | None:
    """Clock skew (header signatures, wall clock) and presigned expiry (sandbox clock)."""
    when = epoch(signed.timestamp)
    if signed.scope_date != signed.timestamp[:8]:
        return Failure("scope", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                       f"'{signed.scope_date}' != '{signed.timestamp[:8]}', from '{signed.timestamp}'.")
    if signed.presigned:
        if when - wall > MAX_SKEW:
            return Failure("skew", f"Signature not yet current: {signed.timestamp} is still later than {amz(wall + MAX_SKEW)} "
                           f"({amz(wall)} + 15 min.)", details=_skew_details(signed, wall))
        if sandbox_now > when + signed.expires:
            return Failure("presign-expired", f"Signature expired: {signed.timestamp} is now earlier than {amz(sandbox_now - signed.expires)} "
                           f"({amz(sandbox_now)} - {signed.expires} sec.)",
                           details={"X-Amz-Expires": signed.expires, "Expires": iso(when + signed.expires), "ServerTime": iso(sandbox_now)})
        return None
    if wall - when > MAX_SKEW:
        return Failure("skew", f"Signature expired: {signed.timestamp} is now earlier than {amz(wall - MAX_SKEW)} ({amz(wall)} - 15 min.)",
                       details=_skew_details(signed, wall))
    if when - wall > MAX_SKEW:
        return Failure("skew", f"Signature not yet current: {signed.timestamp} is still later than {amz(wall + MAX_SKEW)} "
                       f"({amz(wall)} + 15 min.)", details=_skew_details(signed, wall))
    return None


def _skew_details(signed: Signed, wall: float) -> dict:
    return {"RequestTime": iso(epoch(signed.timestamp)), "ServerTime": iso(wall), "MaxAllowedSkewMilliseconds": MAX_SKEW * 1000}


def received_url(request) -> str:
    """The address the client signed: over HTTP ``http://<Host header><path as sent>``; in-process
    the AWS URL botocore signed (which the request still carries)."""
    if request.transport != "http":
        return request.url
    parts = urlsplit(request.url)
    host = request.headers.get("Host") or parts.netloc
    # The path exactly as sent (labkit.wire.http keeps the raw request target): botocore's signers
    # then make the canonical URI as the client's did -- S3's as it is (S3SigV4Auth does not
    # normalise or re-encode), every other service's percent-encoded once more (SigV4Auth). Encoding
    # it here as well would turn the ``/b/e%2541.txt`` a client signed for the key ``e%41.txt`` into
    # ``/b/e%252541.txt`` (the bug of decoding the path first and re-encoding it).
    path = addressing.path_as_sent(request, request.path or "/")  # with the <aws-host> segment of <endpoint>/<aws-host>/...
    return f"http://{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _aws_request(request, signed: Signed, url: str) -> AWSRequest:
    headers = {}
    for name in signed.signed_headers:
        if name == "host":
            headers["host"] = request.headers.get("Host") or _canonical_host(url)
            continue
        value = request.headers.get(name)
        if value is None and name == "content-length":
            value = str(len(request.body or b""))
        if value is not None:
            headers[name] = value
    if signed.presigned:
        parts = urlsplit(url)
        query = "&".join(p for p in parts.query.split("&") if not p.startswith("X-Amz-Signature="))
        url = parts._replace(query=query).geturl()
    aws = AWSRequest(method=request.method, url=url, headers=headers, data=request.body or b"")
    aws.context["timestamp"] = signed.timestamp
    return aws


def _canonical_host(url: str) -> str:
    from botocore.auth import _host_from_url

    return _host_from_url(url)


def _signer(signed: Signed, secret: str, token: str | None):
    creds = Credentials(signed.access_key, secret, token)
    s3 = signed.service == "s3"
    if signed.presigned:
        cls = S3SigV4QueryAuth if s3 else SigV4QueryAuth
        return cls(creds, signed.service, signed.region, expires=signed.expires)
    return (S3SigV4Auth if s3 else SigV4Auth)(creds, signed.service, signed.region)


def verify(request, signed: Signed, secret: str) -> Failure | None:
    """Recompute the signature of ``request`` with ``secret``; a ``signature`` (or ``content-sha256``)
    :class:`Failure` when it does not match."""
    url = received_url(request)
    aws = _aws_request(request, signed, url)
    signer = _signer(signed, secret, signed.token)
    canonical = signer.canonical_request(aws)
    string_to_sign = signer.string_to_sign(aws, canonical)
    expected = signer.signature(string_to_sign, aws)
    if not hmac.compare_digest(expected, signed.signature):
        return Failure("signature", access_key=signed.access_key, details={
            "AWSAccessKeyId": signed.access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": signed.signature,
            "StringToSignBytes": " ".join(f"{b:02x}" for b in string_to_sign.encode()),
            "CanonicalRequest": canonical,
            "CanonicalRequestBytes": " ".join(f"{b:02x}" for b in canonical.encode()),
        })
    if signed.presigned:
        return None
    content = request.headers.get("X-Amz-Content-SHA256")
    if content and _HEX64.match(content) and "x-amz-content-sha256" in signed.signed_headers:
        actual = hashlib.sha256(request.body or b"").hexdigest()
        if actual != content:
            return Failure("content-sha256", details={"ClientComputedContentSHA256": content, "S3ComputedContentSHA256": actual})
    if content in ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"):
        return _verify_chunks(request.body or b"", signer, aws, signed, expected)
    return None


def _verify_chunks(body: bytes, signer, aws: AWSRequest, signed: Signed, seed: str) -> Failure | None:
    """Each chunk of ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` is ``hex-size;chunk-signature=<sig>\\r\\n<data>\\r\\n``,
    its signature over ``AWS4-HMAC-SHA256-PAYLOAD\\n<timestamp>\\n<scope>\\n<previous signature>\\n
    <hash of "">\\n<hash of data>`` (sigv4-streaming.html), computed with botocore's signing key."""
    previous, pos = seed, 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        head = body[pos:end].decode("latin-1")
        size_text, _, ext = head.partition(";")
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        claimed = ext.partition("chunk-signature=")[2].strip()
        data = body[end + 2:end + 2 + size]
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", signed.timestamp, signed.scope, previous, EMPTY_SHA256_HASH,
                                    hashlib.sha256(data).hexdigest()])
        expected = signer.signature(string_to_sign, aws)
        if not hmac.compare_digest(expected, claimed):
            return Failure("signature", access_key=signed.access_key, details={
                "AWSAccessKeyId": signed.access_key, "StringToSign": string_to_sign, "SignatureProvided": claimed})
        previous = expected
        pos = end + 2 + size + 2
        if size == 0:
            break
    return None
