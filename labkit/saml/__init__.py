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

The rooms: :mod:`.directory` (the simulated AD FS: users, groups, claim rules, signed responses),
:mod:`.assertions` (steps 1-5: :func:`verify`, and the refusals in STS's words), :mod:`.views` (the
lessons' gallery), :mod:`.names`. Steps 6-7 are STS's: ``AssumeRoleWithSAML`` lives in
:mod:`labkit.sts.service` and issues the session with :mod:`labkit.sts.sessions`;
:mod:`labkit.identitypools` calls :func:`cognito_login` for ``Logins`` keyed by a SAML provider ARN.
No HTTP here.
"""

from __future__ import annotations

from .assertions import (PARSER, AssertionExpired, AssertionRefused, IdPRejected, IssuerNotInProvider, MalformedResponse,
                         NoSuchSamlProvider, NotYetValid, Provider, RoleNotGranted, SignatureInvalid, VerifiedAssertion,
                         WrongAudience, _epoch, _parse, _read_metadata, _verified_assertion, cognito_login, verify,
                         verify_for_identity_pool)
from .directory import ActiveDirectory, DirectoryUser, SAMLComponent, SignInFailed
from .names import (ASSERTION, ATTR_ROLE, ATTR_SESSION_DURATION, ATTR_SESSION_NAME, AWS_ENTITY_ID, AWS_SIGN_IN, BEARER, DSIG,
                    EXC_C14N, METADATA, PERSISTENT, PROTOCOL, SUCCESS, TRANSIENT, UNSPECIFIED)
from .views import decode, tampered, unsigned, view

__all__ = [
    "install",
    "ActiveDirectory",
    "SignInFailed",
    "verify",
    "verify_for_identity_pool",
    "cognito_login",
    "tampered",
    "unsigned",
    "decode",
    "view",
    "AssertionRefused",
]


def install(sandbox) -> SAMLComponent:
    return SAMLComponent(sandbox)
