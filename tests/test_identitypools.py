"""Cognito identity pools for real: logins checked, one identity per user, roles, credentials IAM knows.

On raw moto (5.2.5) ``get_id`` ignores ``Logins``, ``get_credentials_for_identity`` returns one
constant key pair, role operations are NotImplemented, and a missing pool is a KeyError
(docs/moto-gaps.md). Each test's docstring says what raw moto does instead.
"""

import json

import boto3
import jwt
import pytest
from support import error_of

from labkit.identitypools import quick_identity_pool

GOOGLE_CLIENT = "1234567890-abc.apps.googleusercontent.com"
FB_APP = "1234567890123456"
AMAZON_APP = "amzn1.application.0123456789abcdef"


@pytest.fixture
def sb(tsb):
    """Every test here runs twice, in-process and over HTTP (``transport``): the service does not depend on one."""
    return tsb


@pytest.fixture
def ci(aws):
    return aws("cognito-identity")


@pytest.fixture
def pool(sb):
    """A pool with Google, Facebook and Amazon, guests allowed, default roles."""
    return quick_identity_pool(sb, "Lab", google_client_id=GOOGLE_CLIENT, facebook_app_id=FB_APP, amazon_app_id=AMAZON_APP)


def google(sb, email="alice@gmail.com", client_id=GOOGLE_CLIENT):
    return {"accounts.google.com": sb.idp("google").sign_in(email, client_id=client_id)}


def facebook(sb, email="alice@example.com"):
    return {"graph.facebook.com": sb.idp("facebook").sign_in(email, app_id=FB_APP)}


def creds_client(service, c):
    return boto3.client(service, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"], aws_session_token=c["SessionToken"])


def make_role(name, trust):
    return boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def cognito_trust(pool_id, amr="authenticated"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                                                    "Action": "sts:AssumeRoleWithWebIdentity",
                                                    "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                                                                  "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}}]}


# ------------------------------------------------------------------------------------------------ pools
def test_missing_pool_is_resource_not_found(sb, ci):
    """Raw moto: KeyError from get_id / describe works only by luck."""
    code, message = error_of(ci.get_id, IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000")
    assert code == "ResourceNotFoundException"
    assert message == "IdentityPool 'us-east-1:00000000-0000-4000-8000-000000000000' not found."
    assert error_of(ci.describe_identity_pool, IdentityPoolId="us-east-1:0bad")[0] == "ResourceNotFoundException"
    assert error_of(ci.get_identity_pool_roles, IdentityPoolId="us-east-1:0bad")[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("given", ["us-east-1:nope", "us-east-1_AbCdEf123", "YOUR_IDENTITY_POOL_ID"])
def test_malformed_identity_pool_id_is_a_validation_error(tsb, aws, given):
    """AWS checks the id's pattern before looking it up (issue 18): a user pool id pasted where the identity
    pool id belongs is the classic mistake (aws-sdk-net#445, amplify-swift#2864)."""
    ci = aws("cognito-identity")
    for call in (ci.get_id, ci.describe_identity_pool, ci.get_identity_pool_roles):
        err = error_of(call, IdentityPoolId=given)
        assert (err.code, err.status) == ("ValidationException", 400)
        assert err.message == (f"1 validation error detected: Value '{given}' at 'identityPoolId' failed to satisfy "
                               r"constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+")


def test_create_describe_update_list_delete(sb, ci):
    """Pool ids are <region>:<uuid> from sb.random; UpdateIdentityPool replaces the configuration."""
    pool_id = ci.create_identity_pool(IdentityPoolName="Photos", AllowUnauthenticatedIdentities=False,
                                      SupportedLoginProviders={"accounts.google.com": GOOGLE_CLIENT})["IdentityPoolId"]
    assert pool_id.startswith("us-east-1:") and len(pool_id) == len("us-east-1:") + 36
    desc = ci.describe_identity_pool(IdentityPoolId=pool_id)
    assert desc["SupportedLoginProviders"] == {"accounts.google.com": GOOGLE_CLIENT} and desc["AllowClassicFlow"] is False
    ci.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName="Photos", AllowUnauthenticatedIdentities=True)
    desc = ci.describe_identity_pool(IdentityPoolId=pool_id)
    assert desc["AllowUnauthenticatedIdentities"] is True and desc["SupportedLoginProviders"] == {}
    assert [p["IdentityPoolName"] for p in ci.list_identity_pools(MaxResults=10)["IdentityPools"]] == ["Photos"]
    ci.delete_identity_pool(IdentityPoolId=pool_id)
    assert error_of(ci.describe_identity_pool, IdentityPoolId=pool_id) == ("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")


# ------------------------------------------------------------------------------------------------ GetId
def test_closed_pool_refuses_guests(sb, ci):
    """Raw moto: a pool with AllowUnauthenticatedIdentities=False still hands out identities."""
    info = quick_identity_pool(sb, "Closed", allow_guests=False, google_client_id=GOOGLE_CLIENT)
    assert error_of(ci.get_id, IdentityPoolId=info["IdentityPoolId"]) == (
        "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")


@pytest.mark.parametrize("token, message", [
    ("not-a-jwt", "Invalid login token. Not a valid OpenId Connect identity token."),
    ("a.b.c", "Invalid login token. Not a valid OpenId Connect identity token."),
])
def test_garbage_login_is_refused(sb, ci, pool, token, message):
    """Raw moto: any string in Logins gets an identity."""
    assert error_of(ci.get_id, IdentityPoolId=pool["IdentityPoolId"], Logins={"accounts.google.com": token}) == ("NotAuthorizedException", message)


def test_wrong_audience_expired_and_forged_google_tokens(sb, ci, pool):
    """Raw moto: audience, expiry and signature are never checked."""
    pid = pool["IdentityPoolId"]
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins=google(sb, client_id="other.apps.googleusercontent.com")) == (
        "NotAuthorizedException", "Invalid login token. Incorrect token audience.")
    logins = google(sb)
    exp = jwt.decode(logins["accounts.google.com"], options={"verify_signature": False})["exp"]
    sb.advance(3601)
    code, message = error_of(ci.get_id, IdentityPoolId=pid, Logins=logins)
    assert code == "NotAuthorizedException" and message.startswith("Invalid login token. Token expired: ") and message.endswith(f" >= {exp}")
    forged = sb.idp("oidc", issuer="https://evil.example.com")  # right claims, wrong key
    token = jwt.encode({"iss": "https://accounts.google.com", "aud": GOOGLE_CLIENT, "sub": "1", "exp": int(sb.clock.time()) + 60},
                       forged.key.private_key, algorithm="RS256", headers={"kid": sb.keys.for_owner("https://accounts.google.com").kid})
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={"accounts.google.com": token}) == (
        "NotAuthorizedException", "Invalid login token. Couldn't verify signed token.")


def test_provider_not_configured_on_pool(sb, ci):
    """Raw moto: a login from a provider the pool does not trust still gets an identity."""
    info = quick_identity_pool(sb, "GoogleOnly", google_client_id=GOOGLE_CLIENT)
    assert error_of(ci.get_id, IdentityPoolId=info["IdentityPoolId"], Logins=facebook(sb)) == (
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool.")


def test_same_user_same_identity_every_time(sb, ci, pool):
    """Raw moto: the same user twice gets two identities."""
    pid = pool["IdentityPoolId"]
    first = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    assert ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"] == first
    assert ci.get_id(IdentityPoolId=pid, Logins=google(sb, "bob@gmail.com"))["IdentityId"] != first
    guest1, guest2 = (ci.get_id(IdentityPoolId=pid)["IdentityId"] for _ in range(2))
    assert guest1 != guest2  # every GetId without logins is a new guest


def test_several_providers_link_to_one_identity(sb, ci, pool):
    """Google + Facebook in one call link to one identity; afterwards either alone finds it (moto: no linking)."""
    pid = pool["IdentityPoolId"]
    both = {**google(sb), **facebook(sb)}
    iid = ci.get_id(IdentityPoolId=pid, Logins=both)["IdentityId"]
    assert ci.get_id(IdentityPoolId=pid, Logins=facebook(sb))["IdentityId"] == iid
    assert ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"] == iid
    assert sorted(ci.describe_identity(IdentityId=iid)["Logins"]) == ["accounts.google.com", "graph.facebook.com"]


def test_identities_of_two_providers_merge(sb, ci, pool):
    """Two identities (Google alice; Facebook alice) merge when one call presents both logins."""
    pid = pool["IdentityPoolId"]
    a = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    b = ci.get_id(IdentityPoolId=pid, Logins=facebook(sb))["IdentityId"]
    assert a != b
    merged = ci.get_id(IdentityPoolId=pid, Logins={**google(sb), **facebook(sb)})["IdentityId"]
    assert merged == a
    assert error_of(ci.describe_identity, IdentityId=b)[0] == "ResourceNotFoundException"


def test_conflicting_logins_are_a_resource_conflict(sb, ci, pool):
    """An identity holds one login per provider: merging Google-alice with (Google-bob + Facebook-carol) conflicts."""
    pid = pool["IdentityPoolId"]
    alice = ci.get_id(IdentityPoolId=pid, Logins=google(sb, "alice@gmail.com"))["IdentityId"]
    bob = ci.get_id(IdentityPoolId=pid, Logins={**google(sb, "bob@gmail.com"), **facebook(sb, "carol@example.com")})["IdentityId"]
    code, _ = error_of(ci.get_id, IdentityPoolId=pid, Logins={**google(sb, "alice@gmail.com"), **facebook(sb, "carol@example.com")})
    assert code == "ResourceConflictException"
    assert ci.get_id(IdentityPoolId=pid, Logins=facebook(sb, "carol@example.com"))["IdentityId"] == bob  # nothing changed
    assert ci.describe_identity(IdentityId=alice)["Logins"] == ["accounts.google.com"]


# ------------------------------------------------------------------------------------------------ guests
def test_guest_upgrade_keeps_identity_id(sb, ci, pool):
    """A guest who signs in keeps its identity id; afterwards the id needs the login (moto: no logins at all)."""
    pid = pool["IdentityPoolId"]
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    guest_creds = ci.get_credentials_for_identity(IdentityId=guest)
    assert sb.issued.get(guest_creds["Credentials"]["AccessKeyId"]).role_arn == pool["UnauthenticatedRoleArn"]
    signed_in = ci.get_credentials_for_identity(IdentityId=guest, Logins=google(sb))
    assert signed_in["IdentityId"] == guest
    assert sb.issued.get(signed_in["Credentials"]["AccessKeyId"]).role_arn == pool["AuthenticatedRoleArn"]
    assert ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"] == guest
    assert error_of(ci.get_credentials_for_identity, IdentityId=guest) == ("NotAuthorizedException", f"Access to Identity '{guest}' is forbidden.")


def test_guest_signing_in_as_known_user_is_merged_into_that_identity(sb, ci, pool):
    pid = pool["IdentityPoolId"]
    alice = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    assert ci.get_credentials_for_identity(IdentityId=guest, Logins=google(sb))["IdentityId"] == alice
    assert error_of(ci.describe_identity, IdentityId=guest)[0] == "ResourceNotFoundException"


def test_another_users_identity_is_not_yours(sb, ci, pool):
    """Logins must include one of the identity's own logins (moto: any identity id works)."""
    pid = pool["IdentityPoolId"]
    alice = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=alice, Logins=google(sb, "mallory@gmail.com")) == (
        "NotAuthorizedException", "Logins don't match. Please include at least one valid login for this identity or identity pool.")
    assert error_of(ci.get_credentials_for_identity, IdentityId="us-east-1:00000000-0000-4000-8000-000000000000")[0] == "ResourceNotFoundException"


# ------------------------------------------------------------------------------------------------ credentials
def test_credentials_are_the_roles_and_known_to_iam(sb, ci, pool):
    """Raw moto: TESTACCESSKEY12345 for everybody, 90 s, unknown to IAM."""
    pid = pool["IdentityPoolId"]
    iid = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    answer = ci.get_credentials_for_identity(IdentityId=iid, Logins=google(sb))
    c = answer["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and c["AccessKeyId"] != "TESTACCESSKEY12345"
    who = creds_client("sts", c).get_caller_identity()
    assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/Cognito_LabAuth_Role/CognitoIdentityCredentials"
    assert who["UserId"].startswith("AROA") and who["UserId"].endswith(":CognitoIdentityCredentials")
    issued = sb.issued.get(c["AccessKeyId"])
    assert 3000 < issued.expiration - sb.clock.time() <= 3600  # one hour (moto: 90 s)
    assert int(c["Expiration"].timestamp()) == int(issued.expiration)
    assert issued.identity_id == iid
    ctx = issued.context
    assert ctx["cognito-identity.amazonaws.com:sub"] == iid and ctx["cognito-identity.amazonaws.com:aud"] == pid
    assert ctx["cognito-identity.amazonaws.com:amr"][:2] == ["authenticated", "accounts.google.com"]
    assert ctx["accounts.google.com:sub"] == sb.idp("google").users["alice@gmail.com"].subject
    assert ctx["aws:userid"] == who["UserId"]
    other = ci.get_credentials_for_identity(IdentityId=iid, Logins=google(sb))["Credentials"]
    assert other["AccessKeyId"] != c["AccessKeyId"]


def test_pool_without_roles_is_invalid_configuration(sb, ci):
    """Raw moto: credentials without any role."""
    pid = ci.create_identity_pool(IdentityPoolName="NoRoles", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=guest) == (
        "InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")


def test_quick_identity_pool_runs_again_and_its_roles_trust_the_new_pool(sb, ci):
    """A notebook cell calling quick_identity_pool may run twice: the second call meets the roles of the first
    (CreateRole says EntityAlreadyExists), keeps them and points their trust policies at the new pool, so
    guests of the new pool get the guest role and guests of the old one no longer do."""
    first = quick_identity_pool(sb, "Again")
    second = quick_identity_pool(sb, "Again")
    assert second["IdentityPoolId"] != first["IdentityPoolId"]
    assert (second["AuthenticatedRoleArn"], second["UnauthenticatedRoleArn"]) == (first["AuthenticatedRoleArn"], first["UnauthenticatedRoleArn"])
    iam = boto3.client("iam")
    trust = iam.get_role(RoleName="Cognito_AgainUnauth_Role")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"] == second["IdentityPoolId"]
    assert iam.list_role_policies(RoleName="Cognito_AgainUnauth_Role")["PolicyNames"] == ["oneClick_Cognito_AgainUnauth_Role"]
    new_guest = ci.get_id(IdentityPoolId=second["IdentityPoolId"])["IdentityId"]
    c = ci.get_credentials_for_identity(IdentityId=new_guest)["Credentials"]
    assert creds_client("sts", c).get_caller_identity()["Arn"].endswith(":assumed-role/Cognito_AgainUnauth_Role/CognitoIdentityCredentials")
    old_guest = ci.get_id(IdentityPoolId=first["IdentityPoolId"])["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=old_guest)[0] == "InvalidIdentityPoolConfigurationException"


def test_role_trusting_another_pool_is_invalid_configuration(sb, ci, pool):
    """The enhanced flow evaluates the role's trust policy (raw moto ignores it)."""
    pid = pool["IdentityPoolId"]
    foreign = make_role("TrustsAnotherPool", cognito_trust("us-east-1:11111111-1111-4111-8111-111111111111", "unauthenticated"))
    unauth_only = make_role("GuestsOnly", cognito_trust(pid, "unauthenticated"))
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"unauthenticated": foreign, "authenticated": unauth_only})
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=guest)[0] == "InvalidIdentityPoolConfigurationException"
    iid = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=iid, Logins=google(sb))[0] == "InvalidIdentityPoolConfigurationException"


# ------------------------------------------------------------------------------------------------ roles
def test_set_and_get_roles_with_mappings(sb, ci, pool):
    """Raw moto: NotImplementedError for both operations."""
    pid = pool["IdentityPoolId"]
    mapping = {"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [
        {"Claim": "email", "MatchType": "Equals", "Value": "x@gmail.com", "RoleARN": pool["AuthenticatedRoleArn"]}]}}}
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": pool["AuthenticatedRoleArn"]}, RoleMappings=mapping)
    got = ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert got["Roles"] == {"authenticated": pool["AuthenticatedRoleArn"]} and got["RoleMappings"] == mapping
    assert error_of(ci.set_identity_pool_roles, IdentityPoolId=pid, Roles={"authenticated": "Cognito_LabAuth_Role_by_name"}) == (
        "NotAuthorizedException", "Access to Role 'Cognito_LabAuth_Role_by_name' is forbidden.")
    code, message = error_of(ci.set_identity_pool_roles, IdentityPoolId=pid, Roles={}, RoleMappings={"login.example.com": mapping["accounts.google.com"]})
    assert code == "InvalidParameterException" and "not a valid RoleMapping ProviderName" in message


@pytest.mark.parametrize("match, value, expect", [
    ("Equals", "alice@gmail.com", "Admins"), ("Contains", "@gmail", "Admins"), ("StartsWith", "alice", "Admins"),
    ("NotEqual", "bob@gmail.com", "Admins"), ("Equals", "bob@gmail.com", "default"),
])
def test_rules_role_mapping(sb, ci, pool, match, value, expect):
    """Rules on a claim choose the role; no match falls back to the authenticated role (AuthenticatedRole)."""
    pid = pool["IdentityPoolId"]
    admins = make_role("Admins", cognito_trust(pid))
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": pool["AuthenticatedRoleArn"], "unauthenticated": pool["UnauthenticatedRoleArn"]},
                               RoleMappings={"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                                                                     "RulesConfiguration": {"Rules": [{"Claim": "email", "MatchType": match, "Value": value, "RoleARN": admins}]}}})
    iid = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins=google(sb))["Credentials"]
    role = sb.issued.get(c["AccessKeyId"]).role_arn
    assert role == (admins if expect == "Admins" else pool["AuthenticatedRoleArn"])


def test_ambiguous_rules_with_deny_refuse(sb, ci, pool):
    pid = pool["IdentityPoolId"]
    admins = make_role("Admins", cognito_trust(pid))
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": pool["AuthenticatedRoleArn"]},
                               RoleMappings={"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
                                                                     "RulesConfiguration": {"Rules": [{"Claim": "email", "MatchType": "Equals", "Value": "root@gmail.com", "RoleARN": admins}]}}})
    iid = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    code, message = error_of(ci.get_credentials_for_identity, IdentityId=iid, Logins=google(sb))
    assert code == "NotAuthorizedException" and "ambiguous role mapping" in message


# ------------------------------------------------------------------------------------------------ user pools
@pytest.fixture
def user_pool(sb):
    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="Users")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    return pool_id, client_id


def mint_id_token(sb, pool_id, client_id, sub="11111111-2222-4333-8444-555555555555", username="alice", lifetime=3600, **claims):
    """An ID token as the user pool would issue it, signed with the pool's sandbox key (test helper)."""
    key = sb.keys.for_owner(pool_id)
    now = int(sb.clock.time())
    body = {"sub": sub, "iss": f"https://cognito-idp.{sb.region}.amazonaws.com/{pool_id}", "aud": client_id, "token_use": "id",
            "cognito:username": username, "auth_time": now, "iat": now, "exp": now + lifetime, **claims}
    return jwt.encode(body, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def test_user_pool_logins_are_checked(sb, ci, user_pool):
    """Issuer, audience (app client), token_use and the pool's own key (moto: any string)."""
    pool_id, client_id = user_pool
    info = quick_identity_pool(sb, "WithUsers", allow_guests=False, user_pool=user_pool)
    pid = info["IdentityPoolId"]
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    iid = ci.get_id(IdentityPoolId=pid, Logins={provider: mint_id_token(sb, pool_id, client_id)})["IdentityId"]
    assert ci.get_id(IdentityPoolId=pid, Logins={provider: mint_id_token(sb, pool_id, client_id)})["IdentityId"] == iid
    # an app client the identity pool does not list (AWS's wording, amplify-js#559)
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={provider: mint_id_token(sb, pool_id, "otherclient")}) == (
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool.")
    other = boto3.client("cognito-idp").create_user_pool(PoolName="Other")["UserPool"]["Id"]
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={provider: mint_id_token(sb, other, client_id)}) == (
        "NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")
    access = mint_id_token(sb, pool_id, client_id, token_use="access")
    access_claims = jwt.decode(access, options={"verify_signature": False})
    del access_claims["aud"]
    key = sb.keys.for_owner(pool_id)
    access = jwt.encode(access_claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={provider: access}) == (
        "NotAuthorizedException", "Invalid login token. Missing a required claim: aud")


def test_a_logins_key_that_is_not_the_tokens_issuer(sb, ci, user_pool):
    """A user-pool ID token under a mistyped key is "Issuer doesn't match providerName" (AWS's text in
    aws-sdk-android#444: key cognito-idp.eu_west_1...; aws-sdk-ios#438: "(null)/<pool id>"; amazon-cognito-identity-js#391,
    #407), not an unsupported provider; a key that is the issuer of a pool the identity pool does not list stays
    "not from a supported provider"."""
    pool_id, client_id = user_pool
    pid = quick_identity_pool(sb, "Keys", allow_guests=False, user_pool=user_pool)["IdentityPoolId"]
    token = mint_id_token(sb, pool_id, client_id)
    for key in (f"cognito-idp.us_east_1.amazonaws.com/{pool_id}", f"cognito-idp.amazonaws.com/{pool_id}", pool_id, "loginKey"):
        assert error_of(ci.get_id, IdentityPoolId=pid, Logins={key: token}) == (
            "NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName"), key
    other = boto3.client("cognito-idp").create_user_pool(PoolName="Unlisted")["UserPool"]["Id"]
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={f"cognito-idp.us-east-1.amazonaws.com/{other}": mint_id_token(sb, other, client_id)}) == (
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool.")


def test_server_side_token_check_refuses_disabled_users(sb, ci, user_pool):
    pool_id, client_id = user_pool
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    pid = ci.create_identity_pool(IdentityPoolName="SSTC", AllowUnauthenticatedIdentities=False,
                                  CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": True}])["IdentityPoolId"]
    token = mint_id_token(sb, pool_id, client_id)
    ci.get_id(IdentityPoolId=pid, Logins={provider: token})
    boto3.client("cognito-idp").admin_disable_user(UserPoolId=pool_id, Username="alice")
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={provider: token})[0] == "NotAuthorizedException"


def test_token_role_mapping_from_user_pool_groups(sb, ci, user_pool):
    """Type Token: cognito:preferred_role wins; CustomRoleArn must be one of cognito:roles (moto: NotImplemented)."""
    pool_id, client_id = user_pool
    info = quick_identity_pool(sb, "Groups", allow_guests=False, user_pool=user_pool)
    pid = info["IdentityPoolId"]
    editors, viewers = make_role("Editors", cognito_trust(pid)), make_role("Viewers", cognito_trust(pid))
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": info["AuthenticatedRoleArn"]},
                               RoleMappings={f"{provider}:{client_id}": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})

    def role_for(token, **kw):
        iid = ci.get_id(IdentityPoolId=pid, Logins={provider: token})["IdentityId"]
        c = ci.get_credentials_for_identity(IdentityId=iid, Logins={provider: token}, **kw)["Credentials"]
        return sb.issued.get(c["AccessKeyId"]).role_arn

    both = {"cognito:groups": ["editors", "viewers"], "cognito:roles": [editors, viewers]}
    assert role_for(mint_id_token(sb, pool_id, client_id, **both, **{"cognito:preferred_role": viewers})) == viewers
    token = mint_id_token(sb, pool_id, client_id, **both)
    assert role_for(token, CustomRoleArn=editors) == editors
    iid = ci.get_id(IdentityPoolId=pid, Logins={provider: token})["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=iid, Logins={provider: token})[0] == "NotAuthorizedException"  # ambiguous + Deny
    assert error_of(ci.get_credentials_for_identity, IdentityId=iid, Logins={provider: token}, CustomRoleArn=info["AuthenticatedRoleArn"])[0] == "NotAuthorizedException"
    assert role_for(mint_id_token(sb, pool_id, client_id, **{"cognito:roles": [editors]})) == editors


# ------------------------------------------------------------------------------------------------ other providers
def test_amazon_and_registered_oidc_logins(sb, ci):
    """Login with Amazon (app id) and an IAM-registered OIDC provider (ClientIDList) are both checked."""
    boto3.client("iam").create_open_id_connect_provider(Url="https://login.example.com", ClientIDList=["my-client"], ThumbprintList=["a" * 40])
    arn = "arn:aws:iam::123456789012:oidc-provider/login.example.com"
    pid = ci.create_identity_pool(IdentityPoolName="Mixed", AllowUnauthenticatedIdentities=False, SupportedLoginProviders={"www.amazon.com": AMAZON_APP},
                                  OpenIdConnectProviderARNs=[arn])["IdentityPoolId"]
    oidc = sb.idp("oidc", issuer="https://login.example.com")
    iid = ci.get_id(IdentityPoolId=pid, Logins={"login.example.com": oidc.sign_in("h@example.com", client_id="my-client")})["IdentityId"]
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={"login.example.com": oidc.sign_in("h@example.com", client_id="nope")}) == (
        "NotAuthorizedException", "Invalid login token. Incorrect token audience.")
    amazon = sb.idp("amazon").sign_in("h@example.com", app_id=AMAZON_APP)
    linked = ci.get_id(IdentityPoolId=pid, Logins={"login.example.com": oidc.sign_in("h@example.com", client_id="my-client"), "www.amazon.com": amazon})
    assert linked["IdentityId"] == iid
    wrong_app = sb.idp("amazon").sign_in("h@example.com", app_id="amzn1.application.ffff")
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={"www.amazon.com": wrong_app})[1] == "Invalid login token. Incorrect token audience."


# ------------------------------------------------------------------------------------------------ basic flow token
def test_get_open_id_token_is_a_signed_jwt(served_sb):
    """Raw moto returns the identity id as the 'token'. JWKS served at /.well-known/jwks_uri."""
    import urllib.request

    ci = boto3.client("cognito-identity")
    info = quick_identity_pool(served_sb, "Basic", google_client_id=GOOGLE_CLIENT, allow_classic_flow=True)
    pid = info["IdentityPoolId"]
    guest = ci.get_id(IdentityPoolId=pid)["IdentityId"]
    token = ci.get_open_id_token(IdentityId=guest)["Token"]
    with urllib.request.urlopen(f"{served_sb.endpoint_url}/.well-known/jwks_uri", timeout=5) as resp:
        jwks = json.loads(resp.read())
    assert jwks == served_sb.components["identitypools"].jwks()  # the same keys in-process
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=pid, options={"verify_exp": False})
    assert claims["iss"] == "https://cognito-identity.amazonaws.com" and claims["sub"] == guest and claims["amr"] == ["unauthenticated"]
    assert claims["exp"] - claims["iat"] == 600
    logins = {"accounts.google.com": served_sb.idp("google").sign_in("a@gmail.com", client_id=GOOGLE_CLIENT)}
    iid = ci.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"]
    amr = jwt.decode(ci.get_open_id_token(IdentityId=iid, Logins=logins)["Token"], options={"verify_signature": False})["amr"]
    assert amr[:2] == ["authenticated", "accounts.google.com"] and amr[2].startswith(f"accounts.google.com:{GOOGLE_CLIENT}:")


def test_basic_flow_needs_allow_classic_flow(sb, ci, pool):
    guest = ci.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
    assert error_of(ci.get_open_id_token, IdentityId=guest) == (
        "InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow.")


# ------------------------------------------------------------------------------------------------ developer identities
def test_developer_authenticated_identities(sb, ci):
    """GetOpenIdTokenForDeveloperIdentity, Lookup, Merge, Unlink (raw moto: NotImplemented or fake token)."""
    pid = ci.create_identity_pool(IdentityPoolName="Dev", AllowUnauthenticatedIdentities=False, DeveloperProviderName="login.mycompany.myapp")["IdentityPoolId"]
    trust = cognito_trust(pid)
    role = make_role("DevAuth", trust)
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": role})
    first = ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, Logins={"login.mycompany.myapp": "user-1"}, TokenDuration=900)
    again = ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, Logins={"login.mycompany.myapp": "user-1"})
    assert again["IdentityId"] == first["IdentityId"]
    iid = first["IdentityId"]
    # the token is a login of provider cognito-identity.amazonaws.com for the enhanced flow
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins={"cognito-identity.amazonaws.com": first["Token"]})
    assert sb.issued.get(c["Credentials"]["AccessKeyId"]).role_arn == role
    assert ci.lookup_developer_identity(IdentityPoolId=pid, DeveloperUserIdentifier="user-1", MaxResults=10)["IdentityId"] == iid
    second = ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, Logins={"login.mycompany.myapp": "user-2"})["IdentityId"]
    code, _ = error_of(ci.get_open_id_token_for_developer_identity, IdentityPoolId=pid, IdentityId=second, Logins={"login.mycompany.myapp": "user-1"})
    assert code == "DeveloperUserAlreadyRegisteredException"
    merged = ci.merge_developer_identities(SourceUserIdentifier="user-2", DestinationUserIdentifier="user-1",
                                           DeveloperProviderName="login.mycompany.myapp", IdentityPoolId=pid)
    assert merged["IdentityId"] == iid
    assert sorted(ci.lookup_developer_identity(IdentityPoolId=pid, IdentityId=iid, MaxResults=10)["DeveloperUserIdentifierList"]) == ["user-1", "user-2"]
    ci.unlink_developer_identity(IdentityId=iid, IdentityPoolId=pid, DeveloperProviderName="login.mycompany.myapp", DeveloperUserIdentifier="user-2")
    assert error_of(ci.lookup_developer_identity, IdentityPoolId=pid, DeveloperUserIdentifier="user-2", MaxResults=10)[0] == "ResourceNotFoundException"


def test_unlink_list_and_delete_identities(sb, ci, pool):
    """UnlinkIdentity, ListIdentities, DeleteIdentities, DescribeIdentity (raw moto: NotImplemented / no logins)."""
    pid = pool["IdentityPoolId"]
    iid = ci.get_id(IdentityPoolId=pid, Logins={**google(sb), **facebook(sb)})["IdentityId"]
    ci.unlink_identity(IdentityId=iid, Logins=google(sb), LoginsToRemove=["graph.facebook.com"])
    assert ci.describe_identity(IdentityId=iid)["Logins"] == ["accounts.google.com"]
    assert ci.get_id(IdentityPoolId=pid, Logins=facebook(sb))["IdentityId"] != iid  # unlinked logins are new identities
    listed = ci.list_identities(IdentityPoolId=pid, MaxResults=10)["Identities"]
    assert iid in [i["IdentityId"] for i in listed] and len(listed) == 2
    assert ci.delete_identities(IdentityIdsToDelete=[iid])["UnprocessedIdentityIds"] == []
    assert error_of(ci.describe_identity, IdentityId=iid) == ("ResourceNotFoundException", f"Identity '{iid}' not found.")


# ------------------------------------------------------------------------------------------------ the whole chain
def test_whole_chain_sign_in_to_aws_call(sb, ci):
    """Google sign-in -> GetId -> GetCredentialsForIdentity -> STS shows the mapped role (moto: constant keys)."""
    info = quick_identity_pool(sb, "Chain", allow_guests=False, google_client_id=GOOGLE_CLIENT)
    pid = info["IdentityPoolId"]
    staff = make_role("Staff", cognito_trust(pid))
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": info["AuthenticatedRoleArn"]},
                               RoleMappings={"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                                                                     "RulesConfiguration": {"Rules": [{"Claim": "email", "MatchType": "StartsWith", "Value": "staff.", "RoleARN": staff}]}}})
    token = sb.idp("google").sign_in("staff.alice@gmail.com", client_id=GOOGLE_CLIENT)
    iid = ci.get_id(IdentityPoolId=pid, Logins={"accounts.google.com": token})["IdentityId"]
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins={"accounts.google.com": token})["Credentials"]
    who = creds_client("sts", c).get_caller_identity()
    assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/Staff/CognitoIdentityCredentials"


def test_whole_chain_with_user_pool_sign_in_and_group_role(sb, ci):
    """User-pool sign-in (USER_PASSWORD_AUTH) -> GetId -> GetCredentialsForIdentity with a Token role mapping:
    the group's role (cognito:roles) is the one STS reports (moto: constant keys, no role at all)."""
    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="Staff")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    info = quick_identity_pool(sb, "StaffApp", allow_guests=False, user_pool=(pool_id, client_id))
    pid = info["IdentityPoolId"]
    editors = make_role("Editors", cognito_trust(pid))
    idp.create_group(UserPoolId=pool_id, GroupName="editors", RoleArn=editors)
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password="Corr3ct-horse!", Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName="editors")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": info["AuthenticatedRoleArn"]},
                               RoleMappings={f"{provider}:{client_id}": {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}})
    id_token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "alice", "PASSWORD": "Corr3ct-horse!"})["AuthenticationResult"]["IdToken"]
    iid = ci.get_id(IdentityPoolId=pid, Logins={provider: id_token})["IdentityId"]
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins={provider: id_token})["Credentials"]
    assert creds_client("sts", c).get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/Editors/CognitoIdentityCredentials"


def test_server_side_token_check_refuses_signed_out_sessions(sb, ci):
    """ServerSideTokenCheck asks the user pool: after GlobalSignOut the same ID token is refused (moto: never checked)."""
    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="Checked")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password="Corr3ct-horse!", Permanent=True)
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    pid = ci.create_identity_pool(IdentityPoolName="Checked", AllowUnauthenticatedIdentities=False,
                                  CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": True}])["IdentityPoolId"]
    id_token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "alice", "PASSWORD": "Corr3ct-horse!"})["AuthenticationResult"]["IdToken"]
    ci.get_id(IdentityPoolId=pid, Logins={provider: id_token})
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="alice")
    assert error_of(ci.get_id, IdentityPoolId=pid, Logins={provider: id_token})[0] == "NotAuthorizedException"


def test_identity_pool_is_one_truth_for_both_transports(sb, ci):
    """The identity an app gets by its transport is the one an in-process client sees (one state, two transports)."""
    info = quick_identity_pool(sb, "Web", google_client_id=GOOGLE_CLIENT)
    logins = {"accounts.google.com": sb.idp("google").sign_in("web@gmail.com", client_id=GOOGLE_CLIENT)}
    iid = ci.get_id(IdentityPoolId=info["IdentityPoolId"], Logins=logins)["IdentityId"]
    assert boto3.client("cognito-identity").get_id(IdentityPoolId=info["IdentityPoolId"], Logins=logins)["IdentityId"] == iid
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins=logins)["Credentials"]
    assert sb.issued.get(c["AccessKeyId"]).role_arn == info["AuthenticatedRoleArn"]
    assert error_of(ci.get_id, IdentityPoolId="us-east-1:0bad")[0] == "ResourceNotFoundException"


def test_principal_tags_need_tag_session_in_the_trust_policy(sb, ci, pool):
    """Attributes for access control: mapped claims become aws:PrincipalTag/<tag> session tags, and the role's
    trust policy must also allow sts:TagSession (raw moto: Set/GetPrincipalTagAttributeMap not implemented)."""
    pid = pool["IdentityPoolId"]
    answer = ci.set_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName="accounts.google.com", UseDefaults=True)
    assert answer["PrincipalTags"] == {"username": "sub", "client": "aud"}
    assert ci.get_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName="accounts.google.com")["UseDefaults"] is True
    iid = ci.get_id(IdentityPoolId=pid, Logins=google(sb))["IdentityId"]
    assert error_of(ci.get_credentials_for_identity, IdentityId=iid, Logins=google(sb))[0] == "InvalidIdentityPoolConfigurationException"
    trust = cognito_trust(pid)
    trust["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    boto3.client("iam").update_assume_role_policy(RoleName="Cognito_LabAuth_Role", PolicyDocument=json.dumps(trust))
    c = ci.get_credentials_for_identity(IdentityId=iid, Logins=google(sb))["Credentials"]
    context = sb.issued.get(c["AccessKeyId"]).context
    assert context["aws:PrincipalTag/username"] == sb.idp("google").users["alice@gmail.com"].subject
    assert context["aws:PrincipalTag/client"] == GOOGLE_CLIENT
    code, _ = error_of(ci.set_principal_tag_attribute_map, IdentityPoolId=pid, IdentityProviderName="login.example.com", PrincipalTags={"a": "sub"})
    assert code == "InvalidParameterException"
