"""labkit.policy: IAM policy evaluation, checked against the IAM User Guide's rules, case by case.

The main table (``CASES``) is one row per request: the policies in force, the request context, and
the decision AWS documents for it (allowed or not, and why).
"""

from __future__ import annotations

import base64
import json

import pytest

from labkit.policy import Decision, Policy, PolicyError, RequestContext, StatementMatch, evaluate

ACC = "123456789012"
OTHER = "210987654321"
USER = f"arn:aws:iam::{ACC}:user/alice"
BOB = f"arn:aws:iam::{ACC}:user/bob"
ROLE = f"arn:aws:iam::{ACC}:role/Cognito_Auth"
SESSION = f"arn:aws:sts::{ACC}:assumed-role/Cognito_Auth/CognitoIdentityCredentials"
FED_USER = f"arn:aws:sts::{ACC}:federated-user/carol"
ROOT = f"arn:aws:iam::{ACC}:root"
OBJ = "arn:aws:s3:::b/k"
SUB = "us-east-1:11111111-2222-3333-4444-555555555555"
POOL = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACC}:table/Notes"


def st(effect="Allow", action="s3:GetObject", resource="*", **extra):
    """A statement; ``resource=None`` leaves Resource out (resource-based policies)."""
    s = {"Effect": effect}
    if "NotAction" not in extra:
        s["Action"] = action
    if resource is not None and "NotResource" not in extra:
        s["Resource"] = resource
    s.update(extra)
    return s


def pol(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return doc


def when(operator, key, value, **st_kw):
    """An identity policy whose one Allow statement has a single condition."""
    return pol(st(Condition={operator: {key: value}}, **st_kw))


def req(action="s3:GetObject", resource=OBJ, principal=USER, resource_account=None, **keys):
    return RequestContext(action=action, resource=resource, principal_arn=principal, account_id=ACC,
                          keys=keys, resource_account=resource_account)


def k(**keys):
    """Context keys whose names are not Python identifiers: k(**{"aws:SourceIp": "..."})."""
    return keys


ALLOW_ALL_S3 = pol(st(action="s3:*"))
BUCKET_FOR = lambda principal, **kw: pol(st(resource="arn:aws:s3:::b/*", Principal=principal, **kw))  # noqa: E731
TRUST = pol(st(
    action="sts:AssumeRoleWithWebIdentity", resource=None,
    Principal={"Federated": "cognito-identity.amazonaws.com"},
    Condition={
        "StringEquals": {"cognito-identity.amazonaws.com:aud": POOL},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
    },
))
AMR_AUTH = ["authenticated", f"cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc,cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc:CognitoSignIn:{SUB}"]
B64 = base64.b64encode(b"\x00\x01binary").decode()


def case(id, ctx, expect, reason, identity=(), session=None, resource=None, boundary=None):
    assert expect in ("allow", "deny")
    return pytest.param(ctx, dict(identity_policies=identity, session_policies=session, resource_policy=resource,
                                  permissions_boundary=boundary), expect == "allow", reason, id=id)


CASES = [
    # --- Effect, Action, Resource -----------------------------------------------------------------
    case("allow-exact-action", req(), "allow", "allowed", [pol(st())]),
    case("no-policies-implicit-deny", req(), "deny", "implicit-deny"),
    case("other-action-implicit-deny", req("s3:PutObject"), "deny", "implicit-deny", [pol(st())]),
    case("action-case-insensitive", req("s3:getobject"), "allow", "allowed", [pol(st(action="S3:GETOBJECT"))]),
    case("action-star-wildcard", req("s3:GetObjectAcl"), "allow", "allowed", [pol(st(action="s3:Get*"))]),
    case("action-question-wildcard", req("s3:GetObject"), "allow", "allowed", [pol(st(action="s3:GetObjec?"))]),
    case("action-question-is-one-char", req("s3:GetObjectAcl"), "deny", "implicit-deny", [pol(st(action="s3:GetObjec?"))]),
    case("action-star-everything", req("dynamodb:Query", TABLE), "allow", "allowed", [pol(st(action="*"))]),
    case("action-list-any-member", req("s3:PutObject"), "allow", "allowed", [pol(st(action=["s3:GetObject", "s3:PutObject"]))]),
    case("resource-case-sensitive", req(), "deny", "implicit-deny", [pol(st(resource="arn:aws:s3:::B/*"))]),
    case("resource-wildcard", req(), "allow", "allowed", [pol(st(resource="arn:aws:s3:::b/*"))]),
    case("resource-question-wildcard", req(), "allow", "allowed", [pol(st(resource="arn:aws:s3:::b/?"))]),
    case("resource-other-bucket", req(), "deny", "implicit-deny", [pol(st(resource="arn:aws:s3:::c/*"))]),
    case("explicit-deny-beats-allow-same-policy", req(), "deny", "explicit-deny",
         [pol(st(), st("Deny", resource="arn:aws:s3:::b/*"))]),
    case("explicit-deny-in-another-policy", req(), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", action="s3:Get*"))]),
    case("deny-elsewhere-does-not-block", req(), "allow", "allowed",
         [ALLOW_ALL_S3, pol(st("Deny", resource="arn:aws:s3:::secret/*"))]),
    case("notaction-allows-the-rest", req(), "allow", "allowed", [pol(st(NotAction="s3:DeleteObject"))]),
    case("notaction-excludes-named", req("s3:DeleteObject"), "deny", "implicit-deny", [pol(st(NotAction="s3:Delete*"))]),
    case("notresource-allows-the-rest", req(), "allow", "allowed", [pol(st(NotResource="arn:aws:s3:::secret/*"))]),
    case("notresource-excludes-named", req(resource="arn:aws:s3:::secret/x"), "deny", "implicit-deny",
         [pol(st(NotResource="arn:aws:s3:::secret/*"))]),
    case("deny-notresource-fences-a-prefix", req(resource="arn:aws:s3:::b/other/x"), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", action="s3:*", NotResource="arn:aws:s3:::b/mine/*"))]),
    case("deny-notaction-everything-but", req("s3:PutObject"), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", NotAction=["s3:Get*", "s3:List*"]))]),

    # --- String operators ----------------------------------------------------------------------
    case("stringequals-match", req(**k(**{"aws:username": "alice"})), "allow", "allowed",
         [when("StringEquals", "aws:username", "alice")]),
    case("stringequals-case-sensitive", req(**k(**{"aws:PrincipalTag/team": "Blue"})), "deny", "implicit-deny",
         [when("StringEquals", "aws:PrincipalTag/team", "blue")]),
    case("stringequals-missing-key-false", req(), "deny", "implicit-deny",
         [when("StringEquals", "aws:PrincipalTag/team", "blue")]),
    case("stringnotequals-different-true", req(**k(**{"aws:PrincipalTag/team": "red"})), "allow", "allowed",
         [when("StringNotEquals", "aws:PrincipalTag/team", "blue")]),
    case("stringnotequals-missing-key-true", req(), "allow", "allowed",
         [when("StringNotEquals", "aws:PrincipalTag/team", "blue")]),
    case("stringnotequals-equal-false", req(**k(**{"aws:PrincipalTag/team": "blue"})), "deny", "implicit-deny",
         [when("StringNotEquals", "aws:PrincipalTag/team", "blue")]),
    case("stringnotequals-values-are-anded", req(**k(**{"aws:PrincipalTag/team": "red"})), "deny", "implicit-deny",
         [when("StringNotEquals", "aws:PrincipalTag/team", ["blue", "red"])]),
    case("stringequalsignorecase", req(**k(**{"aws:PrincipalTag/team": "BLUE"})), "allow", "allowed",
         [when("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "blue")]),
    case("stringnotequalsignorecase", req(**k(**{"aws:PrincipalTag/team": "BLUE"})), "deny", "implicit-deny",
         [when("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "Blue")]),
    case("stringlike-wildcard", req("s3:ListBucket", "arn:aws:s3:::b", **k(**{"s3:prefix": "home/alice/docs"})), "allow", "allowed",
         [when("StringLike", "s3:prefix", "home/alice/*", action="s3:ListBucket")]),
    case("stringlike-empty-prefix-value", req("s3:ListBucket", "arn:aws:s3:::b", **k(**{"s3:prefix": ""})), "allow", "allowed",
         [when("StringLike", "s3:prefix", ["", "home/"], action="s3:ListBucket")]),
    case("stringlike-no-match", req("s3:ListBucket", "arn:aws:s3:::b", **k(**{"s3:prefix": "home/bob/"})), "deny", "implicit-deny",
         [when("StringLike", "s3:prefix", "home/alice/*", action="s3:ListBucket")]),
    case("stringnotlike", req(**k(**{"aws:UserAgent": "curl/8"})), "allow", "allowed",
         [when("StringNotLike", "aws:UserAgent", "*Bot*")]),
    case("condition-key-name-case-insensitive", req(**k(**{"aws:username": "alice"})), "allow", "allowed",
         [when("StringEquals", "AWS:UserName", "alice")]),
    case("values-for-one-key-ored", req(**k(**{"aws:RequestedRegion": "eu-west-1"})), "allow", "allowed",
         [when("StringEquals", "aws:RequestedRegion", ["us-east-1", "eu-west-1"])]),
    case("keys-in-one-operator-anded", req(**k(**{"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/role": "intern"})), "deny", "implicit-deny",
         [pol(st(Condition={"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/role": "admin"}}))]),
    case("operators-anded", req(**k(**{"aws:PrincipalTag/team": "blue", "aws:SecureTransport": "false"})), "deny", "implicit-deny",
         [pol(st(Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}, "Bool": {"aws:SecureTransport": "true"}}))]),

    # --- Numeric -----------------------------------------------------------------------------
    case("numericequals", req(**k(**{"s3:max-keys": "10"})), "allow", "allowed", [when("NumericEquals", "s3:max-keys", "10")]),
    case("numericequals-decimal", req(**k(**{"s3:max-keys": "10.0"})), "allow", "allowed", [when("NumericEquals", "s3:max-keys", 10)]),
    case("numericnotequals", req(**k(**{"s3:max-keys": "10"})), "deny", "implicit-deny", [when("NumericNotEquals", "s3:max-keys", "10")]),
    case("numericlessthan", req(**k(**{"s3:max-keys": 5})), "allow", "allowed", [when("NumericLessThan", "s3:max-keys", "10")]),
    case("numericlessthanequals-edge", req(**k(**{"s3:max-keys": "10"})), "allow", "allowed", [when("NumericLessThanEquals", "s3:max-keys", "10")]),
    case("numericgreaterthan-fails", req(**k(**{"s3:max-keys": "10"})), "deny", "implicit-deny", [when("NumericGreaterThan", "s3:max-keys", "10")]),
    case("numericgreaterthanequals", req(**k(**{"s3:max-keys": "11"})), "allow", "allowed", [when("NumericGreaterThanEquals", "s3:max-keys", "10")]),
    case("numeric-unreadable-context-value", req(**k(**{"s3:max-keys": "lots"})), "deny", "implicit-deny",
         [when("NumericNotEquals", "s3:max-keys", "10")]),

    # --- Date ------------------------------------------------------------------------------------
    case("datelessthan-iso", req(**k(**{"aws:CurrentTime": "2024-06-01T12:00:00Z"})), "allow", "allowed",
         [when("DateLessThan", "aws:CurrentTime", "2025-01-01T00:00:00Z")]),
    case("dategreaterthan-iso-fails", req(**k(**{"aws:CurrentTime": "2024-06-01T12:00:00Z"})), "deny", "implicit-deny",
         [when("DateGreaterThan", "aws:CurrentTime", "2025-01-01")]),
    case("dateequals-epoch-equals-iso", req(**k(**{"aws:EpochTime": "1704067200"})), "allow", "allowed",
         [when("DateEquals", "aws:EpochTime", "2024-01-01T00:00:00Z")]),
    case("datenotequals", req(**k(**{"aws:CurrentTime": "2024-01-01T00:00:00Z"})), "deny", "implicit-deny",
         [when("DateNotEquals", "aws:CurrentTime", 1704067200)]),
    case("datelessthanequals-epoch-policy", req(**k(**{"aws:EpochTime": 1704067200})), "allow", "allowed",
         [when("DateLessThanEquals", "aws:EpochTime", "1704067200")]),
    case("dategreaterthanequals-offset", req(**k(**{"aws:CurrentTime": "2024-01-01T01:30:00+02:00"})), "deny", "implicit-deny",
         [when("DateGreaterThanEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z")]),
    case("date-token-issue-time-missing", req(), "deny", "implicit-deny",
         [when("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z")]),

    # --- Bool, Binary ------------------------------------------------------------------------
    case("bool-true", req(**k(**{"aws:SecureTransport": True})), "allow", "allowed", [when("Bool", "aws:SecureTransport", "true")]),
    case("bool-json-true-policy", req(**k(**{"aws:MultiFactorAuthPresent": "true"})), "allow", "allowed",
         [when("Bool", "aws:MultiFactorAuthPresent", True)]),
    case("bool-deny-insecure-transport", req(**k(**{"aws:SecureTransport": "false"})), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", action="s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]),
    case("binaryequals-match", req(**k(**{"example:blob": b"\x00\x01binary"})), "allow", "allowed", [when("BinaryEquals", "example:blob", B64)]),
    case("binaryequals-base64-context", req(**k(**{"example:blob": B64})), "allow", "allowed", [when("BinaryEquals", "example:blob", B64)]),
    case("binaryequals-mismatch", req(**k(**{"example:blob": b"other"})), "deny", "implicit-deny", [when("BinaryEquals", "example:blob", B64)]),

    # --- IP address ----------------------------------------------------------------------------
    case("ipaddress-in-cidr", req(**k(**{"aws:SourceIp": "203.0.113.7"})), "allow", "allowed", [when("IpAddress", "aws:SourceIp", "203.0.113.0/24")]),
    case("ipaddress-outside", req(**k(**{"aws:SourceIp": "198.51.100.7"})), "deny", "implicit-deny", [when("IpAddress", "aws:SourceIp", "203.0.113.0/24")]),
    case("ipaddress-single-host-is-slash-32", req(**k(**{"aws:SourceIp": "203.0.113.7"})), "allow", "allowed", [when("IpAddress", "aws:SourceIp", "203.0.113.7")]),
    case("ipaddress-ipv6", req(**k(**{"aws:SourceIp": "2001:db8:1234:5678::1"})), "allow", "allowed",
         [when("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"])]),
    case("ipaddress-v4-not-in-v6-range", req(**k(**{"aws:SourceIp": "10.0.0.1"})), "deny", "implicit-deny", [when("IpAddress", "aws:SourceIp", "::/0")]),
    case("notipaddress-deny-outside-office", req(**k(**{"aws:SourceIp": "198.51.100.7"})), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", action="*", Condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}))]),
    case("notipaddress-inside-office", req(**k(**{"aws:SourceIp": "203.0.113.9"})), "allow", "allowed",
         [ALLOW_ALL_S3, pol(st("Deny", action="*", Condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}))]),

    # --- ARN -------------------------------------------------------------------------------------
    case("arnequals", req(**k(**{"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"})), "allow", "allowed",
         [when("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic")]),
    case("arnlike-wildcard", req(**k(**{"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"})), "allow", "allowed",
         [when("ArnLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*")]),
    case("arnlike-checks-each-component", req(**k(**{"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"})),
         "deny", "implicit-deny", [when("ArnLike", "aws:SourceArn", "arn:aws:someservice:*:111122223333:finance/*")]),
    case("stringlike-crosses-components", req(**k(**{"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"})),
         "allow", "allowed", [when("StringLike", "aws:SourceArn", "arn:aws:someservice:*:111122223333:finance/*")]),
    case("arnnotlike", req(**k(**{"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"})), "deny", "implicit-deny",
         [when("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:*:*")]),
    case("arnnotequals-missing-key-true", req(), "allow", "allowed", [when("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:1:t")]),

    # --- Null ------------------------------------------------------------------------------------
    case("null-true-key-absent", req(), "allow", "allowed", [when("Null", "aws:TokenIssueTime", "true")]),
    case("null-true-key-present", req(**k(**{"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})), "deny", "implicit-deny",
         [when("Null", "aws:TokenIssueTime", "true")]),
    case("null-false-key-present", req(**k(**{"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})), "allow", "allowed",
         [when("Null", "aws:TokenIssueTime", "false")]),
    case("null-false-empty-list-is-absent", req(**k(**{"aws:TagKeys": []})), "deny", "implicit-deny", [when("Null", "aws:TagKeys", "false")]),

    # --- ...IfExists ------------------------------------------------------------------------------
    case("stringlikeifexists-missing-true", req("ec2:RunInstances", "*"), "allow", "allowed",
         [when("StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], action="ec2:RunInstances")]),
    case("stringlikeifexists-present-mismatch", req("ec2:RunInstances", "*", **k(**{"ec2:InstanceType": "m5.large"})), "deny", "implicit-deny",
         [when("StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], action="ec2:RunInstances")]),
    case("numericlessthanifexists-missing", req(), "allow", "allowed", [when("NumericLessThanIfExists", "s3:max-keys", "10")]),
    case("dateifexists-present-checked", req(**k(**{"aws:CurrentTime": "2030-01-01T00:00:00Z"})), "deny", "implicit-deny",
         [when("DateLessThanIfExists", "aws:CurrentTime", "2025-01-01T00:00:00Z")]),
    case("ipaddressifexists-missing", req(), "allow", "allowed", [when("IpAddressIfExists", "aws:SourceIp", "10.0.0.0/8")]),
    case("boolifexists-present", req(**k(**{"aws:MultiFactorAuthPresent": "false"})), "deny", "implicit-deny",
         [when("BoolIfExists", "aws:MultiFactorAuthPresent", "true")]),
    case("deny-stringnotequalsifexists-missing-still-denies", req(), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", action="s3:*", Condition={"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "blue"}}))]),
    case("arnlikeifexists-missing", req(), "allow", "allowed", [when("ArnLikeIfExists", "aws:SourceArn", "arn:aws:sns:*:*:*")]),

    # --- Set operators, multivalued keys -----------------------------------------------------
    case("forallvalues-subset", req("dynamodb:GetItem", TABLE, **k(**{"dynamodb:Attributes": ["ID", "Message"]})), "allow", "allowed",
         [when("ForAllValues:StringEquals", "dynamodb:Attributes", ["ID", "Message", "Tags"], action="dynamodb:GetItem")]),
    case("forallvalues-not-subset", req("dynamodb:GetItem", TABLE, **k(**{"dynamodb:Attributes": ["ID", "UserName"]})), "deny", "implicit-deny",
         [when("ForAllValues:StringEquals", "dynamodb:Attributes", ["ID", "Message", "Tags"], action="dynamodb:GetItem")]),
    case("forallvalues-missing-key-is-true", req("dynamodb:GetItem", TABLE), "allow", "allowed",
         [when("ForAllValues:StringEquals", "dynamodb:Attributes", ["ID"], action="dynamodb:GetItem")]),
    case("forallvalues-empty-list-is-true", req("dynamodb:GetItem", TABLE, **k(**{"dynamodb:Attributes": []})), "allow", "allowed",
         [when("ForAllValues:StringEquals", "dynamodb:Attributes", ["ID"], action="dynamodb:GetItem")]),
    case("foranyvalue-one-matches", req(**k(**{"aws:TagKeys": ["env", "owner"]})), "allow", "allowed",
         [when("ForAnyValue:StringEquals", "aws:TagKeys", ["owner", "cost-center"])]),
    case("foranyvalue-none-match", req(**k(**{"aws:TagKeys": ["env"]})), "deny", "implicit-deny",
         [when("ForAnyValue:StringEquals", "aws:TagKeys", ["owner", "cost-center"])]),
    case("foranyvalue-missing-key-is-false", req(), "deny", "implicit-deny",
         [when("ForAnyValue:StringEquals", "aws:TagKeys", ["owner"])]),
    case("foranyvalue-ifexists-missing-true", req(), "allow", "allowed",
         [when("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["owner"])]),
    case("foranyvalue-deny-forbidden-attribute", req("dynamodb:PutItem", TABLE, **k(**{"dynamodb:Attributes": ["PostDateTime", "Message"]})),
         "deny", "explicit-deny",
         [pol(st(action="dynamodb:*")), pol(st("Deny", action="dynamodb:PutItem", Condition={"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["ID", "PostDateTime"]}}))]),
    case("forallvalues-stringnotequals", req(**k(**{"aws:TagKeys": ["env", "owner"]})), "deny", "implicit-deny",
         [when("ForAllValues:StringNotEquals", "aws:TagKeys", ["owner"])]),
    case("foranyvalue-stringnotequals", req(**k(**{"aws:TagKeys": ["env", "owner"]})), "allow", "allowed",
         [when("ForAnyValue:StringNotEquals", "aws:TagKeys", ["owner"])]),
    case("leadingkeys-own-sub", req("dynamodb:Query", TABLE, SESSION, **k(**{"dynamodb:LeadingKeys": [SUB], "cognito-identity.amazonaws.com:sub": SUB})),
         "allow", "allowed",
         [when("ForAllValues:StringEquals", "dynamodb:LeadingKeys", "${cognito-identity.amazonaws.com:sub}", action="dynamodb:Query", resource=TABLE)]),
    case("leadingkeys-someone-elses", req("dynamodb:Query", TABLE, SESSION, **k(**{"dynamodb:LeadingKeys": [SUB, "us-east-1:other"], "cognito-identity.amazonaws.com:sub": SUB})),
         "deny", "implicit-deny",
         [when("ForAllValues:StringEquals", "dynamodb:LeadingKeys", "${cognito-identity.amazonaws.com:sub}", action="dynamodb:Query", resource=TABLE)]),
    case("multivalued-without-set-operator-any", req(**k(**{"cognito-identity.amazonaws.com:amr": AMR_AUTH})), "allow", "allowed",
         [when("StringEquals", "cognito-identity.amazonaws.com:amr", "authenticated")]),

    # --- Policy variables --------------------------------------------------------------------
    case("var-username-own-home", req(resource="arn:aws:s3:::b/home/alice/x"), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"))]),
    case("var-username-someone-elses-home", req(resource="arn:aws:s3:::b/home/bob/x"), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"))]),
    case("var-missing-resource-matches-nothing", req(resource="arn:aws:s3:::b/home/Cognito_Auth/x", principal=SESSION), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"))]),
    case("var-default-value-used", req(resource="arn:aws:s3:::team-company-wide/x"), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::team-${aws:PrincipalTag/team, 'company-wide'}/*"))]),
    case("var-default-value-not-used-when-present", req(resource="arn:aws:s3:::team-company-wide/x", **k(**{"aws:PrincipalTag/team": "yellow"})),
         "deny", "implicit-deny", [pol(st(resource="arn:aws:s3:::team-${aws:PrincipalTag/team, 'company-wide'}/*"))]),
    case("var-version-2008-is-literal", req(resource="arn:aws:s3:::b/home/alice/x"), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"), version="2008-10-17")]),
    case("var-version-2008-literal-text-matches", req(resource="arn:aws:s3:::b/home/${aws:username}/x"), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"), version="2008-10-17")]),
    case("var-no-version-is-literal", req(resource="arn:aws:s3:::b/home/alice/x"), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"), version=None)]),
    case("var-special-star-is-literal", req(resource="arn:aws:s3:::b/anything"), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/${*}"))]),
    case("var-special-star-matches-star", req(resource="arn:aws:s3:::b/*"), "allow", "allowed", [pol(st(resource="arn:aws:s3:::b/${*}"))]),
    case("var-special-question-and-dollar", req(resource="arn:aws:s3:::b/what?$5"), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/what${?}${$}5"))]),
    case("var-substituted-value-is-not-a-wildcard", req(resource="arn:aws:s3:::b/home/alex/x", **k(**{"aws:username": "a*"})), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/home/${aws:username}/*"))]),
    case("var-cognito-sub-own-prefix", req(resource=f"arn:aws:s3:::b/private/{SUB}/cat.jpg", principal=SESSION, **k(**{"cognito-identity.amazonaws.com:sub": SUB})),
         "allow", "allowed", [pol(st(resource="arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*"))]),
    case("var-cognito-aud-in-condition", req(principal=SESSION, **k(**{"cognito-identity.amazonaws.com:aud": POOL})), "allow", "allowed",
         [when("StringEquals", "cognito-identity.amazonaws.com:aud", "${cognito-identity.amazonaws.com:aud}")]),
    case("var-cognito-amr-single-value", req(resource="arn:aws:s3:::b/authenticated/x", principal=SESSION, **k(**{"cognito-identity.amazonaws.com:amr": "authenticated"})),
         "allow", "allowed", [pol(st(resource="arn:aws:s3:::b/${cognito-identity.amazonaws.com:amr}/*"))]),
    case("var-multivalued-key-is-no-value", req(resource="arn:aws:s3:::b/authenticated/x", principal=SESSION, **k(**{"cognito-identity.amazonaws.com:amr": AMR_AUTH})),
         "deny", "implicit-deny", [pol(st(resource="arn:aws:s3:::b/${cognito-identity.amazonaws.com:amr}/*"))]),
    case("var-login-with-amazon", req(resource="arn:aws:s3:::b/amzn1.account.X/x", **k(**{"www.amazon.com:user_id": "amzn1.account.X"})), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/${www.amazon.com:user_id}/*"))]),
    case("var-google-sub", req(resource="arn:aws:s3:::b/1234567890/x", **k(**{"accounts.google.com:sub": "1234567890"})), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/${accounts.google.com:sub}/*"))]),
    case("var-facebook-id", req(resource="arn:aws:s3:::b/fb42/x", **k(**{"graph.facebook.com:id": "fb41"})), "deny", "implicit-deny",
         [pol(st(resource="arn:aws:s3:::b/${graph.facebook.com:id}/*"))]),
    case("var-saml-sub-in-stringlike", req(**k(**{"s3:prefix": "jdoe/reports", "saml:sub": "jdoe"})), "allow", "allowed",
         [when("StringLike", "s3:prefix", "${saml:sub}/*")]),
    case("var-userid-in-condition", req(**k(**{"aws:userid": "AIDAEXAMPLE", "s3:ExistingObjectTag/owner": "AIDAEXAMPLE"})), "allow", "allowed",
         [when("StringEquals", "s3:ExistingObjectTag/owner", "${aws:userid}")]),
    case("var-principaltag-in-resource", req(resource="arn:aws:s3:::dept-hr/x", **k(**{"aws:PrincipalTag/department": "hr"})), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::dept-${aws:PrincipalTag/department}/*"))]),
    case("var-missing-in-condition-positive-false", req(**k(**{"s3:ExistingObjectTag/Team": "blue"})), "deny", "implicit-deny",
         [when("StringEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}")]),
    case("var-missing-in-negated-condition-true", req(**k(**{"s3:ExistingObjectTag/Team": "blue"})), "deny", "explicit-deny",
         [ALLOW_ALL_S3, pol(st("Deny", Condition={"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}))]),
    case("var-key-name-case-insensitive", req(resource="arn:aws:s3:::b/home/alice/x"), "allow", "allowed",
         [pol(st(resource="arn:aws:s3:::b/home/${AWS:UserName}/*"))]),
    case("var-in-arnlike", req(**k(**{"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:alice-topic"})), "allow", "allowed",
         [when("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:${aws:username}-*")]),

    # --- Resource-based policies and principals ----------------------------------------------
    case("bucket-policy-names-user-no-identity-policy", req(), "allow", "allowed", resource=BUCKET_FOR({"AWS": USER})),
    case("bucket-policy-names-other-user", req(), "deny", "implicit-deny", resource=BUCKET_FOR({"AWS": BOB})),
    case("bucket-policy-user-list", req(), "allow", "allowed", resource=BUCKET_FOR({"AWS": [BOB, USER]})),
    case("bucket-policy-account-only-delegates", req(), "deny", "implicit-deny", resource=BUCKET_FOR({"AWS": ACC})),
    case("bucket-policy-account-root-plus-identity", req(), "allow", "allowed", [pol(st())], resource=BUCKET_FOR({"AWS": ROOT})),
    case("bucket-policy-public-anonymous", req(principal=""), "allow", "allowed", resource=BUCKET_FOR("*")),
    case("bucket-policy-aws-star-is-everyone", req(principal=BOB), "allow", "allowed", resource=BUCKET_FOR({"AWS": "*"})),
    case("anonymous-needs-resource-policy", req(principal=""), "deny", "implicit-deny", [pol(st())]),
    case("bucket-policy-deny-beats-identity-allow", req(), "deny", "explicit-deny", [ALLOW_ALL_S3], resource=BUCKET_FOR({"AWS": USER}, Effect="Deny")),
    case("bucket-policy-session-arn-not-limited-by-session-policy", req(principal=SESSION), "allow", "allowed",
         session=[pol(st(action="dynamodb:*"))], resource=BUCKET_FOR({"AWS": SESSION})),
    case("bucket-policy-role-arn-limited-by-session-policy", req(principal=SESSION), "deny", "session-policy-deny",
         session=[pol(st(action="dynamodb:*"))], resource=BUCKET_FOR({"AWS": ROLE})),
    case("bucket-policy-role-arn-no-session-policy", req(principal=SESSION), "allow", "allowed", resource=BUCKET_FOR({"AWS": ROLE})),
    case("bucket-policy-role-arn-with-path", req(principal=SESSION), "allow", "allowed",
         resource=BUCKET_FOR({"AWS": f"arn:aws:iam::{ACC}:role/service-role/Cognito_Auth"})),
    case("bucket-policy-role-arn-limited-by-boundary", req(principal=SESSION), "deny", "boundary-deny",
         boundary=pol(st(action="dynamodb:*")), resource=BUCKET_FOR({"AWS": ROLE})),
    case("bucket-policy-user-not-limited-by-boundary", req(), "allow", "allowed",
         boundary=pol(st(action="dynamodb:*")), resource=BUCKET_FOR({"AWS": USER})),
    case("notprincipal-deny-exempts-user-and-account", req(), "allow", "allowed", [ALLOW_ALL_S3],
         resource=pol(st("Deny", action="s3:*", resource="arn:aws:s3:::b/*", NotPrincipal={"AWS": [USER, ROOT]}))),
    case("notprincipal-deny-user-without-account-denies", req(), "deny", "explicit-deny", [ALLOW_ALL_S3],
         resource=pol(st("Deny", action="s3:*", resource="arn:aws:s3:::b/*", NotPrincipal={"AWS": [USER]}))),
    case("notprincipal-deny-others", req(principal=BOB), "deny", "explicit-deny", [ALLOW_ALL_S3],
         resource=pol(st("Deny", action="s3:*", resource="arn:aws:s3:::b/*", NotPrincipal={"AWS": [USER, ROOT]}))),
    case("notprincipal-allow-everyone-else", req(principal=BOB), "allow", "allowed",
         resource=pol(st(resource="arn:aws:s3:::b/*", NotPrincipal={"AWS": USER}))),
    case("notprincipal-allow-excludes-named", req(), "deny", "implicit-deny",
         resource=pol(st(resource="arn:aws:s3:::b/*", NotPrincipal={"AWS": USER}))),
    case("trust-policy-cognito-authenticated", req("sts:AssumeRoleWithWebIdentity", ROLE, "cognito-identity.amazonaws.com",
                                                   **k(**{"cognito-identity.amazonaws.com:aud": POOL, "cognito-identity.amazonaws.com:amr": AMR_AUTH})),
         "allow", "allowed", resource=TRUST),
    case("trust-policy-cognito-unauthenticated", req("sts:AssumeRoleWithWebIdentity", ROLE, "cognito-identity.amazonaws.com",
                                                     **k(**{"cognito-identity.amazonaws.com:aud": POOL, "cognito-identity.amazonaws.com:amr": ["unauthenticated"]})),
         "deny", "implicit-deny", resource=TRUST),
    case("trust-policy-wrong-pool", req("sts:AssumeRoleWithWebIdentity", ROLE, "cognito-identity.amazonaws.com",
                                        **k(**{"cognito-identity.amazonaws.com:aud": "us-east-1:other", "cognito-identity.amazonaws.com:amr": AMR_AUTH})),
         "deny", "implicit-deny", resource=TRUST),
    case("trust-policy-must-allow-even-if-identity-does", req("sts:AssumeRole", ROLE), "deny", "implicit-deny",
         [pol(st(action="sts:AssumeRole", resource=ROLE))], resource=pol(st(action="sts:AssumeRole", resource=None, Principal={"AWS": BOB}))),
    case("trust-policy-account-plus-identity", req("sts:AssumeRole", ROLE), "allow", "allowed",
         [pol(st(action="sts:AssumeRole", resource=ROLE))], resource=pol(st(action="sts:AssumeRole", resource=None, Principal={"AWS": ROOT}))),
    case("trust-policy-account-without-identity", req("sts:AssumeRole", ROLE), "deny", "implicit-deny",
         resource=pol(st(action="sts:AssumeRole", resource=None, Principal={"AWS": ACC}))),
    case("kms-key-policy-must-allow", req("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACC}:key/1"), "deny", "implicit-deny",
         [pol(st(action="kms:*"))], resource=pol(st(action="kms:*", resource="*", Principal={"AWS": BOB}))),
    case("service-principal", req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACC}:q", "sns.amazonaws.com"), "allow", "allowed",
         resource=pol(st(action="sqs:SendMessage", resource=None, Principal={"Service": "sns.amazonaws.com"}))),
    case("service-principal-other-service", req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACC}:q", "lambda.amazonaws.com"), "deny", "implicit-deny",
         resource=pol(st(action="sqs:SendMessage", resource=None, Principal={"Service": "sns.amazonaws.com"}))),
    case("cross-account-without-resource-policy", req(resource_account=OTHER), "deny", "cross-account-deny", [ALLOW_ALL_S3]),
    case("cross-account-both-allow", req(resource_account=OTHER), "allow", "allowed", [ALLOW_ALL_S3], resource=BUCKET_FOR({"AWS": ACC})),
    case("cross-account-resource-only", req(resource_account=OTHER), "deny", "implicit-deny", resource=BUCKET_FOR({"AWS": USER})),

    # --- Session policies, permissions boundaries, root --------------------------------------
    case("session-policy-intersection-allows", req(principal=SESSION), "allow", "allowed", [ALLOW_ALL_S3], session=[pol(st(action="s3:Get*"))]),
    case("session-policy-does-not-allow", req("s3:PutObject", principal=SESSION), "deny", "session-policy-deny", [ALLOW_ALL_S3],
         session=[pol(st(action="s3:Get*"))]),
    case("session-policy-cannot-grant-more", req("dynamodb:Query", TABLE, SESSION), "deny", "implicit-deny", [ALLOW_ALL_S3],
         session=[pol(st(action="*"))]),
    case("session-policy-explicit-deny", req(principal=SESSION), "deny", "explicit-deny", [ALLOW_ALL_S3],
         session=[pol(st(action="s3:*"), st("Deny", resource="arn:aws:s3:::b/*"))]),
    case("session-policy-any-of-several", req(principal=SESSION), "allow", "allowed", [ALLOW_ALL_S3],
         session=[pol(st(action="dynamodb:*")), pol(st())]),
    case("federated-user-needs-session-policy", req(principal=FED_USER), "deny", "session-policy-deny", [ALLOW_ALL_S3]),
    case("federated-user-with-session-policy", req(principal=FED_USER), "allow", "allowed", [ALLOW_ALL_S3], session=pol(st())),
    case("boundary-allows", req(), "allow", "allowed", [ALLOW_ALL_S3], boundary=pol(st(action="s3:Get*"))),
    case("boundary-does-not-allow", req("s3:PutObject"), "deny", "boundary-deny", [ALLOW_ALL_S3], boundary=pol(st(action="s3:Get*"))),
    case("boundary-does-not-grant", req(), "deny", "implicit-deny", [pol(st(action="dynamodb:*"))], boundary=pol(st(action="*"))),
    case("boundary-explicit-deny", req(), "deny", "explicit-deny", [ALLOW_ALL_S3], boundary=pol(st(action="*"), st("Deny"))),
    case("boundary-and-session-both-needed", req(principal=SESSION), "deny", "boundary-deny", [ALLOW_ALL_S3],
         session=[pol(st())], boundary=pol(st(action="dynamodb:*"))),
    case("root-user-has-full-access", req("iam:CreateUser", "*", ROOT), "allow", "allowed"),
    case("root-user-bucket-policy-deny", req(principal=ROOT), "deny", "explicit-deny", resource=BUCKET_FOR({"AWS": ROOT}, Effect="Deny")),
]


@pytest.mark.parametrize("context, policies, allowed, reason", CASES)
def test_decision(context, policies, allowed, reason):
    decision = evaluate(context, **policies)
    assert (decision.allowed, decision.reason) == (allowed, reason), decision.explain()
    # an explicit deny always has the Deny statement to show for it, and nothing else has one
    assert any(m.effect == "Deny" for m in decision.matched) == (reason == "explicit-deny")
    assert decision.explain().startswith("ALLOWED" if allowed else "DENIED")
    assert len(decision.trace) == sum(len(p._statements) for p in _policies_in(policies))


def _policies_in(policies):
    out = []
    for value in policies.values():
        if value is None:
            continue
        for p in (value if isinstance(value, (list, tuple)) else [value]):
            out.append(Policy.parse(p))
    return out


def test_table_is_large_and_ids_unique():
    ids = [p.id for p in CASES]
    assert len(ids) >= 70
    assert len(set(ids)) == len(ids)


# --- Malformed policies ----------------------------------------------------------------------------

MALFORMED = [
    pytest.param('{"Version": "2012-10-17", "Statement": [', "not valid JSON", id="invalid-json"),
    pytest.param(["not", "an", "object"], "must be JSON text or a dict", id="not-an-object"),
    pytest.param({"Version": "2012-10-17"}, "missing required element Statement", id="no-statement"),
    pytest.param({"Version": "2012-10-17", "Statement": []}, "Statement must not be empty", id="empty-statement"),
    pytest.param({"Version": "2012-10-18", "Statement": [st()]}, "Version must be", id="bad-version"),
    pytest.param({"Statment": [st()]}, "did you mean 'Statement'", id="misspelt-top-level"),
    pytest.param(pol({"Sid": "A", "Action": "s3:*", "Resource": "*"}), "Statement[0] (Sid 'A'), Effect: missing required element Effect", id="missing-effect"),
    pytest.param(pol(st("allow")), 'Effect must be "Allow" or "Deny" (case-sensitive)', id="effect-lowercase"),
    pytest.param(pol(st(Sid="X", Actions="s3:*")), "unknown element 'Actions' (did you mean 'Action'?)", id="unknown-element"),
    pytest.param(pol({"Effect": "Allow", "Resource": "*"}), "exactly one of Action or NotAction", id="no-action"),
    pytest.param(pol({"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}), "exactly one of Action or NotAction",
                 id="action-and-notaction"),
    pytest.param(pol(st(action="GetObject")), "must be prefaced by a service namespace", id="action-without-namespace"),
    pytest.param(pol(st(resource="b/k")), 'must be in ARN format or "*"', id="resource-not-arn"),
    pytest.param(pol(st(Sid="Same"), st(Sid="Same")), "Sid 'Same' is used by Statement[0] too", id="duplicate-sid"),
    pytest.param(pol(st(Sid="Cond", Condition={"StringEqual": {"aws:username": "a"}})),
                 "Statement[0] (Sid 'Cond'), Condition: unknown condition operator 'StringEqual' (did you mean 'StringEquals'?)", id="unknown-operator"),
    pytest.param(pol(st(Condition={"ForEveryValue:StringEquals": {"aws:TagKeys": "a"}})), "unknown set operator 'ForEveryValue'", id="unknown-set-operator"),
    pytest.param(pol(st(Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})), "Null cannot take IfExists", id="null-ifexists"),
    pytest.param(pol(st(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})), "NumericLessThan value 'ten' is not a number", id="numeric-not-a-number"),
    pytest.param(pol(st(Condition={"NumericEquals": {"s3:max-keys": "${aws:username}"}})), "policy variables cannot be used with Numeric", id="numeric-variable"),
    pytest.param(pol(st(Condition={"DateLessThan": {"aws:CurrentTime": "next tuesday"}})), "is not an ISO 8601 date/time or epoch seconds", id="bad-date"),
    pytest.param(pol(st(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}})), "is not an IPv4/IPv6 address or CIDR range", id="bad-ip"),
    pytest.param(pol(st(Condition={"BinaryEquals": {"k": "not base64!"}})), "is not base64", id="bad-base64"),
    pytest.param(pol(st(Condition={"Bool": {"aws:SecureTransport": "yes"}})), "must be true or false", id="bool-not-boolean"),
    pytest.param(pol(st(Condition={"StringEquals": {"aws:username": {"a": 1}}})), "expected a string or a list of strings", id="condition-value-object"),
    pytest.param(pol(st(Condition={"StringEquals": {"aws:username": []}})), "must not be an empty list", id="condition-empty-values"),
    pytest.param(pol(st(Condition={"StringEquals": "alice"})), "must map condition keys to values", id="condition-operator-not-object"),
    pytest.param(pol(st(Principal={"AWS": USER}, NotPrincipal={"AWS": BOB})), "Principal or NotPrincipal, not both", id="principal-and-notprincipal"),
    pytest.param(pol(st(Principal={"IAM": USER})), "unknown principal type 'IAM'", id="unknown-principal-type"),
    pytest.param(pol(st(Principal={"AWS": "alice"})), "invalid principal 'alice'", id="bad-aws-principal"),
]


@pytest.mark.parametrize("doc, message", MALFORMED)
def test_malformed_policy_raises_policy_error(doc, message):
    with pytest.raises(PolicyError) as excinfo:
        Policy.parse(doc, name="learner-policy")
    text = str(excinfo.value)
    assert message in text
    assert text.startswith("MalformedPolicyDocument: ")
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("where, doc, message", [
    pytest.param("identity_policies", pol(st(Principal="*")), "must not specify a principal", id="principal-in-identity-policy"),
    pytest.param("identity_policies", pol(st(resource=None)), "needs Resource or NotResource", id="identity-without-resource"),
    pytest.param("session_policies", pol(st(resource=None)), "session policy statement needs Resource", id="session-without-resource"),
    pytest.param("resource_policy", pol(st(resource="arn:aws:s3:::b/*")), "must name a Principal or NotPrincipal", id="resource-policy-without-principal"),
])
def test_policy_in_the_wrong_place_raises(where, doc, message):
    with pytest.raises(PolicyError, match=message):
        evaluate(req(), **{where: [doc] if where != "resource_policy" else doc})


def test_policy_error_names_policy_statement_and_sid():
    with pytest.raises(PolicyError) as excinfo:
        Policy.parse(pol(st(), st(Sid="OwnPrefix", Condition={"StringLike": {"s3:prefix": []}})), name="cognito-auth")
    err = excinfo.value
    assert (err.policy, err.statement, err.sid) == ("cognito-auth", 1, "OwnPrefix")
    assert "policy 'cognito-auth', Statement[1] (Sid 'OwnPrefix'), Condition.StringLike.s3:prefix" in str(err)


# --- Explanations -------------------------------------------------------------------------------

COGNITO_AUTH = pol(
    st(Sid="ListOwn", action="s3:ListBucket", resource="arn:aws:s3:::b",
       Condition={"StringLike": {"s3:prefix": ["private/${cognito-identity.amazonaws.com:sub}/*"]}}),
    st(Sid="OwnPrefix", action=["s3:GetObject", "s3:PutObject"], resource="arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*"),
)


def test_explain_names_the_substituted_resource():
    ctx = req(resource="arn:aws:s3:::b/private/us-east-1:xyz/photo.jpg", principal=SESSION,
              **k(**{"cognito-identity.amazonaws.com:sub": "us-east-1:abc"}))
    decision = evaluate(ctx, [Policy.parse(COGNITO_AUTH, name="cognito-auth")])
    text = decision.explain()
    assert text.startswith("DENIED (implicit): no statement allows s3:GetObject on arn:aws:s3:::b/private/us-east-1:xyz/photo.jpg")
    assert ("Policy 'cognito-auth' (identity-based) statement 'OwnPrefix' did not apply: Resource "
            "arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/* became arn:aws:s3:::b/private/us-east-1:abc/* "
            "which does not match arn:aws:s3:::b/private/us-east-1:xyz/photo.jpg") in text
    assert "${cognito-identity.amazonaws.com:sub} = 'us-east-1:abc'" in text
    [own] = [t for t in decision.trace if t.statement == "OwnPrefix"]
    assert own.failed == "Resource"
    assert own.variables == {"${cognito-identity.amazonaws.com:sub}": "us-east-1:abc"}
    assert own.became == (("arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*", "arn:aws:s3:::b/private/us-east-1:abc/*"),)


def test_explain_names_the_failing_condition_key_and_values():
    ctx = req("s3:ListBucket", "arn:aws:s3:::b", SESSION, **k(**{"s3:prefix": "private/us-east-1:xyz/", "cognito-identity.amazonaws.com:sub": "us-east-1:abc"}))
    decision = evaluate(ctx, [Policy.parse(COGNITO_AUTH, name="cognito-auth")])
    assert not decision.allowed
    [listing] = [t for t in decision.trace if t.statement == "ListOwn"]
    assert (listing.failed, listing.operator, listing.key, listing.context_value, listing.problem) == (
        "Condition", "StringLike", "s3:prefix", "private/us-east-1:xyz/", "mismatch")
    text = decision.explain()
    assert "Condition StringLike on key s3:prefix was false" in text
    assert "s3:prefix = 'private/us-east-1:xyz/'" in text
    assert "(became 'private/us-east-1:abc/*')" in text


def test_explain_missing_key_and_missing_variable():
    decision = evaluate(req(resource="arn:aws:s3:::b/home/x/y", principal=SESSION),
                        [pol(st(Sid="Home", resource="arn:aws:s3:::b/home/${aws:username}/*")),
                         pol(st(Sid="Team", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))])
    text = decision.explain()
    assert "${aws:username} has a policy variable with no value" in text or "${aws:username} has no value in the request" in text
    assert "the request has no aws:PrincipalTag/team" in text
    [home] = [t for t in decision.trace if t.statement == "Home"]
    assert home.variables == {"${aws:username}": None}


def test_explain_explicit_deny_names_the_statement():
    decision = evaluate(req(), [ALLOW_ALL_S3, pol(st("Deny", Sid="NoB", resource="arn:aws:s3:::b/*"))])
    assert decision.reason == "explicit-deny"
    assert decision.explain().startswith("DENIED (explicit): policy 'identity-based policy #2' statement 'NoB' denies s3:GetObject")


def test_explain_allowed_lists_the_applied_statement():
    decision = evaluate(req(), Policy.parse(pol(st(Sid="Read")), name="reader"))
    text = decision.explain()
    assert text.startswith("ALLOWED: an identity policy allows s3:GetObject on arn:aws:s3:::b/k")
    assert "Policy 'reader' (identity-based) statement 'Read' applied (Allow)." in text


def test_trace_records_which_element_failed():
    doc = pol(
        st(Sid="A", action="s3:PutObject"),
        st(Sid="R", resource="arn:aws:s3:::c/*"),
        st(Sid="C", Condition={"NumericLessThan": {"s3:max-keys": "10"}}),
        st(Sid="Ok"),
    )
    decision = evaluate(req(**k(**{"s3:max-keys": "50"})), [doc])
    assert [(t.statement, t.failed) for t in decision.trace] == [("A", "Action"), ("R", "Resource"), ("C", "Condition"), ("Ok", None)]
    assert decision.trace[2].context_value == "50" and decision.trace[2].written == ("10",)
    bucket = BUCKET_FOR({"AWS": BOB})
    d2 = evaluate(req(), resource_policy=bucket)
    assert d2.trace[0].failed == "Principal" and d2.trace[0].context_value == USER


def test_matched_statements_carry_policy_sid_effect_and_json():
    allow = st(Sid="Read")
    deny = st("Deny", Sid="NotSecret", resource="arn:aws:s3:::b/secret*")
    decision = evaluate(req(resource="arn:aws:s3:::b/secret.txt"), Policy.parse(pol(allow, deny), name="p"))
    assert decision.matched == [
        StatementMatch("p", "identity", "Read", 0, "Allow", allow),
        StatementMatch("p", "identity", "NotSecret", 1, "Deny", deny),
    ]
    assert decision.matched[1].label == "NotSecret"
    assert isinstance(decision, Decision) and decision.reason == "explicit-deny"


# --- Parsing and caching -----------------------------------------------------------------------


def test_parse_is_cached_by_text():
    text = json.dumps(pol(st()))
    assert Policy.parse(text) is Policy.parse(text)
    assert Policy.parse(json.loads(text)) is Policy.parse(json.loads(text))
    assert Policy.parse(text, name="a") is not Policy.parse(text, name="b")
    p = Policy.parse(text, name="a")
    assert Policy.parse(p) is p and p.name == "a" and p.version == "2012-10-17"


def test_policies_as_text_dict_or_policy_agree():
    doc = pol(st(resource="arn:aws:s3:::b/*"))
    results = {evaluate(req(), p).allowed for p in (doc, json.dumps(doc), Policy.parse(doc), [doc])}
    assert results == {True}


def test_single_statement_object_and_scalar_values():
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJ}}
    assert evaluate(req(), [doc]).allowed


def test_context_keys_lookup_is_case_insensitive_both_ways():
    ctx = req(**k(**{"AWS:PRINCIPALTAG/Team": "blue"}))
    assert evaluate(ctx, [when("StringEquals", "aws:principaltag/team", "blue")]).allowed


def test_derived_principal_keys():
    # aws:username is filled in for IAM users only, aws:PrincipalArn for sessions is the role ARN
    assert evaluate(req(), [when("StringEquals", "aws:username", "alice")]).allowed
    assert evaluate(req(principal=SESSION), [when("ArnEquals", "aws:PrincipalArn", ROLE)]).allowed
    assert not evaluate(req(principal=SESSION), [when("StringEquals", "aws:username", "Cognito_Auth")]).allowed
    explicit = req(**k(**{"aws:username": "someone-else"}))
    assert not evaluate(explicit, [when("StringEquals", "aws:username", "alice")]).allowed


def test_default_value_with_escaped_quote():
    ctx = req(resource="arn:aws:s3:::b/it's/x")
    assert evaluate(ctx, [pol(st(resource="arn:aws:s3:::b/${aws:PrincipalTag/dir, 'it''s'}/*"))]).allowed
