"""Amazon S3's legacy Signature Version 2, which boto3 still uses for presigned S3 URLs in us-east-1.

*Authenticating Requests (AWS Signature Version 2)* (AmazonS3/latest/userguide/RESTAuthentication.html):
``Authorization: AWS <AccessKeyId>:<Signature>`` or, presigned, ``?AWSAccessKeyId=&Expires=&Signature=``;
the signature is an HMAC-SHA1 of ``method``, ``Content-MD5``, ``Content-Type``, ``Date`` (or, presigned,
``Expires``), the ``x-amz-*`` headers and the canonical resource (``/bucket/key`` plus the
sub-resources). Recomputed here with botocore's :class:`botocore.auth.HmacV1Auth` (never by hand).

"A request is ... expired if the current time is later than the value of the ``Expires``
parameter" -- measured on the sandbox's clock; a header-signed request must be within 15 minutes of
the wall clock (``RequestTimeTooSkewed``).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from botocore.auth import HmacV1Auth
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from .errors import Failure, iso
from .sigv4 import MAX_SKEW, received_url

_S3_VHOST = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$")


@dataclass
class SignedV2:
    presigned: bool
    access_key: str
    signature: str
    date: str  # the Date header, or Expires (epoch seconds) when presigned
    token: str | None


def presented(request) -> "SignedV2 | Failure | None":
    auth = request.headers.get("Authorization") or ""
    if auth.startswith("AWS ") and not auth.startswith("AWS4"):
        key, sep, signature = auth[4:].strip().partition(":")
        if not sep or not key or not signature:
            return Failure("incomplete", "The authorization header you provided is invalid.")
        date = request.headers.get("X-Amz-Date") or request.headers.get("Date")
        if not date:
            return Failure("signature")  # AWS: "AWS authentication requires a valid Date or x-amz-date header"
        return SignedV2(False, key, signature, request.headers.get("Date") or "", request.headers.get("X-Amz-Security-Token"))
    query = request.query
    if "AWSAccessKeyId" in query or ("Signature" in query and "Expires" in query):
        key = (query.get("AWSAccessKeyId") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        expires = (query.get("Expires") or [""])[0]
        if not key or not signature or not expires.isdigit():
            return Failure("incomplete", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
        token = (query.get("x-amz-security-token") or query.get("X-Amz-Security-Token") or [None])[0]
        return SignedV2(True, key, signature, expires, token)
    return None


class _Recompute(HmacV1Auth):
    """botocore's SigV2 signer, told the date the client used instead of the time now."""

    def __init__(self, credentials, date: str):
        super().__init__(credentials)
        self._date = date

    def _get_date(self):
        return self._date


def check_time(signed: SignedV2, request, wall: float, sandbox_now: float) -> Failure | None:
    if signed.presigned:
        expires = int(signed.date)
        if sandbox_now > expires:
            return Failure("presign-expired", details={"Expires": iso(expires), "ServerTime": iso(sandbox_now)})
        return None
    stamp = request.headers.get("X-Amz-Date") or request.headers.get("Date")
    try:
        when = parsedate_to_datetime(stamp).timestamp()
    except (TypeError, ValueError):
        return Failure("signature")
    if abs(wall - when) > MAX_SKEW:
        return Failure("skew", details={"RequestTime": stamp, "ServerTime": iso(wall), "MaxAllowedSkewMilliseconds": MAX_SKEW * 1000})
    return None


def verify(request, signed: SignedV2, secret: str) -> Failure | None:
    url = received_url(request)
    split = urlsplit(url)
    headers = HTTPHeaders()
    if signed.presigned:
        for name, values in request.query.items():
            if name.lower().startswith("x-amz-") and name.lower() != "x-amz-security-token":
                headers[name.lower()] = values[0]
    else:
        for name, value in request.headers.items():
            low = name.lower()
            if low in ("content-md5", "content-type") or (low.startswith("x-amz-") and low != "x-amz-security-token"):
                headers[low] = value
    if signed.token:
        headers["x-amz-security-token"] = signed.token
    signer = _Recompute(Credentials(signed.access_key, secret, signed.token), signed.date)
    host = (split.hostname or "").lower()
    m = _S3_VHOST.match(host)
    if m and not host.startswith(("s3.", "s3-")):  # virtual-hosted: the resource still names the bucket
        auth_path = f"/{m.group('bucket')}{split.path or '/'}"
    else:  # path-style: a bucket alone is "/bucket/" (the canonical resource of a bucket ends in "/")
        path = split.path or "/"
        auth_path = path + "/" if path.count("/") == 1 and len(path) > 1 else None
    string_to_sign = signer.canonical_string(request.method, split, headers, auth_path=auth_path)
    expected = signer.sign_string(string_to_sign)
    provided = signed.signature
    if not hmac.compare_digest(expected, provided):
        return Failure("signature", access_key=signed.access_key, details={
            "AWSAccessKeyId": signed.access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": provided,
            "StringToSignBytes": " ".join(f"{b:02x}" for b in string_to_sign.encode()),
        })
    return None
