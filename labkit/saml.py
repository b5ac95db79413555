"""SAML 2.0 federation: a simulated Active Directory (AD FS) and STS ``AssumeRoleWithSAML`` as AWS checks it.

    ad = sb.idp("active-directory")                        # http://corp.example.com/adfs/services/trust
    iam.create_saml_provider(Name="corp", SAMLMetadataDocument=ad.metadata)
    ad.add_user("alice", "Passw0rd!", groups=["AWS-Developers"])
    ad.grant("AWS-Developers", role_arn, provider_arn)      # a claim rule: group -> Role attribute value
    response = ad.sign_in("alice", "Passw0rd!")            # base64 samlp:Response, as the browser posts it
    sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=response)

moto's STS reads the Role attribute of any XML it is given: unsigned, expired, tampered and
wrong-audience assertions all get credentials, and ``RoleArn`` is ignored (docs/moto-gaps.md).
Here the assertion is checked the way the documents below say AWS does, in this order:

1. the SAML provider named by ``PrincipalArn`` exists in IAM (its metadata holds the signing certificates);
2. the response is parsed safely (no DTD, no entities, no network) and is a successful ``samlp:Response``;
3. its ``Issuer`` is the provider's ``entityID``, and the assertion (or the response) carries an enveloped
   XML signature that verifies with a certificate of the provider's metadata (signxml, "see what is
   signed": everything below is read from the signed element only);
4. the time window -- ``Conditions`` ``NotBefore``/``NotOnOrAfter``, the bearer ``SubjectConfirmationData``
   ``NotOnOrAfter``, and AWS's "redeemed within 5 minutes of issuance" -- on the sandbox's clock;
5. an ``AudienceRestriction`` naming AWS (``urn:amazon:webservices`` or ``https://signin.aws.amazon.com/saml``);
6. ``RoleSessionName`` present and well formed; the requested ``RoleArn``,``PrincipalArn`` pair is one of
   the ``Role`` attribute's values;
7. the role's trust policy allows ``sts:AssumeRoleWithSAML`` for ``Federated: <provider ARN>`` with the
   ``SAML:*`` condition keys (:mod:`labkit.policy`), then credentials are issued (``sb.issued``).

Documents (https://docs.aws.amazon.com/):
* STS API Reference, ``API_AssumeRoleWithSAML.html`` (parameters, result, errors);
* IAM User Guide, ``id_roles_providers_create_saml_assertions.html`` (the attributes AWS reads),
  ``troubleshoot_saml.html`` (the error texts), ``reference_policies_iam-condition-keys.html#condition-keys-saml``
  (``SAML:aud``, ``SAML:iss``, ``SAML:sub``, ``SAML:sub_type``, ``SAML:namequalifier``, ``SAML:doc``...);
* OASIS SAML 2.0 Core (saml-core-2.0-os: 2.3.3 Assertion, 2.4 Subject, 2.5 Conditions, 2.7.3 attributes),
  Profiles (saml-profiles-2.0-os 4.1.4.2, bearer confirmation), Metadata (saml-metadata-2.0-os 2.4.3 IDPSSODescriptor).

No HTTP here: :mod:`labkit.sts` calls :func:`assume_role_with_saml`; :mod:`labkit.identitypools` calls
:func:`cognito_login` (built on :func:`verify_for_identity_pool`) for ``Logins`` keyed by a SAML provider ARN.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import html
import re
import uuid
from dataclasses import dataclass, field

from lxml import etree

from . import webidentity as wi
from .errors import LabkitError, ServiceError

__all__ = [
    "install",
    "ActiveDirectory",
    "SignInFailed",
    "assume_role_with_saml",
    "verify_for_identity_pool",
    "cognito_login",
    "tampered",
    "unsigned",
    "decode",
    "view",
    "AssertionRefused",
]

# ------------------------------------------------------------------------------------------------ names
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

#: Where AWS takes SAML responses (the relying party's assertion consumer service).
AWS_SIGN_IN = "https://signin.aws.amazon.com/saml"
#: The entityID of AWS's own SP metadata (https://signin.aws.amazon.com/static/saml-metadata.xml):
#: what AD FS puts in the AudienceRestriction of a relying party trust made from that metadata.
AWS_ENTITY_ID = "urn:amazon:webservices"

ATTR_ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
ATTR_SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
ATTR_SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
#: Attributes named by OID that IAM turns into ``SAML:<name>`` condition keys (condition-keys-saml).
OID_KEYS = {
    "urn:oid:2.5.4.3": "SAML:cn",
    "urn:oid:2.5.4.42": "SAML:givenName",
    "urn:oid:2.5.4.4": "SAML:surname",
    "urn:oid:0.9.2342.19200300.100.1.3": "SAML:mail",
    "urn:oid:0.9.2342.19200300.100.1.1": "SAML:uid",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "SAML:edupersonprincipalname",
}

#: "Token must be redeemed within 5 minutes of issuance" (STS, ExpiredTokenException).
REDEEM_WITHIN = 300
#: AD FS defaults: the bearer confirmation lasts 5 minutes, the assertion's Conditions one hour.
CONFIRMATION_LIFETIME = 300
ASSERTION_LIFETIME = 3600
#: Clock skew tolerated on NotBefore (an IdP's clock may run a little ahead of AWS's).
SKEW = 300

SESSION_NAME = re.compile(r"^[a-zA-Z_0-9+=,.@-]{2,64}$")
PROVIDER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):saml-provider/([\w+=,.@-]+)$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


# ------------------------------------------------------------------------------------------------ refusals
class AssertionRefused(wi.LoginRejected):
    """A SAML response AWS would refuse. ``code``/``status`` are STS's; ``reason`` its message.

    Subclasses of :class:`labkit.webidentity.LoginRejected`, so a Cognito identity pool words them as
    ``Invalid login token. <reason>``.
    """

    code = "InvalidIdentityToken"
    status = 400
    reason = "Invalid SAML response"


class NoSuchProvider(AssertionRefused):
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


class Expired(AssertionRefused):
    code = "ExpiredTokenException"
    reason = "Token must be redeemed within 5 minutes of issuance"


class IdPRejected(AssertionRefused):
    code = "IDPRejectedClaim"
    status = 403
    reason = "The identity provider reported that authentication failed."


class NotAuthorized(AssertionRefused):
    code = "AccessDenied"
    status = 403
    reason = "Not authorized to perform sts:AssumeRoleWithSAML"


class SignInFailed(LabkitError):
    """The simulated AD FS sign-in page refused the user name or password."""


# ------------------------------------------------------------------------------------------------ time
def _instant(epoch: float) -> str:
    """An ``xs:dateTime`` in UTC with milliseconds, as AD FS writes it (``2026-11-26T07:42:55.123Z``)."""
    moment = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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


# ------------------------------------------------------------------------------------------------ the directory
@dataclass
class DirectoryUser:
    """A user of the simulated Active Directory."""

    username: str  # sAMAccountName
    password: str
    email: str
    display_name: str
    upn: str  # userPrincipalName, alice@corp.example.com
    object_guid: str  # what the persistent NameID is made from
    groups: list = field(default_factory=list)
    enabled: bool = True


class ActiveDirectory:
    """A simulated Active Directory with AD FS in front of it: users, groups, a signing certificate, and
    SAML 2.0 responses for the AWS relying party trust.

    ``name`` makes the domain (``corp`` -> ``corp.example.com``) and the AD FS identifier
    ``http://corp.example.com/adfs/services/trust`` (AD FS's default entity id). ``name_id`` is the
    NameID the relying party trust sends: ``"persistent"`` (an opaque id per user, AD FS's usual
    choice) or ``"upn"`` (``alice@corp.example.com``, format unspecified).
    """

    def __init__(self, sandbox, name: str = "corp", *, name_id: str = "persistent"):
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", name):
            raise LabkitError(f"A directory name is a short lower-case word such as 'corp' (it makes the domain "
                              f"corp.example.com), not {name!r}.")
        if name_id not in ("persistent", "upn"):
            raise LabkitError(f"name_id must be 'persistent' or 'upn', not {name_id!r}.")
        self.sandbox = sandbox
        self.name = name
        self.domain = f"{name}.example.com"
        self.entity_id = f"http://{self.domain}/adfs/services/trust"
        self.name_id = name_id
        self.users: dict[str, DirectoryUser] = {}
        self.grants: dict[str, list[tuple[str, str]]] = {}
        self._generation = 0
        self._make_certificate()

    def __repr__(self) -> str:
        return f"<ActiveDirectory {self.domain}: {len(self.users)} users, issuer {self.entity_id}>"

    # -------------------------------------------------------------- keys
    def _make_certificate(self):
        """A 2048-bit RSA key (made in this process) and a self-signed certificate, like AD FS's
        auto-generated "ADFS Signing" certificate (valid one year)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID

        self._generation += 1
        owner = f"saml:{self.name}:{self._generation}"
        self._key = self.sandbox.keys.for_owner(owner).private_key
        now = _dt.datetime.fromtimestamp(int(self.sandbox.clock.time()), _dt.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ADFS Signing - adfs.{self.domain}")])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(self.sandbox.random.getrandbits(64) | 1)
            .not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=365))
            .sign(self._key, hashes.SHA256())
        )
        self.certificate_pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def rotate_certificate(self) -> None:
        """Make a new signing key and certificate, as AD FS's automatic certificate rollover does.

        Responses are signed with the new one at once; IAM keeps trusting the metadata it was given, so
        until the provider's metadata is updated (``iam.update_saml_provider``) STS answers
        ``InvalidIdentityToken: Response signature invalid``.
        """
        self._make_certificate()

    @property
    def metadata(self) -> str:
        """The federation metadata document (SAML Metadata 2.4.3 IDPSSODescriptor), as AD FS publishes at
        ``https://<host>/FederationMetadata/2007-06/FederationMetadata.xml``: give it to
        ``iam.create_saml_provider(SAMLMetadataDocument=...)``."""
        md = etree.Element(f"{{{METADATA}}}EntityDescriptor", nsmap={None: METADATA, "ds": DSIG})
        md.set("ID", self._new_id())
        md.set("entityID", self.entity_id)
        idp = etree.SubElement(md, f"{{{METADATA}}}IDPSSODescriptor")
        idp.set("protocolSupportEnumeration", PROTOCOL)
        kd = etree.SubElement(idp, f"{{{METADATA}}}KeyDescriptor")
        kd.set("use", "signing")
        ki = etree.SubElement(kd, f"{{{DSIG}}}KeyInfo")
        xd = etree.SubElement(ki, f"{{{DSIG}}}X509Data")
        etree.SubElement(xd, f"{{{DSIG}}}X509Certificate").text = _pem_body(self.certificate_pem)
        for fmt in (PERSISTENT, TRANSIENT, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"):
            etree.SubElement(idp, f"{{{METADATA}}}NameIDFormat").text = fmt
        for binding in ("HTTP-Redirect", "HTTP-POST"):
            sso = etree.SubElement(idp, f"{{{METADATA}}}SingleSignOnService")
            sso.set("Binding", f"urn:oasis:names:tc:SAML:2.0:bindings:{binding}")
            sso.set("Location", f"https://adfs.{self.domain}/adfs/ls/")
        return etree.tostring(md, xml_declaration=False, encoding="unicode")

    # -------------------------------------------------------------- directory
    def add_user(self, username: str, password: str, *, email: str | None = None, display_name: str | None = None,
                 groups=()) -> DirectoryUser:
        """Add a user (``sAMAccountName``) with a password, and make them a member of ``groups``."""
        if not isinstance(username, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,20}", username):
            raise LabkitError(f"An Active Directory user name (sAMAccountName) is 1-20 letters, digits, '.', '_' or '-', "
                              f"not {username!r}.")
        if username.lower() in (u.lower() for u in self.users):
            raise LabkitError(f"The directory {self.domain} already has a user {username!r}.")
        if not isinstance(password, str) or not password:
            raise LabkitError("Give the user a password (a non-empty string); sign_in() checks it.")
        if isinstance(groups, str):
            groups = [groups]
        guid = uuid.UUID(int=self.sandbox.random.getrandbits(128), version=4)
        user = DirectoryUser(
            username=username, password=password,
            email=email or f"{username}@{self.domain}",
            display_name=display_name or username.capitalize(),
            upn=f"{username}@{self.domain}",
            object_guid=base64.b64encode(guid.bytes_le).decode(),
            groups=list(dict.fromkeys(groups)),
        )
        self.users[username] = user
        return user

    def add_to_group(self, username: str, group: str) -> None:
        """Make a user a member of a group."""
        user = self._user(username)
        if group not in user.groups:
            user.groups.append(group)

    def remove_from_group(self, username: str, group: str) -> None:
        user = self._user(username)
        if group in user.groups:
            user.groups.remove(group)

    def grant(self, group: str, role_arn: str, provider_arn: str) -> None:
        """A claim rule of the AWS relying party trust: members of ``group`` get the value
        ``role_arn,provider_arn`` in the ``https://aws.amazon.com/SAML/Attributes/Role`` attribute."""
        if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
            raise LabkitError(f"role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/Name), not {role_arn!r}.")
        if not isinstance(provider_arn, str) or not PROVIDER_ARN.match(provider_arn):
            raise LabkitError("provider_arn must be the ARN of the IAM SAML provider "
                              f"(arn:aws:iam::123456789012:saml-provider/Name, from iam.create_saml_provider), not {provider_arn!r}.")
        pairs = self.grants.setdefault(group, [])
        if (role_arn, provider_arn) not in pairs:
            pairs.append((role_arn, provider_arn))

    def roles_of(self, username: str) -> list[tuple[str, str]]:
        """The ``(role_arn, provider_arn)`` pairs the user's groups grant, in group order."""
        pairs: list[tuple[str, str]] = []
        for group in self._user(username).groups:
            for pair in self.grants.get(group, []):
                if pair not in pairs:
                    pairs.append(pair)
        return pairs

    def _user(self, username: str) -> DirectoryUser:
        user = self.users.get(username)
        if user is None:
            known = ", ".join(sorted(self.users)) or "none yet; add one with ad.add_user(...)"
            raise LabkitError(f"The directory {self.domain} has no user {username!r} (users: {known}).")
        return user

    # -------------------------------------------------------------- sign-in (AD FS, IdP-initiated)
    def sign_in(self, username: str, password: str, *, audience: str = AWS_ENTITY_ID,
                session_duration: int | None = None) -> str:
        """Sign in on the AD FS page for the AWS relying party: the base64 ``SAMLResponse`` the browser
        would post to https://signin.aws.amazon.com/saml (pass it as ``SAMLAssertion``).

        ``audience`` is the relying party the assertion is for (AWS's ``urn:amazon:webservices`` unless you
        want to see what an assertion issued for another application does). ``session_duration`` adds the
        optional ``SessionDuration`` attribute (seconds).
        """
        user = self.users.get(username)
        if user is None:
            # AD FS accepts DOMAIN\\user and UPN forms too.
            bare = username.split("\\")[-1].split("@")[0] if isinstance(username, str) else username
            user = self.users.get(bare)
        page = "Incorrect user ID or password. Type the correct user ID and password, and try again."
        if user is None:  # the page says no more; the hint is for the lab's author
            known = ", ".join(sorted(self.users)) or "none yet; add one with ad.add_user(...)"
            raise SignInFailed(f"{page} (The simulated AD FS of {self.domain} has no user {username!r}; users: {known}.)")
        if not user.enabled or password != user.password:
            raise SignInFailed(page)
        return base64.b64encode(self._response(user, audience=audience, session_duration=session_duration)).decode()

    def _new_id(self) -> str:
        return "_" + str(uuid.UUID(int=self.sandbox.random.getrandbits(128), version=4))

    def _response(self, user: DirectoryUser, *, audience: str, session_duration: int | None) -> bytes:
        now = self.sandbox.clock.time()
        issued = _instant(now)
        A = lambda tag: f"{{{ASSERTION}}}{tag}"  # noqa: E731

        assertion_id = self._new_id()
        assertion = etree.Element(A("Assertion"), nsmap={None: ASSERTION})
        assertion.set("ID", assertion_id)
        assertion.set("IssueInstant", issued)
        assertion.set("Version", "2.0")
        etree.SubElement(assertion, A("Issuer")).text = self.entity_id
        placeholder = etree.SubElement(assertion, f"{{{DSIG}}}Signature", nsmap={"ds": DSIG})
        placeholder.set("Id", "placeholder")

        subject = etree.SubElement(assertion, A("Subject"))
        name_id = etree.SubElement(subject, A("NameID"))
        if self.name_id == "persistent":
            name_id.set("Format", PERSISTENT)
            name_id.text = user.object_guid
        else:
            name_id.set("Format", UNSPECIFIED)
            name_id.text = user.upn
        confirmation = etree.SubElement(subject, A("SubjectConfirmation"))
        confirmation.set("Method", BEARER)
        data = etree.SubElement(confirmation, A("SubjectConfirmationData"))
        data.set("NotOnOrAfter", _instant(now + CONFIRMATION_LIFETIME))
        data.set("Recipient", AWS_SIGN_IN)

        conditions = etree.SubElement(assertion, A("Conditions"))
        conditions.set("NotBefore", issued)
        conditions.set("NotOnOrAfter", _instant(now + ASSERTION_LIFETIME))
        restriction = etree.SubElement(conditions, A("AudienceRestriction"))
        etree.SubElement(restriction, A("Audience")).text = audience

        statement = etree.SubElement(assertion, A("AttributeStatement"))

        def attribute(name: str, values):
            attr = etree.SubElement(statement, A("Attribute"))
            attr.set("Name", name)
            for value in values:
                etree.SubElement(attr, A("AttributeValue")).text = value

        attribute(ATTR_SESSION_NAME, [user.upn])
        roles = self.roles_of(user.username)
        if roles:
            attribute(ATTR_ROLE, [f"{role},{provider}" for role, provider in roles])
        if session_duration is not None:
            attribute(ATTR_SESSION_DURATION, [str(int(session_duration))])
        attribute("urn:oid:0.9.2342.19200300.100.1.3", [user.email])  # mail
        attribute("urn:oid:2.5.4.3", [user.display_name])  # cn
        attribute("http://schemas.xmlsoap.org/claims/Group", list(user.groups))

        authn = etree.SubElement(assertion, A("AuthnStatement"))
        authn.set("AuthnInstant", issued)
        authn.set("SessionIndex", assertion_id)
        context = etree.SubElement(authn, A("AuthnContext"))
        etree.SubElement(context, A("AuthnContextClassRef")).text = PASSWORD_PROTECTED

        signed = _sign(assertion, self._key, self.certificate_pem, assertion_id)

        response = etree.Element(f"{{{PROTOCOL}}}Response", nsmap={"samlp": PROTOCOL})
        response.set("ID", self._new_id())
        response.set("Version", "2.0")
        response.set("IssueInstant", issued)
        response.set("Destination", AWS_SIGN_IN)
        response.set("Consent", "urn:oasis:names:tc:SAML:2.0:consent:unspecified")
        issuer = etree.SubElement(response, A("Issuer"), nsmap={None: ASSERTION})
        issuer.text = self.entity_id
        status = etree.SubElement(response, f"{{{PROTOCOL}}}Status")
        etree.SubElement(status, f"{{{PROTOCOL}}}StatusCode").set("Value", SUCCESS)
        response.append(signed)
        return etree.tostring(response, encoding="utf-8")


def _pem_body(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def _sign(element, key, cert_pem: str, element_id: str):
    """An enveloped XML signature (RSA-SHA256, SHA-256 digests, exclusive c14n) over ``element``,
    placed where its ``ds:Signature Id="placeholder"`` is (right after ``Issuer``, as the schema wants)."""
    from signxml import XMLSigner
    from signxml.algorithms import SignatureConstructionMethod

    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256", c14n_algorithm=EXC_C14N)
    return signer.sign(element, key=key, cert=cert_pem, reference_uri=f"#{element_id}", id_attribute="ID")


# ------------------------------------------------------------------------------------------------ reading a response
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
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
        root = etree.fromstring(raw, parser=_PARSER)
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
    m = PROVIDER_ARN.match(provider_arn or "")
    if not m:
        raise NoSuchProvider()
    iam = wi._iam_backend(sb)
    stored = next((p for p in iam.saml_providers.values() if p.arn == provider_arn), None)
    if stored is None:
        raise NoSuchProvider()
    entity_id, certs = _read_metadata(stored.saml_metadata_document or "")
    return Provider(provider_arn, m.group(2), m.group(1), entity_id, certs)


def _read_metadata(document: str) -> tuple[str, list]:
    """``entityID`` and the signing certificates of an IdP's metadata (KeyDescriptor use="signing" or no use)."""
    from cryptography import x509

    try:
        root = etree.fromstring(document.encode() if isinstance(document, str) else document, parser=_PARSER)
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


def _verify(sb, provider_arn: str, saml_response_b64: str) -> VerifiedAssertion:
    """Steps 1-5 of the module docstring; raises an :class:`AssertionRefused` subclass."""
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
        raise Expired()

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


# ------------------------------------------------------------------------------------------------ STS
def assume_role_with_saml(params: dict, ctx) -> dict:
    """STS ``AssumeRoleWithSAML`` (API_AssumeRoleWithSAML.html): the steps of the module docstring.

    Called by :class:`labkit.sts.STSService`; returns the result dict or raises ``ServiceError``.
    """
    sb = ctx.sandbox
    role_arn = params.get("RoleArn") or ""
    provider_arn = params.get("PrincipalArn") or ""
    try:
        verified = _verify(sb, provider_arn, params.get("SAMLAssertion") or "")
        session_name = (verified.attributes.get(ATTR_SESSION_NAME) or [None])[0]
        if not session_name:
            raise AssertionRefused("RoleSessionName is required in AuthnResponse")
        if not SESSION_NAME.match(session_name):
            raise AssertionRefused("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
        if (role_arn, provider_arn) not in verified.roles:
            raise NotAuthorized()
        role = wi.find_role(sb, role_arn)
        if role is None:
            raise NotAuthorized()
    except AssertionRefused as why:
        raise ServiceError(why.code, why.reason, status=why.status) from None

    sts = sb.dispatcher.services.get("sts")
    duration = sts._duration(params, role) if hasattr(sts, "_duration") else _duration(params, role)
    policies = sts._session_policies(params) if hasattr(sts, "_session_policies") else []
    keys = verified.keys
    try:
        wi.check_trust(sb, role, "sts:AssumeRoleWithSAML", provider_arn, keys)
    except wi.TrustRefused:
        raise ServiceError("AccessDenied", NotAuthorized.reason, status=403) from None
    if verified.session_not_on_or_after is not None:
        duration = max(1, min(duration, int(verified.session_not_on_or_after - sb.clock.time())))
    context = dict(keys)
    context["aws:userid"] = f"{role.id}:{session_name}"
    context["aws:PrincipalType"] = "AssumedRole"
    creds = sb.issued.issue(role_arn=role.arn, role_id=role.id, session_name=session_name, duration=duration,
                            source="AssumeRoleWithSAML", context=context, session_policies=policies,
                            subject=verified.subject)
    return {
        "Credentials": {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": _dt.datetime.fromtimestamp(int(creds.expiration), _dt.timezone.utc),
        },
        "AssumedRoleUser": {"AssumedRoleId": creds.user_id, "Arn": creds.assumed_role_arn},
        "PackedPolicySize": 6 if policies else None,
        "Subject": verified.subject,
        "SubjectType": verified.subject_type,
        "Issuer": verified.issuer,
        "Audience": verified.recipient,
        "NameQualifier": verified.name_qualifier,
    }


def _duration(params: dict, role) -> int:
    """DurationSeconds: 900 s to the role's MaxSessionDuration, default 3600 (when labkit.sts is absent)."""
    raw = params.get("DurationSeconds")
    duration = int(raw) if raw is not None else 3600
    limit = int(getattr(role, "max_session_duration", None) or 3600)
    if duration < 900:
        raise ServiceError("ValidationError", f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                           "satisfy constraint: Member must have value greater than or equal to 900")
    if duration > limit:
        raise ServiceError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    return duration


# ------------------------------------------------------------------------------------------------ identity pools
def verify_for_identity_pool(sandbox, provider_arn: str, saml_response_b64: str) -> dict:
    """Check a SAML response for a Cognito identity pool whose ``SamlProviderARNs`` holds ``provider_arn``.

    Same checks as STS (provider metadata, signature, issuer, time, audience); returns
    ``{"subject", "subject_type", "issuer", "attributes", "roles", "expires_at", "keys"}`` where ``roles``
    are the Role attribute's role ARNs for this provider (what Cognito's "Use default role from token"
    mapping chooses from). Raises :class:`AssertionRefused` (a ``LoginRejected``) with STS's reason.
    """
    verified = _verify(sandbox, provider_arn, saml_response_b64)
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


# ------------------------------------------------------------------------------------------------ the lessons' gallery
def decode(saml_response_b64: str) -> str:
    """The XML of a base64 SAML response, as text (what the browser's SAML tracer shows)."""
    return base64.b64decode("".join(saml_response_b64.split())).decode("utf-8")


def tampered(saml_response_b64: str, old: str, new: str) -> str:
    """The same response with the text ``old`` replaced by ``new`` after it was signed -- what someone who
    edits an assertion in transit (say, to add a role) produces. The signature is left as it was."""
    xml = decode(saml_response_b64)
    if old not in xml:
        raise LabkitError(f"{old!r} does not occur in this SAML response; nothing to tamper with.")
    return base64.b64encode(xml.replace(old, new).encode("utf-8")).decode()


def unsigned(saml_response_b64: str) -> str:
    """The same response with every ``ds:Signature`` removed (an assertion nobody signed)."""
    root = etree.fromstring(base64.b64decode(saml_response_b64), parser=_PARSER)
    for sig in root.findall(f".//{{{DSIG}}}Signature"):
        sig.getparent().remove(sig)
    return base64.b64encode(etree.tostring(root, encoding="utf-8")).decode()


_HIGHLIGHT = {
    "issuer": ("#fff3bf", "Issuer: who vouches (must be the entityID in the IAM provider's metadata)"),
    "audience": ("#d3f9d8", "Audience / Recipient: who the assertion is for (AWS)"),
    "time": ("#ffe3e3", "NotOnOrAfter: until when it may be redeemed"),
    "role": ("#d0ebff", "Role attribute: role ARN,provider ARN pairs from your groups"),
    "signature": ("#e5dbff", "Signature: RSA-SHA256 over the Assertion (values masked)"),
}


def view(saml_response_b64: str):
    """An HTML view of a SAML response, its important parts highlighted (``IPython.display.HTML``).

    Deterministic: IDs, signature and digest values, the certificate, and the instants are masked
    (instants are shown relative to the IssueInstant, e.g. ``IssueInstant + 5 min``).
    """
    from IPython.display import HTML

    root = etree.fromstring(base64.b64decode("".join(saml_response_b64.split())), parser=_PARSER)
    assertion = root.find(f"{{{ASSERTION}}}Assertion")
    base = _epoch((assertion if assertion is not None else root).get("IssueInstant"), "IssueInstant") or 0.0
    ids = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("ID", "SessionIndex", "URI", "Id"):
            value = el.get(attr)
            if value is None:
                continue
            key = value.lstrip("#")
            ids.setdefault(key, f"_id{len(ids) + 1}")
            el.set(attr, ("#" if value.startswith("#") else "") + ids[key])
        for attr in ("IssueInstant", "NotBefore", "NotOnOrAfter", "AuthnInstant", "SessionNotOnOrAfter"):
            value = el.get(attr)
            if value is not None:
                delta = int(round((_epoch(value, attr) or base) - base))
                if el.tag == f"{{{ASSERTION}}}Assertion" or (delta == 0 and attr == "IssueInstant"):
                    el.set(attr, "(issue instant)")
                else:
                    el.set(attr, "IssueInstant" + (f" + {delta // 60} min" if delta % 60 == 0 else f" + {delta} s") if delta else "IssueInstant")
        if el.tag in (f"{{{DSIG}}}SignatureValue", f"{{{DSIG}}}DigestValue", f"{{{DSIG}}}X509Certificate"):
            el.text = "(masked)"
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    out, block = [], None
    for line in text.splitlines():
        kind = block
        if block is None:
            if "<ds:Signature" in line and "/>" not in line:
                block = kind = "signature"
            elif re.search(r'<Attribute Name="' + re.escape(ATTR_ROLE) + '"', line):
                block = kind = "role"
            elif re.search(r"<(saml:)?Issuer", line):
                kind = "issuer"
            elif "<Audience" in line or "Recipient=" in line:
                kind = "audience" if "NotOnOrAfter" not in line else "time"
            elif "NotOnOrAfter" in line:
                kind = "time"
        escaped = html.escape(line)
        if kind:
            colour = _HIGHLIGHT[kind][0]
            escaped = f'<span style="background:{colour}">{escaped}</span>'
        out.append(escaped)
        if block == "signature" and "</ds:Signature>" in line:
            block = None
        if block == "role" and "</Attribute>" in line:
            block = None
    legend = "".join(f'<span style="background:{c};padding:0 6px;margin-right:6px">{html.escape(label)}</span>'
                     for c, label in _HIGHLIGHT.values())
    body = "\n".join(out)
    return HTML(f'<div style="font-size:12px">{legend}</div>'
                f'<pre style="font-size:11px;line-height:1.35;white-space:pre-wrap">{body}</pre>')


# ------------------------------------------------------------------------------------------------ component
class SAMLComponent:
    """``sb.components["saml"]``: the simulated Active Directories of one sandbox."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.directories: dict[str, ActiveDirectory] = {}

    def directory(self, name: str = "corp", **kw) -> ActiveDirectory:
        """The directory ``name`` (made on first use; later calls return the same one).

        ``sb.idp("active-directory", directory="fabrikam")`` reaches it too (``sb.idp``'s own first
        argument is called ``name``).
        """
        name = kw.pop("directory", name)
        ad = self.directories.get(name)
        if ad is None:
            ad = self.directories[name] = ActiveDirectory(self.sandbox, name, **kw)
        elif kw and any(getattr(ad, k, None) != v for k, v in kw.items()):
            raise LabkitError(f"The directory {name!r} already exists with other settings; use another name.")
        return ad


def install(sandbox) -> SAMLComponent:
    return SAMLComponent(sandbox)
