"""The one addressing rule for AWS hosts on the sandbox's HTTP endpoint.

On AWS every endpoint has a host name: ``cognito-idp.us-east-1.amazonaws.com`` (the API, the JWKS),
``<domain>.auth.<region>.amazoncognito.com`` (the hosted UI and the OAuth 2.0 endpoints),
``<api>.execute-api.<region>.amazonaws.com`` (a deployed API)... The served sandbox has one address,
``http://127.0.0.1:<port>`` (the *endpoint*), and reaches every one of those hosts in two forms:

* the **path form**, ``<endpoint>/<aws-host>/<path>`` -- the AWS URL with ``https://`` replaced by
  ``<endpoint>/``: ``http://127.0.0.1:8000/shop.auth.us-east-1.amazoncognito.com/oauth2/token``;
* the **Host-header form**: any path on the endpoint with ``Host: <aws-host>`` (what a client gets when the
  AWS host name is mapped to 127.0.0.1, e.g. in /etc/hosts or by a proxy).

In-process the request's URL already names the AWS host (``https://<aws-host>/<path>``); :func:`address_of`
answers the same :class:`Address` for all three, so a route decides once for both transports, and
:func:`served` gives the URL under which *the same caller* reaches another host (a redirect, a form's
action, the endpoints of a discovery document): ``https://<host>`` in-process, ``<endpoint>/<host>`` over
HTTP, ``http://<host>`` for a caller that used the Host-header form.

Why served discovery works this way (:func:`discovery_url`): an OpenID client follows the URLs a discovery
document names, so over HTTP the document names served URLs (``authorization_endpoint``, ``token_endpoint``,
``userinfo_endpoint``, ``jwks_uri``, ``revocation_endpoint``, ``end_session_endpoint``) -- while ``issuer``
stays ``https://cognito-idp.<region>.amazonaws.com/<pool id>``, what AWS writes in every token's ``iss``:
identity pools, API Gateway authorizers and every JWT library compare that string, and a sandbox token
with another issuer would teach the learner a check that fails on AWS. A client that insists the issuer
be the discovery URL's prefix is given the document's own (well-known) URL, which OpenID Connect Discovery
allows to be used as is.

The HTTP transport calls :func:`arrive` on each request (labkit/wire/http.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Address", "AWS_HOST", "is_aws_host", "address_of", "arrive", "served", "endpoint_of",
           "discovery_url", "served_url", "path_as_sent", "RULE", "DISCOVERY_RULE"]

#: An AWS host name: ``*.amazonaws.com`` (``.cn``), and the hosted UI's ``*.amazoncognito.com``.
AWS_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:amazonaws\.com(?:\.cn)?|amazoncognito\.com)$")

#: The rule, as ``python -m labkit serve`` and the console state it.
RULE = "<endpoint>/<aws-host>/<path>  (the AWS URL with https:// replaced by <endpoint>/), or any path with Host: <aws-host>"
DISCOVERY_RULE = "<endpoint>/cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration"


@dataclass(frozen=True)
class Address:
    """Where a request is going: ``host`` (the AWS host name, lower case), ``path`` (on that host, as sent),
    ``base`` (how the caller wrote the part before ``path``), ``form`` (``"url"`` in-process, ``"host"``
    for the Host-header form, ``"path"`` for ``<endpoint>/<aws-host>/...``)."""

    host: str
    path: str
    base: str
    form: str
    bare: bool = False  # the path form with nothing after the host (``<endpoint>/<aws-host>``, no ``/``)

    def url(self, path: str = "") -> str:
        """The URL of ``path`` on this host, written as the caller writes it."""
        return self.base + path


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_aws_host(name: str | None) -> bool:
    return bool(name) and AWS_HOST.match(name.lower()) is not None


def _http_host(request) -> str:
    return request.header("Host") or "127.0.0.1"


def _hostname(host_header: str) -> str:
    if host_header.startswith("["):  # [::1]:8000
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def _locate(transport: str, url: str, host_header: str, path: str) -> Address | None:
    if transport != "http":
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in _LOOPBACK:
            return Address(host, parts.path or "/", f"https://{host}", "url") if is_aws_host(host) else None
        # in-process, but addressed to the served endpoint (a plain HTTP library caught before it left):
        # the same rule as over HTTP
        host_header, path = parts.netloc, parts.path or "/"
    name = _hostname(host_header).lower()
    if is_aws_host(name):
        return Address(name, path or "/", f"http://{host_header}", "host")
    first, slash, rest = (path or "/").lstrip("/").partition("/")
    if is_aws_host(first):
        return Address(first.lower(), "/" + rest, f"http://{host_header}/{first}", "path", bare=not slash)
    return None


def address_of(request) -> Address | None:
    """The AWS host a request is for (see the module docstring), or ``None`` (a labkit page, ``/``...)."""
    found = getattr(request, "address", None)
    if found is not None:
        return found
    return _locate(request.transport, request.url, _http_host(request), urlsplit(request.url).path or "/")


def _signed(request) -> bool:
    auth = request.header("Authorization") or ""
    return auth.startswith("AWS4-") or auth.startswith("AWS ") or "X-Amz-Signature=" in request.url \
        or "Signature=" in (urlsplit(request.url).query or "")


def arrive(request):
    """The HTTP transport's hook (and the in-process one's, for a request caught on its way to the served
    endpoint): note where the request is going (``request.address``), and give a request in the path form the
    AWS URL ``https://<aws-host>/<path>`` (its ``Host`` header stays as sent), so that routes, services and
    moto see the same address as in-process. SigV4 signs the path as sent: :func:`path_as_sent` gives it back
    to the signature check (labkit.auth). A signed request caught in-process keeps its URL (the check reads it)."""
    parts = urlsplit(request.url)
    address = _locate("http", request.url, request.header("Host") or parts.netloc or "127.0.0.1", parts.path or "/")
    request.address = address
    if address is not None and address.form == "path" and (request.transport == "http" or not _signed(request)):
        # cut the host segment from the path exactly as sent (no decoding, the query untouched)
        rest = parts.path.lstrip("/").partition("/")[2]
        request.url = urlunsplit(("https", address.host, "/" + rest, parts.query, ""))
    return request


def path_as_sent(request, path: str) -> str:
    """``path`` as the client wrote it: with the ``/<aws-host>`` segment in front for a request that came in the
    path form (what a SigV4 or SigV2 client signed), else unchanged."""
    address = getattr(request, "address", None)
    if address is None or address.form != "path" or request.transport != "http":
        return path
    segment = address.base.rsplit("/", 1)[1]  # the host segment as sent (its case too)
    return f"/{segment}" if address.bare and path == "/" else f"/{segment}{path}"


def endpoint_of(request) -> str:
    """The sandbox endpoint as this caller reached it (``http://127.0.0.1:8000``); ``""`` for a caller that
    addressed an AWS host directly (in-process)."""
    address = address_of(request)
    if address is not None and address.form == "path":
        return address.base[: -len(address.host) - 1]
    if address is not None and address.form == "host":
        return _sandbox_endpoint() or f"http://{_http_host(request)}"
    if request.transport != "http":
        return ""
    return f"http://{_http_host(request)}"


def _sandbox_endpoint() -> str:
    from .. import sandbox as _sandbox

    sb = _sandbox.Sandbox.current()
    try:
        return sb.endpoint_url if sb is not None else ""
    except Exception:  # noqa: BLE001 - not served
        return ""


def served(request, host: str) -> str:
    """The URL prefix under which the caller of ``request`` reaches the AWS ``host``: ``https://<host>`` for a
    caller that wrote AWS's URL (in-process), ``http://<host>[:port]`` after the Host-header form, else
    ``<endpoint>/<host>`` (the path form, or a labkit address such as ``<endpoint>/<pool>/.well-known/...``)."""
    host = host.lower()
    address = address_of(request)
    if address is not None and address.form == "host":
        header = _http_host(request)
        port = header.rsplit(":", 1)[1] if header.count(":") == 1 else ""
        return f"http://{host}" + (f":{port}" if port else "")
    endpoint = endpoint_of(request)
    return f"{endpoint}/{host}" if endpoint else f"https://{host}"


def served_url(endpoint: str, aws_url: str) -> str:
    """An AWS URL under the rule: ``https://<aws-host>/<path>`` -> ``<endpoint>/<aws-host>/<path>`` (any other
    URL is returned unchanged). What a client that knows only AWS's URLs applies, once, to reach the sandbox."""
    if not aws_url.startswith("https://"):
        return aws_url
    return f"{endpoint.rstrip('/')}/{aws_url[len('https://'):]}"


def discovery_url(endpoint: str, pool_id: str) -> str:
    """A user pool's served OpenID discovery document: ``<endpoint>/cognito-idp.<region>.amazonaws.com/<pool>/
    .well-known/openid-configuration`` (:data:`DISCOVERY_RULE`); AWS's is the same URL with ``https://``."""
    region = pool_id.split("_", 1)[0]
    return served_url(endpoint, f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/openid-configuration")
