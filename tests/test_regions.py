"""A sandbox serves every Cognito region, not only its own: calls that AWS takes unsigned (InitiateAuth,
SignUp...) name their region only in the host, and still find the pool there.

In-process only: over HTTP an unsigned request to ``endpoint_url`` carries no region at all (no host,
no credential scope); the HTTP face's addressing rule (``<endpoint>/<aws-host>/...``) is what names it.
"""

import boto3
from support import error_of


def test_unsigned_sign_in_at_a_pool_of_another_region(sb):
    aws = boto3.client
    idp = aws("cognito-idp", region_name="eu-west-1")
    pool = idp.create_user_pool(PoolName="far")["UserPool"]["Id"]
    assert pool.startswith("eu-west-1_")
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Far-away-2026!", Permanent=True)
    result = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": "Far-away-2026!"})["AuthenticationResult"]
    assert result["IdToken"]
    # The same client id is unknown in the sandbox's own region, as on AWS.
    home = aws("cognito-idp")
    assert error_of(home.initiate_auth, ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": "alice", "PASSWORD": "Far-away-2026!"}).code == "ResourceNotFoundException"
