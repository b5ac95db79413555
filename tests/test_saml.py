"""SAML 2.0 federation: the simulated Active Directory, and STS AssumeRoleWithSAML as AWS checks it.

Raw moto's ``assume_role_with_saml`` reads the Role attribute of whatever XML it gets: unsigned,
tampered, expired and wrong-audience assertions all get credentials, for any ``RoleArn``
(``test_raw_moto_accepts_what_aws_refuses`` pins that, with only the ``saml`` component installed).
Every refusal test below therefore fails on raw moto.
"""

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from lxml import etree
from support import error_of

import labkit
from labkit import saml
from labkit.errors import LabkitError

PASSWORD = "Corp-Passw0rd!"


def _trust(provider_arn, aud="https://signin.aws.amazon.com/saml"):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": aud}},
        }],
    })


class Lab:
    """An AD with alice (AWS-Developers) and bob (AWS-Admins), its IAM SAML provider and two roles."""

    def __init__(self, sb, sts=None):
        self.sb = sb
        self.iam = boto3.client("iam")
        self.sts = sts or boto3.client("sts")
        self.ad = sb.idp("active-directory")
        self.provider = self.iam.create_saml_provider(Name="corp", SAMLMetadataDocument=self.ad.metadata)["SAMLProviderArn"]
        self.developer = self.iam.create_role(RoleName="CorpDevelopers", AssumeRolePolicyDocument=_trust(self.provider))["Role"]["Arn"]
        self.admin = self.iam.create_role(RoleName="CorpAdmins", AssumeRolePolicyDocument=_trust(self.provider))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName="CorpDevelopers", PolicyName="read-iam",
                                 PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                     {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}))
        self.ad.add_user("alice", PASSWORD, email="alice@corp.example.com", display_name="Alice Liddell", groups=["AWS-Developers"])
        self.ad.add_user("bob", PASSWORD, groups=["AWS-Admins"])
        self.ad.grant("AWS-Developers", self.developer, self.provider)
        self.ad.grant("AWS-Admins", self.admin, self.provider)

    def assume(self, response, role=None, provider=None, **kw):
        return self.sts.assume_role_with_saml(RoleArn=role or self.developer, PrincipalArn=provider or self.provider,
                                              SAMLAssertion=response, **kw)

    def refused(self, response, role=None, provider=None):
        err = error_of(self.assume, response, role, provider)
        return err.code, err.message, err.status


@pytest.fixture
def lab(tsb, aws):
    """Each test with ``lab`` runs in-process and over HTTP (``transport``)."""
    return Lab(tsb, aws("sts"))


# ------------------------------------------------------------------------------------------------ the directory
def test_sign_in_issues_an_ad_fs_shaped_signed_response(lab):
    """The response: AD FS issuer, signed assertion (RSA-SHA256, exclusive c14n, enveloped), persistent
    NameID, bearer confirmation for AWS, Conditions with AWS's audience, Role/RoleSessionName attributes."""
    xml = etree.fromstring(saml.decode(lab.ad.sign_in("alice", PASSWORD)))
    ns = {"samlp": saml.PROTOCOL, "a": saml.ASSERTION, "ds": saml.DSIG}
    assert xml.tag == f"{{{saml.PROTOCOL}}}Response"
    assert xml.findtext("a:Issuer", namespaces=ns) == "http://corp.example.com/adfs/services/trust"
    assertion = xml.find("a:Assertion", ns)
    children = [etree.QName(c).localname for c in assertion]
    assert children[:3] == ["Issuer", "Signature", "Subject"]
    assert assertion.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", ns).get("Algorithm").endswith("rsa-sha256")
    assert assertion.find("ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod", ns).get("Algorithm") == saml.EXC_C14N
    assert assertion.find("ds:Signature/ds:SignedInfo/ds:Reference", ns).get("URI") == "#" + assertion.get("ID")
    name_id = assertion.find("a:Subject/a:NameID", ns)
    assert name_id.get("Format") == saml.PERSISTENT and name_id.text
    data = assertion.find("a:Subject/a:SubjectConfirmation/a:SubjectConfirmationData", ns)
    assert data.get("Recipient") == "https://signin.aws.amazon.com/saml"
    assert assertion.findtext("a:Conditions/a:AudienceRestriction/a:Audience", namespaces=ns) == "urn:amazon:webservices"
    attrs = {a.get("Name"): [v.text for v in a] for a in assertion.iterfind("a:AttributeStatement/a:Attribute", ns)}
    assert attrs[saml.ATTR_ROLE] == [f"{lab.developer},{lab.provider}"]
    assert attrs[saml.ATTR_SESSION_NAME] == ["alice@corp.example.com"]


def test_metadata_names_the_issuer_and_the_signing_certificate(lab):
    """The metadata document IAM is given: EntityDescriptor/IDPSSODescriptor with the signing certificate."""
    entity_id, certs = saml._read_metadata(lab.ad.metadata)
    assert entity_id == lab.ad.entity_id
    assert [c.public_key().public_numbers() for c in certs] == [lab.ad.certificate.public_key().public_numbers()]


def test_wrong_password_is_refused_like_the_ad_fs_page(lab):
    with pytest.raises(saml.SignInFailed, match="Incorrect user ID or password"):
        lab.ad.sign_in("alice", "wrong")
    with pytest.raises(LabkitError, match="Incorrect user ID or password"):
        lab.ad.sign_in("mallory", PASSWORD)


def test_misuse_names_the_fix(sb):
    ad = sb.idp("active-directory")
    with pytest.raises(LabkitError, match="saml-provider"):
        ad.grant("G", "arn:aws:iam::123456789012:role/R", "corp")
    with pytest.raises(LabkitError, match="role ARN"):
        ad.grant("G", "Developers", "arn:aws:iam::123456789012:saml-provider/corp")
    with pytest.raises(LabkitError, match="corp.example.com"):
        sb.idp("active-directory", directory="Not A Name")
    assert sb.idp("active-directory") is ad


# ------------------------------------------------------------------------------------------------ AssumeRoleWithSAML
def test_valid_assertion_gives_working_credentials_for_the_granted_role(lab):
    """Credentials IAM knows: GetCallerIdentity is the assumed role; the role's policy applies."""
    out = lab.assume(lab.ad.sign_in("alice", PASSWORD))
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/CorpDevelopers/alice@corp.example.com"
    assert out["Issuer"] == lab.ad.entity_id
    assert out["Audience"] == "https://signin.aws.amazon.com/saml"
    assert out["SubjectType"] == "persistent"
    assert out["Subject"] == lab.ad.users["alice"].object_guid
    assert out["NameQualifier"] and out["Credentials"]["AccessKeyId"].startswith("ASIA")
    creds = out["Credentials"]
    session = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
    assert boto3.client("sts", **session).get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    issued = lab.sb.issued.get(creds["AccessKeyId"])
    assert issued.source == "AssumeRoleWithSAML" and issued.role_arn == lab.developer
    assert issued.context["SAML:sub"] == out["Subject"] and issued.context["SAML:iss"] == lab.ad.entity_id
    assert issued.context["SAML:doc"] == "123456789012/corp"
    boto3.client("iam", **session).list_roles()  # allowed by the role's policy


def test_tampered_assertion_is_refused(lab):
    """Adding a role to the signed assertion breaks its digest: InvalidIdentityToken (moto: accepted)."""
    response = lab.ad.sign_in("alice", PASSWORD)
    forged = saml.tampered(response, f"{lab.developer},{lab.provider}", f"{lab.admin},{lab.provider}")
    assert lab.refused(forged, role=lab.admin) == ("InvalidIdentityToken", "Response signature invalid", 400)


def test_unsigned_assertion_is_refused(lab):
    """No signature at all (moto: accepted)."""
    assert lab.refused(saml.unsigned(lab.ad.sign_in("alice", PASSWORD)))[:2] == ("InvalidIdentityToken", "Response signature invalid")


def test_expired_assertion_is_refused(lab):
    """Five minutes after issue the bearer assertion can no longer be redeemed (moto: accepted)."""
    response = lab.ad.sign_in("alice", PASSWORD)
    lab.sb.advance(301)
    assert lab.refused(response) == ("ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance", 400)


def test_assertion_still_valid_within_five_minutes(lab):
    response = lab.ad.sign_in("alice", PASSWORD)
    lab.sb.advance(299)
    assert lab.assume(response)["AssumedRoleUser"]["Arn"].endswith("/CorpDevelopers/alice@corp.example.com")


def test_wrong_audience_is_refused(lab):
    """An assertion AD FS issued for another application (moto: accepted)."""
    response = lab.ad.sign_in("alice", PASSWORD, audience="https://wiki.corp.example.com/saml")
    assert lab.refused(response) == ("InvalidIdentityToken", "Response does not contain the required audience.", 400)


def test_role_the_user_was_not_granted_is_refused(lab):
    """RoleArn must be one of the assertion's Role values (moto ignores RoleArn)."""
    response = lab.ad.sign_in("alice", PASSWORD)
    assert lab.refused(response, role=lab.admin) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)


def test_certificate_not_in_the_metadata_is_refused_until_the_metadata_is_updated(lab):
    """After AD FS rolls its certificate over, IAM's metadata still has the old one (moto: accepted)."""
    lab.ad.rotate_certificate()
    response = lab.ad.sign_in("alice", PASSWORD)
    assert lab.refused(response)[:2] == ("InvalidIdentityToken", "Response signature invalid")
    lab.iam.update_saml_provider(SAMLProviderArn=lab.provider, SAMLMetadataDocument=lab.ad.metadata)
    assert lab.assume(response)["AssumedRoleUser"]["Arn"].endswith("/CorpDevelopers/alice@corp.example.com")


def test_another_directory_cannot_sign_for_this_provider(lab):
    """A different IdP (its own issuer and key) naming our provider and role in its Role attribute."""
    other = lab.sb.idp("active-directory", directory="evil")
    other.add_user("alice", PASSWORD, groups=["X"])
    other.grant("X", lab.developer, lab.provider)
    assert lab.refused(other.sign_in("alice", PASSWORD)) == ("InvalidIdentityToken", "Issuer not present in specified provider", 400)


def test_unknown_provider_is_refused(lab):
    response = lab.ad.sign_in("alice", PASSWORD)
    code, message, _ = lab.refused(response, provider="arn:aws:iam::123456789012:saml-provider/nope")
    assert (code, message) == ("InvalidIdentityToken", "Specified provider doesn't exist.")


def test_trust_policy_is_evaluated(lab):
    """A role whose trust policy names another SAML:aud is refused even when the assertion grants it."""
    role = lab.iam.create_role(RoleName="ConsoleOnly", AssumeRolePolicyDocument=_trust(lab.provider, aud="https://example.com/saml"))["Role"]["Arn"]
    lab.ad.grant("AWS-Developers", role, lab.provider)
    response = lab.ad.sign_in("alice", PASSWORD)
    assert lab.refused(response, role=role)[:2] == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")


def test_not_xml_and_not_base64_are_invalid_identity_tokens(lab):
    bad = base64.b64encode(b"<html>hello</html>").decode()
    assert lab.refused(bad)[0] == "InvalidIdentityToken"
    assert lab.refused("!!!!not base64!!!!")[0] == "InvalidIdentityToken"


def test_entities_are_not_expanded(lab):
    """A DTD with an entity (XXE / billion laughs) is refused before anything reads it."""
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    assert lab.refused(base64.b64encode(xxe).decode())[0] == "InvalidIdentityToken"


def test_session_policy_and_duration(lab):
    """DurationSeconds over the role's maximum: ValidationError; a malformed Policy: MalformedPolicyDocument."""
    response = lab.ad.sign_in("alice", PASSWORD)
    with pytest.raises(ClientError) as info:
        lab.assume(response, DurationSeconds=7200)
    assert info.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as info:
        lab.assume(response, Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}')
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_view_is_deterministic_html(lab):
    first = lab.ad.sign_in("alice", PASSWORD)
    html1 = saml.view(first).data
    lab.sb.advance(60)
    html2 = saml.view(lab.ad.sign_in("alice", PASSWORD)).data
    assert "(masked)" in html1 and "IssueInstant + 5 min" in html1 and "urn:amazon:webservices" in html1
    assert html1.replace("_id", "") == html2.replace("_id", "")


# ------------------------------------------------------------------------------------------------ identity pools
def test_identity_pool_accepts_a_valid_saml_login_and_refuses_a_tampered_one(lab):
    """Logins keyed by the SAML provider ARN; the Role attribute chooses the role (moto: any login)."""
    idp = boto3.client("cognito-identity")
    pool = idp.create_identity_pool(IdentityPoolName="corp", AllowUnauthenticatedIdentities=False,
                                    SamlProviderARNs=[lab.provider])["IdentityPoolId"]
    info = saml.verify_for_identity_pool(lab.sb, lab.provider, lab.ad.sign_in("alice", PASSWORD))
    assert info["roles"] == [lab.developer] and info["subject"] == lab.ad.users["alice"].object_guid
    response = lab.ad.sign_in("alice", PASSWORD)
    first = idp.get_id(IdentityPoolId=pool, Logins={lab.provider: response})["IdentityId"]
    again = idp.get_id(IdentityPoolId=pool, Logins={lab.provider: lab.ad.sign_in("alice", PASSWORD)})["IdentityId"]
    assert first == again
    forged = saml.tampered(response, "AWS-Developers", "AWS-Admins")
    with pytest.raises(ClientError) as info:
        idp.get_id(IdentityPoolId=pool, Logins={lab.provider: forged})
    assert info.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert "Response signature invalid" in info.value.response["Error"]["Message"]


# ------------------------------------------------------------------------------------------------ raw moto
def test_raw_moto_accepts_what_aws_refuses(monkeypatch):
    """Pins the gap: with only the AD installed (STS left to moto), every bad assertion gets credentials."""
    monkeypatch.setenv("LABKIT_COMPONENTS", "saml")
    with labkit.Sandbox() as sb:
        lab = Lab(sb)
        good = lab.ad.sign_in("alice", PASSWORD)
        bad = {
            "tampered": saml.tampered(good, "AWS-Developers", "AWS-Admins"),
            "unsigned": saml.unsigned(good),
            "wrong audience": lab.ad.sign_in("alice", PASSWORD, audience="https://wiki.corp.example.com/saml"),
        }
        sb.advance(3600)
        bad["expired"] = good
        for name, response in bad.items():
            out = lab.assume(response, role=lab.admin)  # a role alice was never granted
            assert out["Credentials"]["AccessKeyId"], name


def test_identity_pool_token_role_mapping_uses_the_role_attribute(lab):
    """"Use default role from token" with a SAML provider: the Role attribute picks the role (moto: no roles)."""
    idp = boto3.client("cognito-identity")
    pool = idp.create_identity_pool(IdentityPoolName="corp", AllowUnauthenticatedIdentities=False,
                                    SamlProviderARNs=[lab.provider])["IdentityPoolId"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]})
    app_role = lab.iam.create_role(RoleName="CorpAppUsers", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    default_role = lab.iam.create_role(RoleName="CorpDefault", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    lab.ad.grant("AWS-Developers", app_role, lab.provider)
    idp.set_identity_pool_roles(IdentityPoolId=pool, Roles={"authenticated": default_role},
                                RoleMappings={lab.provider: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}})
    logins = {lab.provider: lab.ad.sign_in("alice", PASSWORD)}
    identity = idp.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
    creds = idp.get_credentials_for_identity(IdentityId=identity, Logins=logins, CustomRoleArn=app_role)["Credentials"]
    issued = lab.sb.issued.get(creds["AccessKeyId"])
    assert issued.role_arn == app_role
    assert lab.provider in issued.context["cognito-identity.amazonaws.com:amr"]


def test_signature_wrapping_is_refused(lab):
    """XML signature wrapping: a forged, unsigned assertion put next to the signed one (moto reads the first)."""
    response = lab.ad.sign_in("alice", PASSWORD)
    root = etree.fromstring(saml.decode(response))
    signed = root.find(f"{{{saml.ASSERTION}}}Assertion")
    forged = etree.fromstring(etree.tostring(signed))
    for sig in forged.findall(f"{{{saml.DSIG}}}Signature"):
        forged.remove(sig)
    forged.set("ID", "_forged")
    value = forged.find(f".//{{{saml.ASSERTION}}}Attribute[@Name='{saml.ATTR_ROLE}']/{{{saml.ASSERTION}}}AttributeValue")
    value.text = f"{lab.admin},{lab.provider}"
    signed.addprevious(forged)
    wrapped = base64.b64encode(etree.tostring(root)).decode()
    assert lab.refused(wrapped, role=lab.admin)[0] == "InvalidIdentityToken"


def test_assume_role_with_saml_unsigned(lab, aws):
    """The same checks when the AWS CLI or a browser posts the assertion without signing (an unsigned query call)."""
    import botocore

    sts = aws("sts", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    response = lab.ad.sign_in("alice", PASSWORD)
    out = sts.assume_role_with_saml(RoleArn=lab.developer, PrincipalArn=lab.provider, SAMLAssertion=response)
    assert out["AssumedRoleUser"]["Arn"].endswith("assumed-role/CorpDevelopers/alice@corp.example.com")
    with pytest.raises(ClientError) as info:
        sts.assume_role_with_saml(RoleArn=lab.admin, PrincipalArn=lab.provider, SAMLAssertion=response)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
