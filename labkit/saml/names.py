"""The names SAML 2.0 and AWS give to the parts of a SAML response (namespaces, formats, attributes, limits).

OASIS SAML 2.0 Core (saml-core-2.0-os), Metadata (saml-metadata-2.0-os); the AWS attributes are those of
"Configuring SAML assertions for the authentication response" (IAM User Guide,
id_roles_providers_create_saml_assertions.html).
"""

from __future__ import annotations

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
