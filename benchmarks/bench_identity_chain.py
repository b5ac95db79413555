"""Issue 4's figure: the whole chain, sandbox beside raw moto.

User-pool sign-in, GetId, GetCredentialsForIdentity, one S3 call with the credentials. In the
sandbox every step is checked (password, token signature, Logins, trust policy, IAM on the S3 call);
raw moto checks none of it. Target: <= 1.5x.
"""

from __future__ import annotations

import statistics
import time

from labkit.bench import Figure, benchmark, versus_moto

PASSWORD = "Bench-Passw0rd!"


def _setup(region: str):
    import boto3

    idp = boto3.client("cognito-idp", region_name=region)
    pool = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    client_id = client["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    provider = f"cognito-idp.{region}.amazonaws.com/{pool}"
    iam = boto3.client("iam")
    trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},'
             '"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}')
    role = iam.create_role(RoleName="bench-auth", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench-auth", PolicyName="s3", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bench-chain"}]}'))
    ident = boto3.client("cognito-identity", region_name=region)
    ipool = ident.create_identity_pool(IdentityPoolName="bench", AllowUnauthenticatedIdentities=False,
                                       CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}])["IdentityPoolId"]
    try:
        ident.set_identity_pool_roles(IdentityPoolId=ipool, Roles={"authenticated": role})
    except NotImplementedError:  # raw moto has no roles (it hands out constant credentials)
        pass
    boto3.client("s3", region_name=region).create_bucket(Bucket="bench-chain")
    return idp, ident, client_id, provider, ipool


def _chain(idp, ident, client_id, provider, ipool, region):
    import boto3

    t0 = time.perf_counter()
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
    logins = {provider: tokens["IdToken"]}
    identity_id = ident.get_id(IdentityPoolId=ipool, Logins=logins)["IdentityId"]
    creds = ident.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    s3 = boto3.client("s3", region_name=region, aws_access_key_id=creds["AccessKeyId"],
                      aws_secret_access_key=creds["SecretKey"], aws_session_token=creds["SessionToken"])
    t1 = time.perf_counter()
    s3.list_objects_v2(Bucket="bench-chain")
    return (time.perf_counter() - t1) + (t1 - t0)


def _measure(region: str, runs: int) -> float:
    parts = _setup(region)
    _chain(*parts, region)  # warm
    return statistics.median(_chain(*parts, region) for _ in range(runs)) * 1000


@benchmark("identity-chain")
def identity_chain(quick: bool) -> list[Figure]:
    """Sign-in, GetId, GetCredentialsForIdentity, one S3 call: the sandbox beside raw moto."""
    import moto

    from labkit.sandbox import Sandbox

    runs = 5 if quick else 21
    with Sandbox() as sb:
        labkit_ms = _measure(sb.region, runs)
    with moto.mock_aws():
        moto_ms = _measure("us-east-1", runs)
    return versus_moto("whole chain", labkit_ms, moto_ms, note=f"median of {runs} (the S3 client's creation is not counted)")
