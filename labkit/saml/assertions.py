"""Checking a SAML response the way STS does (steps 1-5 of :mod:`labkit.saml`), and the refusals it words.

STS API Reference ``API_AssumeRoleWithSAML.html`` (errors), IAM User Guide ``troubleshoot_saml.html`` (the
error texts) and ``reference_policies_iam-condition-keys.html#condition-keys-saml`` (the ``SAML:*`` keys);
OASIS SAML 2.0 Core 2.3.3 (Assertion), 2.4 (Subject), 2.5 (Conditions), Profiles 4.1.4.2 (bearer confirmation).
:func:`verify` is used by STS ``AssumeRoleWithSAML`` (:mod:`labkit.sts.service`) and, through
:func:`cognito_login`, by Cognito identity pools for ``Logins`` keyed by a SAML provider ARN.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import re
from dataclasses import dataclass

from lxml import etree

from ..iam import models as iam
from .. import webidentity as wi
from ..arns import SAML_PROVIDER_ARN
from ..sts.exceptions import AccessDenied, ExpiredTokenException, IDPRejectedClaimException, InvalidIdentityTokenException
from ..sts.sessions import SESSION_NAME
from .names import (ASSERTION, ATTR_ROLE, ATTR_SESSION_NAME, AWS_ENTITY_ID, AWS_SIGN_IN, BEARER, DSIG, METADATA,
                    OID_KEYS, PERSISTENT, PROTOCOL, REDEEM_WITHIN, SKEW, SUCCESS, TRANSIENT, UNSPECIFIED)


# ------------------------------------------------------------------------------------------------ refusals
class AssertionRefused(wi.LoginRejected):
    """A SAML response AWS would refuse. ``error`` is the STS error it becomes; ``reason`` its message.

    Subclasses of :class:`labkit.webidentity.LoginRejected`, so a Cognito identity pool words them as
    ``Invalid login token. <reason>``.
    """

    error = InvalidIdentityTokenException
    reason = "Invalid SAML response"

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status


class NoSuchSamlProvider(AssertionRefused):
    reason = "Specified provider doesn't exist."


class MalformedResponse(AssertionRefused):
    reason = "Invalid SAML response"


class SignatureInvalid(AssertionRefused):
    reason = "Response signature invalid"


class IssuerNotInProvider(AssertionRefused):
    reason = "Issuer not present in specified provider"


class WrongAudience(AssertionRefused):
    reason = "Response does not contain the required audience."


class NotYetValid(AssertionRefused):
    reason = "Response is not yet valid"


class AssertionExpired(AssertionRefused):
    error = ExpiredTokenException
    reason = "Token must be redeemed within 5 minutes of issuance"


class IdPRejected(AssertionRefused):
    error = IDPRejectedClaimException
    reason = "The identity provider reported that authentication failed."


class RoleNotGranted(AssertionRefused):
    """The requested role and provider are not a pair of the assertion's Role attribute (or no such role)."""

    error = AccessDenied
    reason = "Not authorized to perform sts:AssumeRoleWithSAML"


# ------------------------------------------------------------------------------------------------ time
def _epoch(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MalformedResponse(f"Invalid SAML response: {what} {text!r} is not an xs:dateTime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp()


# ------------------------------------------------------------------------------------------------ reading a response
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=False, remove_pis=True)


def _parse(saml_response_b64: str):
    """base64 -> the ``samlp:Response`` element (no DTD, no entities, no network)."""
    if not isinstance(saml_response_b64, str) or len(saml_response_b64) < 4:
        raise MalformedResponse()
    try:
        raw = base64.b64decode("".join(saml_response_b64.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("Invalid SAML response: not base64") from None
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise MalformedResponse("Invalid SAML response: DTDs are not allowed")
    try:
        root = etree.fromstring(raw, parser=PARSER)
    except etree.XMLSyntaxError:
        raise MalformedResponse("Invalid SAML response: not well-formed XML") from None
    if root.tag != f"{{{PROTOCOL}}}Response" or root.get("Version") != "2.0":
        raise MalformedResponse("Invalid SAML response: not a SAML 2.0 Response")
    return root


@dataclass
class Provider:
    """An IAM SAML provider, as AssumeRoleWithSAML uses it."""

    arn: str
    name: str
    account_id: str
    entity_id: str
    certificates: list  # cryptography x509.Certificate


def _provider(sb, provider_arn: str) -> Provider:
    m = SAML_PROVIDER_ARN.match(provider_arn or "")
    document = iam.saml_provider_metadata(sb, provider_arn) if m else None
    if document is None:
        raise NoSuchSamlProvider()
    entity_id, certs = _read_metadata(document)
    return Provider(provider_arn, m.group("name"), m.group("account"), entity_id, certs)


def _read_metadata(document: str) -> tuple[str, list]:
    """``entityID`` and the signing certificates of an IdP's metadata (KeyDescriptor use="signing" or no use)."""
    from cryptography import x509

    try:
        root = etree.fromstring(document.encode() if isinstance(document, str) else document, parser=PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return "", []
    descriptor = root if root.tag == f"{{{METADATA}}}EntityDescriptor" else root.find(f".//{{{METADATA}}}EntityDescriptor")
    if descriptor is None:
        return "", []
    certs = []
    for kd in descriptor.iterfind(f"{{{METADATA}}}IDPSSODescriptor/{{{METADATA}}}KeyDescriptor"):
        if kd.get("use") not in (None, "signing"):
            continue
        for node in kd.iterfind(f".//{{{DSIG}}}X509Certificate"):
            try:
                certs.append(x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split()))))
            except ValueError:
                continue
    return descriptor.get("entityID") or "", certs


def _verified_assertion(root, provider: Provider, now: float):
    """The signed assertion (signxml ``signed_xml``), verified with a certificate of the provider's metadata.

    The signature may be on the assertion (AD FS's default) or on the whole response.
    """
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import SignXMLException

    assertions = root.findall(f"{{{ASSERTION}}}Assertion")
    if root.find(f"{{{ASSERTION}}}EncryptedAssertion") is not None:
        raise MalformedResponse("Invalid SAML response: encrypted assertions need a private key on the SAML provider, "
                                "which the sandbox does not simulate")
    if len(assertions) != 1:
        raise MalformedResponse("Invalid SAML response: a response must hold exactly one Assertion")
    when = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
    for location in (f"./{{{ASSERTION}}}Assertion/", "./"):
        if root.find(f"{location}{{{DSIG}}}Signature") is None:
            continue
        config = SignatureConfiguration(location=location, verification_time=when)
        for cert in provider.certificates:
            try:
                result = XMLVerifier().verify(root, x509_cert=cert, id_attribute="ID", expect_config=config)
            except (SignXMLException, ValueError):
                continue
            signed = result.signed_xml
            if signed.tag == f"{{{ASSERTION}}}Assertion":
                return signed
            inner = signed.findall(f"{{{ASSERTION}}}Assertion")
            if signed.tag == f"{{{PROTOCOL}}}Response" and len(inner) == 1:
                return inner[0]
    raise SignatureInvalid()


@dataclass
class VerifiedAssertion:
    """What a verified SAML assertion says (read from the signed element only)."""

    provider: Provider
    issuer: str
    subject: str
    subject_type: str
    recipient: str
    audiences: list
    attributes: dict  # Name -> [values]
    not_on_or_after: float
    session_not_on_or_after: float | None

    @property
    def name_qualifier(self) -> str:
        """BASE64(SHA1(issuer + account id + "/" + provider name)) -- the IAM User Guide's recipe."""
        text = f"{self.issuer}{self.provider.account_id}/{self.provider.name}"
        return base64.b64encode(hashlib.sha1(text.encode()).digest()).decode()

    def session_name(self) -> str:
        """The ``RoleSessionName`` attribute, which AWS requires (``[\\w+=,.@-]``, 2 to 64 characters)."""
        name = (self.attributes.get(ATTR_SESSION_NAME) or [None])[0]
        if not name:
            raise AssertionRefused("RoleSessionName is required in AuthnResponse")
        if not SESSION_NAME.match(name):
            raise AssertionRefused("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
        return name

    @property
    def roles(self) -> list[tuple[str, str]]:
        """The Role attribute's ``(role_arn, provider_arn)`` pairs (either order is accepted, as AWS does)."""
        pairs = []
        for value in self.attributes.get(ATTR_ROLE, []):
            parts = [p.strip() for p in value.split(",")]
            if len(parts) != 2:
                continue
            role, provider = (parts if ":role/" in parts[0] else parts[::-1])
            pairs.append((role, provider))
        return pairs

    @property
    def keys(self) -> dict:
        """The ``SAML:*`` condition keys of this assertion (IAM User Guide, condition-keys-saml)."""
        keys = {
            "SAML:aud": self.recipient,
            "SAML:iss": self.issuer,
            "SAML:sub": self.subject,
            "SAML:sub_type": self.subject_type,
            "SAML:namequalifier": self.name_qualifier,
            "SAML:doc": f"{self.provider.account_id}/{self.provider.name}",
        }
        for name, key in OID_KEYS.items():
            values = self.attributes.get(name)
            if values:
                keys[key] = values[0] if len(values) == 1 else list(values)
        return keys


def _text(element, path: str) -> str | None:
    node = element.find(path)
    return None if node is None or node.text is None else node.text.strip()


def _audience_is_aws(audience: str) -> bool:
    if audience == AWS_ENTITY_ID:
        return True
    return bool(re.fullmatch(r"https://([a-z0-9-]+\.)?signin\.(aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)/saml(/acs/[A-Za-z0-9-]+)?", audience))


def verify(sb, provider_arn: str, saml_response_b64: str) -> VerifiedAssertion:
    """Steps 1-5 of the package docstring; raises an :class:`AssertionRefused` subclass."""
    provider = _provider(sb, provider_arn)
    root = _parse(saml_response_b64)
    status = root.find(f"{{{PROTOCOL}}}Status/{{{PROTOCOL}}}StatusCode")
    if status is None or status.get("Value") != SUCCESS:
        raise IdPRejected()
    outer_issuer = _text(root, f"{{{ASSERTION}}}Issuer")
    if outer_issuer is not None and outer_issuer != provider.entity_id:
        raise IssuerNotInProvider()
    now = sb.clock.time()
    assertion = _verified_assertion(root, provider, now)
    A = lambda tag: f"{{{ASSERTION}}}{tag}"  # noqa: E731

    issuer = _text(assertion, A("Issuer"))
    if issuer != provider.entity_id:
        raise IssuerNotInProvider()

    # Time: Conditions, the bearer confirmation, and AWS's five minutes from IssueInstant.
    issued = _epoch(assertion.get("IssueInstant"), "IssueInstant")
    conditions = assertion.find(A("Conditions"))
    not_before = _epoch(conditions.get("NotBefore"), "NotBefore") if conditions is not None else None
    not_after = _epoch(conditions.get("NotOnOrAfter"), "NotOnOrAfter") if conditions is not None else None
    if not_before is not None and now + SKEW < not_before:
        raise NotYetValid()
    bearer = next((c for c in assertion.iterfind(f"{A('Subject')}/{A('SubjectConfirmation')}") if c.get("Method") == BEARER), None)
    data = bearer.find(A("SubjectConfirmationData")) if bearer is not None else None
    if data is None or data.get("NotOnOrAfter") is None:
        raise MalformedResponse("Invalid SAML response: the Subject needs a bearer SubjectConfirmationData with NotOnOrAfter")
    confirm_until = _epoch(data.get("NotOnOrAfter"), "NotOnOrAfter")
    deadlines = [confirm_until] + [t for t in (not_after,) if t is not None]
    if issued is not None:
        deadlines.append(issued + REDEEM_WITHIN)
    if now >= min(deadlines):
        raise AssertionExpired()

    # Audience: every AudienceRestriction must name AWS.
    restrictions = assertion.findall(f"{A('Conditions')}/{A('AudienceRestriction')}")
    audiences = [(a.text or "").strip() for r in restrictions for a in r.iterfind(A("Audience"))]
    if not restrictions or not all(any(_audience_is_aws((a.text or "").strip()) for a in r.iterfind(A("Audience")))
                                   for r in restrictions):
        raise WrongAudience()

    name_id = assertion.find(f"{A('Subject')}/{A('NameID')}")
    if name_id is None or not (name_id.text or "").strip():
        raise MalformedResponse("Invalid SAML response: the Subject has no NameID")
    fmt = name_id.get("Format") or UNSPECIFIED
    subject_type = {PERSISTENT: "persistent", TRANSIENT: "transient"}.get(fmt, fmt)

    attributes: dict[str, list[str]] = {}
    for attr in assertion.iterfind(f"{A('AttributeStatement')}/{A('Attribute')}"):
        values = [(v.text or "").strip() for v in attr.iterfind(A("AttributeValue"))]
        attributes.setdefault(attr.get("Name") or "", []).extend(values)

    session_ends = None
    for authn in assertion.iterfind(A("AuthnStatement")):
        t = _epoch(authn.get("SessionNotOnOrAfter"), "SessionNotOnOrAfter")
        if t is not None:
            session_ends = t if session_ends is None else min(session_ends, t)

    return VerifiedAssertion(provider, issuer, name_id.text.strip(), subject_type, data.get("Recipient") or "",
                             audiences, attributes, min(deadlines), session_ends)


# ------------------------------------------------------------------------------------------------ identity pools
def verify_for_identity_pool(sandbox, provider_arn: str, saml_response_b64: str) -> dict:
    """Check a SAML response for a Cognito identity pool whose ``SamlProviderARNs`` holds ``provider_arn``.

    Same checks as STS (provider metadata, signature, issuer, time, audience); returns
    ``{"subject", "subject_type", "issuer", "attributes", "roles", "expires_at", "keys"}`` where ``roles``
    are the Role attribute's role ARNs for this provider (what Cognito's "Use default role from token"
    mapping chooses from). Raises :class:`AssertionRefused` (a ``LoginRejected``) with STS's reason.
    """
    verified = verify(sandbox, provider_arn, saml_response_b64)
    return {
        "subject": verified.subject,
        "subject_type": verified.subject_type,
        "issuer": verified.issuer,
        "attributes": {k: list(v) for k, v in verified.attributes.items()},
        "roles": [role for role, provider in verified.roles if provider == provider_arn],
        "expires_at": int(verified.not_on_or_after),
        "keys": verified.keys,
    }


def cognito_login(sandbox, provider_arn: str, saml_response_b64: str) -> wi.WebIdentity:
    """The hook :mod:`labkit.identitypools` calls for ``Logins={provider_arn: saml_response}``.

    Claims are the assertion's attributes (one value -> a string, several -> a list), which
    rules-based role mappings match on, plus ``cognito:roles`` from the Role attribute for token-based
    mappings.
    """
    info = verify_for_identity_pool(sandbox, provider_arn, saml_response_b64)
    claims = {name: (values[0] if len(values) == 1 else list(values)) for name, values in info["attributes"].items()}
    claims["cognito:roles"] = list(info["roles"])
    claims["sub"] = info["subject"]
    return wi.WebIdentity(provider_arn, info["subject"], AWS_SIGN_IN, info["expires_at"], claims, dict(info["keys"]))
