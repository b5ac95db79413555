"""Issue 17's figures: a Lambda function's cold and warm invoke, and a warm API Gateway call through a
user-pool authorizer to that function (sandbox side: what the dispatcher measured for the execute-api
request, Lambda run included). Target: warm API call <= 10 ms sandbox side.
"""

from __future__ import annotations

import io
import json
import statistics
import time
import zipfile

from labkit.bench import Figure, benchmark

PASSWORD = "Bench-Passw0rd!"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
HANDLER = ("import json\ndef handler(event, context):\n"
           "    return {'statusCode': 200, 'body': json.dumps({'user': (event.get('requestContext') or {})"
           ".get('authorizer', {}).get('claims', {}).get('cognito:username')})}\n")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


@benchmark("api-path")
def api_path(quick: bool) -> list[Figure]:
    """Lambda cold/warm invoke and an API Gateway call through a Cognito authorizer."""
    import boto3
    import requests

    import labkit

    n = 10 if quick else 50
    with labkit.Sandbox() as sb:
        role = boto3.client("iam").create_role(RoleName="bench-fn", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        lam = boto3.client("lambda")
        colds = []
        for i in range(3 if quick else 5):
            lam.create_function(FunctionName=f"cold{i}", Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": _zip()})
            t = time.perf_counter()
            lam.invoke(FunctionName=f"cold{i}", Payload=b"{}")
            colds.append(time.perf_counter() - t)
        warm = []
        for _ in range(n):
            t = time.perf_counter()
            lam.invoke(FunctionName="cold0", Payload=b"{}")
            warm.append(time.perf_counter() - t)
        fn = lam.get_function(FunctionName="cold0")["Configuration"]["FunctionArn"]
        idp = boto3.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="bench")["UserPool"]
        client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web",
                                             ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool["Id"], Username="alice", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool["Id"], Username="alice", Password=PASSWORD, Permanent=True)
        token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]
        api = boto3.client("apigateway")
        api_id = api.create_rest_api(name="bench")["id"]
        root = api.get_resources(restApiId=api_id)["items"][0]["id"]
        res = api.create_resource(restApiId=api_id, parentId=root, pathPart="me")["id"]
        auth = api.create_authorizer(restApiId=api_id, name="pool", type="COGNITO_USER_POOLS", providerARNs=[pool["Arn"]],
                                     identitySource="method.request.header.Authorization")["id"]
        api.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="COGNITO_USER_POOLS", authorizerId=auth)
        api.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                            uri=f"arn:aws:apigateway:{sb.region}:lambda:path/2015-03-31/functions/{fn}/invocations")
        lam.add_permission(FunctionName="cold0", StatementId="api", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{sb.region}:{sb.account_id}:{api_id}/*")
        api.create_deployment(restApiId=api_id, stageName="prod")
        url = f"https://{api_id}.execute-api.{sb.region}.amazonaws.com/prod/me"
        requests.get(url, headers={"Authorization": token})
        client_side, sandbox_side = [], []
        for _ in range(n):
            t = time.perf_counter()
            r = requests.get(url, headers={"Authorization": token})
            client_side.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            sandbox_side.append(next(c for c in reversed(list(sb.calls)) if c.service == "execute-api").duration_ms / 1000)
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    api_ms = ms(sandbox_side)
    return [
        Figure("Lambda cold invoke (new environment)", ms(colds), "ms"),
        Figure("Lambda warm invoke", ms(warm), "ms"),
        Figure("API call via user-pool authorizer, sandbox side", api_ms, "ms", target="<= 10 ms", ok=api_ms <= 10),
        Figure("API call via user-pool authorizer, client side (requests)", ms(client_side), "ms"),
    ]
