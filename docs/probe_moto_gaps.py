"""Re-measure docs/moto-gaps.md: probe raw moto (``mock_aws``, no labkit) for each gap listed there.

    .venv/bin/python docs/probe_moto_gaps.py

Prints one line per probe: ``GAP`` (raw moto still differs from AWS as the document says) or
``CLOSED`` (moto now behaves like AWS: update the document, and the labkit fix may be retired).
Run it when moto is upgraded. It never imports labkit's sandbox, so moto is as moto ships.
"""

from __future__ import annotations

import base64
import json
import os
import sys

import boto3
import moto
import requests
from botocore.exceptions import ClientError

REGION = "us-east-1"
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
results: list[tuple[str, str]] = []


def probe(name):
    """Run the probe now: it returns True while the gap is there. moto's NotImplementedError (the
    operation is missing) is a gap; any other exception means the probe itself is wrong."""

    def run(fn):
        try:
            verdict = "GAP" if fn() else "CLOSED"
        except NotImplementedError:
            verdict, name_ = "GAP", f"{name} (moto raises NotImplementedError)"
            results.append((verdict, name_))
            return fn
        except Exception as exc:  # noqa: BLE001
            verdict, name_ = "BROKEN", f"{name}: the probe failed: {exc!r}"
            results.append((verdict, name_))
            return fn
        results.append((verdict, name))
        return fn

    return run


def _code(call, **kw):
    try:
        call(**kw)
    except ClientError as err:
        return err.response["Error"]["Code"]
    return None


with moto.mock_aws():
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName="probe", AutoVerifiedAttributes=["email"])["UserPool"]
    pool_id = pool["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]

    @probe("user pools: confirm_sign_up accepts any code")
    def _():
        idp.sign_up(ClientId=client_id, Username="ann", Password="Passw0rd!Passw0rd",
                    UserAttributes=[{"Name": "email", "Value": "ann@example.com"}])
        idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode="not-the-code")
        return True

    @probe("user pools: resend_confirmation_code is not implemented")
    def _():
        idp.sign_up(ClientId=client_id, Username="bob", Password="Passw0rd!Passw0rd")
        return _code(idp.resend_confirmation_code, ClientId=client_id, Username="bob") is not None

    @probe("user pools: admin_initiate_auth signs in an UNCONFIRMED user")
    def _():
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])
        out = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_NO_SRP_AUTH",
                                      AuthParameters={"USERNAME": "bob", "PASSWORD": "Passw0rd!Passw0rd"})
        return "AuthenticationResult" in out

    @probe("user pools: one shipped key, kid 'dummy', signs every pool")
    def _():
        out = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_NO_SRP_AUTH",
                                      AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!Passw0rd"})
        header = out["AuthenticationResult"]["IdToken"].split(".")[0]
        return json.loads(base64.urlsafe_b64decode(header + "==")).get("kid") == "dummy"

    @probe("user pools: the JWKS URL answers for a pool that does not exist")
    def _():
        reply = requests.get(f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_doesnotexist/.well-known/jwks.json")
        return reply.status_code == 200 and "keys" in reply.json()

    @probe("user pools: pool ids are not 9 alphanumerics after the region")
    def _():
        return len(pool_id.split("_", 1)[1]) != 9

    @probe("user pools: an unknown custom attribute is accepted")
    def _():
        return _code(idp.admin_update_user_attributes, UserPoolId=pool_id, Username="ann",
                     UserAttributes=[{"Name": "custom:nope", "Value": "x"}]) is None

    @probe("user pools: revoke_token is not implemented")
    def _():
        return _code(idp.revoke_token, Token="x", ClientId=client_id) not in ("UnauthorizedException", "UnsupportedTokenTypeException")

    ident = boto3.client("cognito-identity", region_name=REGION)
    ipool = ident.create_identity_pool(IdentityPoolName="probe", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]

    @probe("identity pools: get_id ignores Logins (a closed pool gives a guest an identity)")
    def _():
        return "IdentityId" in ident.get_id(IdentityPoolId=ipool)

    @probe("identity pools: get_credentials_for_identity returns the same fixed keys for anyone")
    def _():
        identity = ident.get_id(IdentityPoolId=ipool)["IdentityId"]
        return ident.get_credentials_for_identity(IdentityId=identity)["Credentials"]["AccessKeyId"] == "TESTACCESSKEY12345"

    @probe("identity pools: set_identity_pool_roles is not implemented")
    def _():
        return _code(ident.set_identity_pool_roles, IdentityPoolId=ipool, Roles={}) is not None

    @probe("identity pools: get_open_id_token does not return a JWT")
    def _():
        identity = ident.get_id(IdentityPoolId=ipool)["IdentityId"]
        return ident.get_open_id_token(IdentityId=identity)["Token"].count(".") != 2

    sts = boto3.client("sts", region_name=REGION)

    @probe("STS: assume_role_with_web_identity accepts 'garbage' for a role that does not exist")
    def _():
        out = sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::123456789012:role/nope",
                                                RoleSessionName="session", WebIdentityToken="garbage")
        return "Credentials" in out

    @probe("STS: assume_role_with_saml accepts an unsigned assertion")
    def _():
        assertion = ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                     'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:AttributeStatement>'
                     '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>'
                     'arn:aws:iam::123456789012:role/r,arn:aws:iam::123456789012:saml-provider/p</saml:AttributeValue>'
                     '</saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
                     '<saml:AttributeValue>s</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>'
                     '</saml:Assertion></samlp:Response>')
        out = sts.assume_role_with_saml(RoleArn="arn:aws:iam::123456789012:role/r",
                                        PrincipalArn="arn:aws:iam::123456789012:saml-provider/p",
                                        SAMLAssertion=base64.b64encode(assertion.encode()).decode())
        return "Credentials" in out

    @probe("Cognito Sync: not implemented")
    def _():
        sync = boto3.client("cognito-sync", region_name=REGION)
        return _code(sync.list_identity_pool_usage) is not None

for verdict, name in results:
    print(f"{verdict:6}  {name}")
print(f"moto {moto.__version__}: {sum(v == 'GAP' for v, _ in results)} of {len(results)} gaps still there")
sys.exit(1 if any(v == "BROKEN" for v, _ in results) else 0)
