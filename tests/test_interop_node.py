"""Real JavaScript clients against the served sandbox (issue 15 item 8), one test per client.

Each test sets the sandbox up with plain boto3 (as a learner's notebook would), then runs a node script from
``tests/node/`` (JSON arguments in, the steps it took out) with the pinned npm packages of
:mod:`node_support` (installed once into ``.cache/node-interop/``; node and npm must be on PATH, or these
tests fail, loudly). The script checks each answer as the client's own code does; the test then checks, in
``sb.calls``, that the sandbox really was asked what the client claims (SRP's PASSWORD_VERIFIER,
GetTokensFromRefreshToken...). Raw moto serves no hosted UI, discovery, HTTP inbox, USER_AUTH or
GetTokensFromRefreshToken, so each of these fails on it.
"""

from __future__ import annotations

import json

import boto3
import pytest

import node_support
from labkit.identitypools import quick_identity_pool
from labkit.wire import addressing

pytestmark = pytest.mark.node

CALLBACK = "http://localhost:3000/callback"
SIGNED_OUT = "http://localhost:3000/signed-out"
PASSWORD = "Passw0rd!"
BUCKET = "notes-bucket"


@pytest.fixture(scope="module")
def node():
    """The installed packages (npm, once per package list); the test fails if node or npm is missing."""
    return node_support.install()


def operations(sb) -> list[str]:
    return [c.operation for c in sb.calls if c.operation]


def hosted_ui_pool(sb):
    """A pool with a domain, a public app client for the code flow, and alice."""
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="shop-demo", UserPoolId=pool)
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", CallbackURLs=[CALLBACK], LogoutURLs=[SIGNED_OUT], AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid", "email", "profile"],
        SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    return {"discovery": addressing.discovery_url(sb.endpoint_url, pool), "endpoint": sb.endpoint_url, "poolId": pool,
            "clientId": client, "callback": CALLBACK, "signedOut": SIGNED_OUT, "username": "alice", "password": PASSWORD,
            "issuer": f"https://cognito-idp.{sb.region}.amazonaws.com/{pool}"}


def app_pools(sb):
    """An app's back end: a user pool (email as username; password, SRP, refresh and choice-based sign-in with
    email codes), an identity pool whose authenticated role may use its own prefix of a bucket."""
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"], UsernameAttributes=["email"],
                                Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
    ids = quick_identity_pool(sb, "App", allow_guests=False, user_pool=(pool, client))
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    boto3.client("iam").put_role_policy(
        RoleName=ids["AuthenticatedRoleArn"].rsplit("/", 1)[1], PolicyName="own-prefix",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"arn:aws:s3:::{BUCKET}/private/${{cognito-identity.amazonaws.com:sub}}/*"}]}))
    creds = sb.admin_credentials
    return {"endpoint": sb.endpoint_url, "region": sb.region, "poolId": pool, "clientId": client,
            "identityPoolId": ids["IdentityPoolId"], "bucket": BUCKET, "email": "bob@example.com", "password": PASSWORD,
            "username": "bob@example.com",
            "admin": {"accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"]}}


def test_openid_client(node, served_sb):
    """openid-client 6 from the served discovery URL (allowInsecureRequests only): authorize with PKCE, token,
    ID token claims and signature, userInfo, refresh, revoke, logout."""
    out = node_support.run("openid_client.mjs", hosted_ui_pool(served_sb))
    assert out["steps"][-1] == f"logout: {SIGNED_OUT}" and len(out["steps"]) == 10, out["steps"]
    ops = operations(served_sb)
    for endpoint in ("GET /oauth2/authorize", "POST /login", "POST /oauth2/token", "GET /oauth2/userInfo",
                     "POST /oauth2/revoke", "GET /logout"):
        assert endpoint in ops, (endpoint, ops)


def test_oidc_client_ts(node, served_sb):
    """oidc-client-ts's OidcClient with metadataUrl = the served discovery URL."""
    out = node_support.run("oidc_client_ts.mjs", hosted_ui_pool(served_sb))
    assert "refresh after revoke refused: invalid_grant" in out["steps"] and out["steps"][-1] == f"logout: {SIGNED_OUT}"
    assert operations(served_sb).count("POST /oauth2/token") >= 3  # code, refresh, the refused refresh


def test_aws_jwt_verify(node, served_sb):
    """aws-jwt-verify: JwtVerifier from the discovery document, CognitoJwtVerifier through SimpleJwksCache's
    documented fetcher option; a forged signature and a token of the wrong use are refused."""
    args = hosted_ui_pool(served_sb)
    tokens = boto3.client("cognito-idp").initiate_auth(
        ClientId=args["clientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
    out = node_support.run("aws_jwt_verify.mjs", {**args, "idToken": tokens["IdToken"], "accessToken": tokens["AccessToken"]})
    assert out["steps"][3] == "forged signature refused: JwtInvalidSignatureError"
    assert out["steps"][4] == "access token refused as an ID token: CognitoJwtInvalidTokenUseError"
    jwks = f"{served_sb.endpoint_url}/cognito-idp.{served_sb.region}.amazonaws.com/{args['poolId']}/.well-known/jwks.json"
    assert set(out["fetched"]) == {jwks}


def test_aws_sdk_v3_with_identity_pool_credentials_and_s3(node, served_sb):
    """@aws-sdk/client-cognito-identity-provider, @aws-sdk/credential-providers fromCognitoIdentityPool,
    @aws-sdk/client-s3 (with the code read from the HTTP inbox)."""
    out = node_support.run("aws_sdk_v3.mjs", app_pools(served_sb))
    assert out["steps"][-1] == "S3 PutObject elsewhere denied: AccessDenied 403"
    ops = operations(served_sb)
    assert {"SignUp", "ConfirmSignUp", "InitiateAuth", "GetUser", "GetId", "GetCredentialsForIdentity"} <= set(ops)
    obj = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"private/{out['identityId']}/note.txt")
    assert obj["Body"].read() == b"hello from node"


def test_amazon_cognito_identity_js_srp(node, served_sb):
    """amazon-cognito-identity-js: SRP sign-in (its `endpoint` option), attributes, refresh, a wrong password."""
    args = app_pools(served_sb)
    idp = boto3.client("cognito-idp")
    idp.admin_create_user(UserPoolId=args["poolId"], Username=args["email"], MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": args["email"]}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=args["poolId"], Username=args["email"], Password=PASSWORD, Permanent=True)
    out = node_support.run("cognito_identity_js.mjs", args)
    assert out["steps"][-1] == "wrong password: NotAuthorizedException: Incorrect username or password."
    challenges = [json.loads(c.request_body).get("ChallengeName") for c in served_sb.calls
                  if c.operation == "RespondToAuthChallenge"]
    assert challenges.count("PASSWORD_VERIFIER") == 2  # the sign-in and the wrong password
    starts = [json.loads(c.request_body)["AuthFlow"] for c in served_sb.calls if c.operation == "InitiateAuth"]
    assert starts == ["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "USER_SRP_AUTH"]


def test_amplify_v6(node, served_sb):
    """aws-amplify 6 with userPoolEndpoint / identityPoolEndpoint: signUp, confirmSignUp (code from the HTTP
    inbox), signIn, fetchAuthSession with credentials, S3, forceRefresh (GetTokensFromRefreshToken), signOut,
    USER_AUTH with an email code."""
    out = node_support.run("amplify.mjs", app_pools(served_sb))
    assert out["steps"][-1] == "confirmSignIn with the email code from the HTTP inbox" and len(out["steps"]) == 9
    ops = operations(served_sb)
    assert {"SignUp", "ConfirmSignUp", "GetId", "GetCredentialsForIdentity", "GetTokensFromRefreshToken",
            "RevokeToken"} <= set(ops), ops
    flows = [json.loads(c.request_body)["AuthFlow"] for c in served_sb.calls if c.operation == "InitiateAuth"]
    assert flows == ["USER_SRP_AUTH", "USER_AUTH"]
    answered = [json.loads(c.request_body).get("ChallengeName") for c in served_sb.calls if c.operation == "RespondToAuthChallenge"]
    assert answered == ["PASSWORD_VERIFIER", "EMAIL_OTP"]


def test_without_node_or_npm_the_suite_fails_loudly(monkeypatch):
    """A machine without node is a broken test machine, not a reason to skip (as for the hub's proxy)."""
    monkeypatch.setattr(node_support.shutil, "which", lambda name: None if name == "npm" else f"/usr/bin/{name}")
    with pytest.raises(node_support.NodeMissing, match="needs node and npm, and npm is not on PATH"):
        node_support.install()
