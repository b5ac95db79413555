"""A simulated Active Directory with AD FS in front of it: users, groups, a signing certificate, SAML responses.

What AD FS does for an AWS relying party trust ("Enabling SAML 2.0 federated users to access the AWS
Management Console", IAM User Guide, id_roles_providers_enable-console-saml.html): it signs the user in,
turns group membership into ``https://aws.amazon.com/SAML/Attributes/Role`` values by claim rules, and
posts a signed ``samlp:Response`` to https://signin.aws.amazon.com/saml. Its metadata document (SAML
Metadata 2.4.3 IDPSSODescriptor) is what ``iam.create_saml_provider`` is given.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
import uuid
from dataclasses import dataclass, field

from lxml import etree

from ..arns import ROLE_ARN, SAML_PROVIDER_ARN
from ..errors import LabkitError
from .names import (ASSERTION, ASSERTION_LIFETIME, ATTR_ROLE, ATTR_SESSION_DURATION, ATTR_SESSION_NAME, AWS_ENTITY_ID,
                    AWS_SIGN_IN, BEARER, CONFIRMATION_LIFETIME, DSIG, EXC_C14N, METADATA, PASSWORD_PROTECTED, PERSISTENT,
                    PROTOCOL, SUCCESS, TRANSIENT, UNSPECIFIED)


class SignInFailed(LabkitError):
    """The simulated AD FS sign-in page refused the user name or password."""


# ------------------------------------------------------------------------------------------------ time
def _instant(epoch: float) -> str:
    """An ``xs:dateTime`` in UTC with milliseconds, as AD FS writes it (``2026-11-26T07:42:55.123Z``)."""
    moment = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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
        if not isinstance(provider_arn, str) or not SAML_PROVIDER_ARN.match(provider_arn):
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
