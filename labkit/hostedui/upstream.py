"""The identity providers' side of a brokered sign-in: what Google, an OIDC provider or AD FS do when a user
pool sends its user to them. No HTTP here; :mod:`.routes` serves the pages.

* OpenID Connect Core 1.0 §3.1 (authorization code flow): the provider signs the user in, redirects back to
  the relying party (the user pool's ``/oauth2/idpresponse``) with a one-time ``code``, and the relying party
  redeems it at the provider's token endpoint for an ID token (§3.1.3). :mod:`labkit.idps` plays the
  providers (their keys, users and ID tokens); this module adds the code flow they need for the broker.
* SAML 2.0 Web Browser SSO profile (saml-profiles-2.0-os §4.1): the user pool sends an ``AuthnRequest``
  (HTTP-Redirect binding: DEFLATE, base64, URL-encoded), AD FS signs the user in and posts a
  ``samlp:Response`` back to the pool's assertion consumer service (``/saml2/idpresponse``, HTTP-POST
  binding). :mod:`labkit.saml` plays the directory and signs the response.
"""

from __future__ import annotations

import base64
import datetime as _dt
import uuid
import zlib
from dataclasses import dataclass, field

from lxml import etree

from ..errors import LabkitError

#: Google and most providers: an authorization code lives ten minutes and is redeemed once.
UPSTREAM_CODE_LIFETIME = 600
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"


@dataclass
class UpstreamCode:
    provider: object  # labkit.idps.OpenIdProvider
    email: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    expires: float
    used: bool = False


@dataclass
class OpenIdCodeFlow:
    """Authorization codes of the mock OpenID Connect providers (Google and any ``sb.idp("oidc", ...)``)."""

    sandbox: object
    codes: dict = field(default_factory=dict)

    def sign_in(self, provider, email: str, *, client_id: str, redirect_uri: str, nonce: str | None) -> str:
        """The user ``email`` signed in at ``provider`` for the app ``client_id``: the code for the redirect."""
        provider.user(email)  # raises LabkitError for something that is not an email address
        code = "4/0" + base64.urlsafe_b64encode(self.sandbox.random.randbytes(30)).rstrip(b"=").decode()
        self.codes[code] = UpstreamCode(provider, email, client_id, redirect_uri, nonce,
                                        self.sandbox.clock.time() + UPSTREAM_CODE_LIFETIME)
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str) -> str:
        """OIDC Core §3.1.3: the ID token for a code (once, for the same client and redirect URI)."""
        entry = self.codes.get(code or "")
        if (entry is None or entry.used or self.sandbox.clock.time() > entry.expires
                or entry.client_id != client_id or entry.redirect_uri != redirect_uri):
            raise LabkitError("invalid_grant")
        entry.used = True
        return entry.provider.sign_in(entry.email, client_id=client_id, nonce=entry.nonce)


# ---------------------------------------------------------------------------------------------- SAML
def authn_request(*, request_id: str, issuer: str, acs_url: str, destination: str, now: float) -> str:
    """A SAML 2.0 ``AuthnRequest`` (saml-core-2.0-os §3.4.1) for the HTTP-Redirect binding
    (saml-bindings-2.0-os §3.4.4.1: raw DEFLATE, then base64)."""
    root = etree.Element(f"{{{PROTOCOL}}}AuthnRequest", nsmap={"samlp": PROTOCOL, "saml": ASSERTION})
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", _dt.datetime.fromtimestamp(int(now), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    root.set("Destination", destination)
    root.set("AssertionConsumerServiceURL", acs_url)
    root.set("ProtocolBinding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    etree.SubElement(root, f"{{{ASSERTION}}}Issuer").text = issuer
    policy = etree.SubElement(root, f"{{{PROTOCOL}}}NameIDPolicy")
    policy.set("AllowCreate", "true")
    xml = etree.tostring(root)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(deflater.compress(xml) + deflater.flush()).decode()


def read_authn_request(saml_request: str) -> dict:
    """What AD FS reads from an ``AuthnRequest``: its ID, issuer and assertion consumer service URL."""
    try:
        xml = zlib.decompress(base64.b64decode(saml_request), -15)
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except Exception:  # noqa: BLE001 - any malformed request is just "not a request"
        raise LabkitError("The SAMLRequest is not a DEFLATE-encoded SAML AuthnRequest.") from None
    issuer = root.find(f"{{{ASSERTION}}}Issuer")
    return {"id": root.get("ID"), "issuer": issuer.text if issuer is not None else "",
            "acs": root.get("AssertionConsumerServiceURL")}


def new_request_id(random) -> str:
    return "_" + str(uuid.UUID(int=random.getrandbits(128), version=4))
