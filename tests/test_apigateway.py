"""API Gateway REST APIs: invoke URLs that answer, authorizers that decide as AWS documents, API
Gateway's own errors.

Raw moto (5.2.5): ``boto3.client("apigateway")`` fails with ``ModuleNotFoundError:
openapi_spec_validator`` unless its extra is installed; with it, an invoke URL answers moto's stub
for any token or none (no authorizer is ever evaluated) and a Lambda proxy integration needs Docker.
Every case here runs on both transports: in-process (``requests`` to the https invoke URL) and over
HTTP (``<endpoint>/<api>.execute-api.<region>.amazonaws.com/<stage>/...``).
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import labkit
from labkit.apigateway import invoke_url

ACCOUNT = "123456789012"
REGION = "us-east-1"
PASSWORD = "Notes-Pass-2026!"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

NOTES = '''
import json
def handler(event, context):
    if event["queryStringParameters"] and "mode" in event["queryStringParameters"]:
        mode = event["queryStringParameters"]["mode"]
        if mode == "raise":
            raise RuntimeError("boom")
        if mode == "malformed":
            return {"statusCode": 200, "body": {"not": "a string"}}
        if mode == "sleep":
            import time; time.sleep(8)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"resource": event["resource"], "path": event["path"],
                                "pathParameters": event["pathParameters"],
                                "authorizer": event["requestContext"].get("authorizer"),
                                "identity": event["requestContext"]["identity"],
                                "stage": event["requestContext"]["stage"]})}
'''

AUTHORIZER = '''
def handler(event, context):
    token = event.get("authorizationToken") or event.get("headers", {}).get("x-token")
    if token == "raise":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"nothing": "useful"}
    effect = "Allow" if token in ("allow", "allow-one") else "Deny"
    resource = event["methodArn"] if token == "allow-one" else event["methodArn"].split("/")[0] + "/*"
    return {"principalId": "user-" + token, "context": {"tier": "gold", "n": 3},
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]}}
'''


def package(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    return buf.getvalue()


class Lab:
    """A notes API: a user pool with alice and bob, a Lambda function, a REST API deployed to prod."""

    def __init__(self, sb, aws, transport):
        self.sb, self.aws, self.transport = sb, aws, transport
        iam = aws("iam")
        role = iam.create_role(RoleName="notes-fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        self.lam = aws("lambda")
        self.fn = self.lam.create_function(FunctionName="notes", Runtime="python3.12", Role=role, Handler="app.handler",
                                           Code={"ZipFile": package(NOTES)}, Timeout=4)["FunctionArn"]
        self.idp = aws("cognito-idp")
        self.pool = self.idp.create_user_pool(PoolName="notes-users")["UserPool"]
        self.client = self.app_client(self.pool["Id"])
        for user in ("alice", "bob"):
            self.user(self.pool["Id"], user)
        self.api = aws("apigateway")
        self.api_id = self.api.create_rest_api(name="notes")["id"]
        self.root = self.api.get_resources(restApiId=self.api_id)["items"][0]["id"]
        self.notes = self.api.create_resource(restApiId=self.api_id, parentId=self.root, pathPart="notes")["id"]
        self.item = self.api.create_resource(restApiId=self.api_id, parentId=self.notes, pathPart="{id}")["id"]
        self.lam.add_permission(FunctionName="notes", StatementId="api", Action="lambda:InvokeFunction",
                                Principal="apigateway.amazonaws.com",
                                SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api_id}/*")

    def app_client(self, pool_id, **kw):
        return self.idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            **kw)["UserPoolClient"]["ClientId"]

    def user(self, pool_id, name):
        self.idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                                   {"Name": "email_verified", "Value": "true"}])
        self.idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)

    def tokens(self, name="alice", client=None):
        return self.idp.initiate_auth(ClientId=client or self.client, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]

    def method(self, resource, verb="GET", auth="NONE", authorizer=None, scopes=None, integration=True):
        kw = {"authorizerId": authorizer} if authorizer else {}
        if scopes:
            kw["authorizationScopes"] = scopes
        self.api.put_method(restApiId=self.api_id, resourceId=resource, httpMethod=verb, authorizationType=auth, **kw)
        if integration:
            self.api.put_integration(restApiId=self.api_id, resourceId=resource, httpMethod=verb, type="AWS_PROXY",
                                     integrationHttpMethod="POST",
                                     uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{self.fn}/invocations")

    def pool_authorizer(self, pools=None):
        return self.api.create_authorizer(restApiId=self.api_id, name="pool", type="COGNITO_USER_POOLS",
                                          providerARNs=pools or [self.pool["Arn"]],
                                          identitySource="method.request.header.Authorization")["id"]

    def deploy(self, stage="prod"):
        self.api.create_deployment(restApiId=self.api_id, stageName=stage)

    def url(self, path="/notes", stage="prod"):
        endpoint = self.sb.endpoint_url if self.transport == "http" else None
        return invoke_url(self.api_id, stage, REGION, endpoint) + path

    def get(self, path="/notes", token=None, stage="prod", **kw):
        headers = kw.pop("headers", {})
        if token is not None:
            headers["Authorization"] = token
        return requests.request(kw.pop("method", "GET"), self.url(path, stage), headers=headers, timeout=30, **kw)

    def signed(self, path, credentials, method="GET"):
        """A SigV4-signed request (service execute-api), as an app signs with identity-pool credentials."""
        url = self.url(path)
        request = AWSRequest(method=method, url=url)
        creds = Credentials(credentials["AccessKeyId"], credentials.get("SecretKey") or credentials["SecretAccessKey"],
                            credentials["SessionToken"])
        SigV4Auth(creds, "execute-api", REGION).add_auth(request)
        return requests.request(method, url, headers=dict(request.headers), timeout=30)


@pytest.fixture
def lab(tsb, aws, transport):
    return Lab(tsb, aws, transport)


def answer(response):
    return response.status_code, response.json()


# ------------------------------------------------------------------------------------------ basics


def test_management_api_works(aws):
    """Raw moto without its extra: ModuleNotFoundError: No module named 'openapi_spec_validator'."""
    api = aws("apigateway")
    created = api.create_rest_api(name="x")
    assert [a["name"] for a in api.get_rest_apis()["items"]] == ["x"] and created["id"]


def test_open_method_runs_the_function_with_the_proxy_event(lab):
    lab.method(lab.item)
    lab.deploy()
    r = lab.get("/notes/42")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    out = r.json()
    assert (out["resource"], out["path"], out["pathParameters"], out["stage"]) == ("/notes/{id}", "/notes/42", {"id": "42"}, "prod")
    assert out["authorizer"] is None and out["identity"]["cognitoIdentityId"] is None


def test_address_by_host_header(served_sb):
    """Over HTTP the invoke URL's host may also come as the Host header (a proxy in front of the sandbox)."""
    import boto3

    lab = Lab(served_sb, lambda name, **kw: boto3.client(name, endpoint_url=served_sb.endpoint_url, **kw), "http")
    lab.method(lab.item)
    lab.deploy()
    host = f"{lab.api_id}.execute-api.{REGION}.amazonaws.com"
    r = requests.get(f"{lab.sb.endpoint_url}/prod/notes/7", headers={"Host": host}, timeout=30)
    assert r.status_code == 200 and r.json()["pathParameters"] == {"id": "7"}


def test_wrong_path_stage_or_method(lab):
    lab.method(lab.item)
    lab.deploy()
    assert answer(lab.get("/nothing/here")) == (403, {"message": "Missing Authentication Token"})
    assert answer(lab.get("/notes/1", method="DELETE")) == (403, {"message": "Missing Authentication Token"})
    assert lab.get("/nothing").headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert answer(lab.get("/notes/1", stage="dev")) == (403, {"message": "Forbidden"})


def test_changes_take_effect_only_when_deployed(lab):
    """A deployment is a snapshot: a method added later answers only after the next deployment."""
    lab.method(lab.item)
    lab.deploy()
    lab.method(lab.notes)
    assert lab.get("/notes").status_code == 403
    lab.deploy()
    assert lab.get("/notes").status_code == 200


def test_lambda_errors_are_502_and_missing_permission_500(lab):
    lab.method(lab.item)
    lab.deploy()
    for mode in ("raise", "malformed", "sleep"):
        assert answer(lab.get("/notes/1", params={"mode": mode})) == (502, {"message": "Internal server error"})
    lab.lam.remove_permission(FunctionName="notes", StatementId="api")
    assert answer(lab.get("/notes/1")) == (500, {"message": "Internal server error"})


# ------------------------------------------------------------------------------------------ user pool authorizer


def test_user_pool_authorizer_without_scopes_wants_the_id_token(lab):
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer())
    lab.deploy()
    tokens = lab.tokens()
    r = lab.get("/notes/1", tokens["IdToken"])
    assert r.status_code == 200
    claims = r.json()["authorizer"]["claims"]
    assert claims["cognito:username"] == "alice" and claims["token_use"] == "id" and claims["aud"] == lab.client
    assert claims["email_verified"] == "true" and isinstance(claims["exp"], str)  # every claim a string
    assert answer(lab.get("/notes/1", tokens["AccessToken"])) == (401, {"message": "Unauthorized"})
    assert answer(lab.get("/notes/1")) == (401, {"message": "Unauthorized"})
    assert lab.get("/notes/1").headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_user_pool_authorizer_with_scopes_wants_an_access_token_with_one(lab):
    lab.idp.create_resource_server(UserPoolId=lab.pool["Id"], Identifier="notes", Name="notes",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer(), scopes=["notes/read"])
    lab.method(lab.notes, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer(),
               scopes=["aws.cognito.signin.user.admin"])
    lab.deploy()
    tokens = lab.tokens()
    assert answer(lab.get("/notes/1", tokens["IdToken"])) == (401, {"message": "Unauthorized"})
    # USER_PASSWORD_AUTH access tokens carry aws.cognito.signin.user.admin, not notes/read
    assert answer(lab.get("/notes/1", tokens["AccessToken"])) == (401, {"message": "Unauthorized"})
    r = lab.get("/notes", tokens["AccessToken"])
    assert r.status_code == 200 and r.json()["authorizer"]["claims"]["token_use"] == "access"


def test_expired_token(lab):
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer())
    lab.deploy()
    token = lab.tokens()["IdToken"]
    lab.sb.advance(3601)
    assert answer(lab.get("/notes/1", token)) == (401, {"message": "The incoming token has expired"})


def test_other_pool_other_client_unsigned(lab):
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer())
    lab.deploy()
    other = lab.idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    lab.user(other, "mallory")
    other_client = lab.app_client(other)
    assert lab.get("/notes/1", lab.tokens("mallory", other_client)["IdToken"]).status_code == 401
    # A REST API user-pool authorizer names pools, not app clients: another client of the pool passes.
    second_client = lab.app_client(lab.pool["Id"])
    assert lab.get("/notes/1", lab.tokens("bob", second_client)["IdToken"]).status_code == 200
    header, payload, signature = lab.tokens()["IdToken"].split(".")
    assert lab.get("/notes/1", f"{header}.{payload}.{signature[:-4]}AAAA").status_code == 401
    assert lab.get("/notes/1", f"{header}.{payload}.").status_code == 401
    assert lab.get("/notes/1", "not-a-jwt").status_code == 401


def test_global_sign_out_does_not_stop_a_token_until_it_expires(lab):
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer())
    lab.deploy()
    tokens = lab.tokens()
    lab.aws("cognito-idp").global_sign_out(AccessToken=tokens["AccessToken"])
    assert lab.get("/notes/1", tokens["IdToken"]).status_code == 200  # checked locally, as on AWS
    lab.sb.advance(3601)
    assert lab.get("/notes/1", tokens["IdToken"]).status_code == 401


# ------------------------------------------------------------------------------------------ AWS_IAM


def _identity_pool(lab, policy_resource):
    from labkit.identitypools import quick_identity_pool

    info = quick_identity_pool(lab.sb, "Notes", user_pool=(lab.pool["Id"], lab.client))
    role = info["AuthenticatedRoleArn"].rsplit("/", 1)[1]
    if policy_resource:
        lab.aws("iam").put_role_policy(RoleName=role, PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": policy_resource}]}))
    return info, role


def _credentials(lab, info, user="alice"):
    ci = lab.aws("cognito-identity")
    logins = {f"cognito-idp.{REGION}.amazonaws.com/{lab.pool['Id']}": lab.tokens(user)["IdToken"]}
    identity = ci.get_id(IdentityPoolId=info["IdentityPoolId"], Logins=logins)["IdentityId"]
    return identity, ci.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]


def test_iam_authorization_with_identity_pool_credentials_and_policy_variables(lab):
    own = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{lab.api_id}/prod/GET/notes/${{cognito-identity.amazonaws.com:sub}}"
    info, role = _identity_pool(lab, own)
    lab.method(lab.item, auth="AWS_IAM")
    lab.deploy()
    identity, creds = _credentials(lab, info)
    assert answer(lab.get(f"/notes/{identity}")) == (403, {"message": "Missing Authentication Token"})
    r = lab.signed(f"/notes/{identity}", creds)
    assert r.status_code == 200, r.text
    seen = r.json()["identity"]
    assert seen["cognitoIdentityId"] == identity and seen["cognitoIdentityPoolId"] == info["IdentityPoolId"]
    assert seen["cognitoAuthenticationType"] == "authenticated"
    provider = f"cognito-idp.{REGION}.amazonaws.com/{lab.pool['Id']}"
    assert seen["cognitoAuthenticationProvider"].startswith(f"{provider},{provider}:CognitoSignIn:")
    assert seen["accessKey"] == creds["AccessKeyId"] and seen["userArn"].endswith("/CognitoIdentityCredentials")
    bob_identity, _ = _credentials(lab, info, "bob")
    r = lab.signed(f"/notes/{bob_identity}", creds)
    masked = f"arn:aws:execute-api:{REGION}:********{ACCOUNT[-4:]}:{lab.api_id}/prod/GET/notes/{bob_identity}"
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert r.json() == {"Message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/CognitoIdentityCredentials is not "
                                   f"authorized to perform: execute-api:Invoke on resource: {masked}"}
    assert "execute-api:Invoke" in labkit.iam.explain_last(lab.sb)


def test_iam_authorization_wrong_role_and_bad_token(lab):
    info, role = _identity_pool(lab, None)  # the role has no execute-api:Invoke
    lab.method(lab.item, auth="AWS_IAM")
    lab.deploy()
    identity, creds = _credentials(lab, info)
    r = lab.signed(f"/notes/{identity}", creds)
    assert r.status_code == 403 and r.json()["Message"].startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/")
    forged = dict(creds, SessionToken="IQoJb3JpZ2luX2VjEforged")
    assert answer(lab.signed(f"/notes/{identity}", forged)) == (403, {"message": "The security token included in the request is invalid."})


def test_iam_authorization_of_an_iam_users_key(lab):
    """An IAM user's long-term key: its policies decide execute-api:Invoke."""
    iam = lab.aws("iam")
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    creds = {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"], "SessionToken": None}
    lab.method(lab.item, auth="AWS_IAM")
    lab.deploy()
    r = lab.signed("/notes/1", creds)
    assert r.status_code == 403 and r.json()["Message"].startswith(f"User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized")
    iam.put_user_policy(UserName="dev", PolicyName="invoke", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{lab.api_id}/*"}]}))
    r = lab.signed("/notes/1", creds)
    assert r.status_code == 200 and r.json()["identity"]["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/dev"


# ------------------------------------------------------------------------------------------ Lambda authorizers


def _lambda_authorizer(lab, kind="TOKEN", ttl=300, identity_source="method.request.header.Authorization"):
    role = lab.aws("iam").create_role(RoleName="authz-fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    fn = lab.lam.create_function(FunctionName="authz", Runtime="python3.12", Role=role, Handler="app.handler",
                                 Code={"ZipFile": package(AUTHORIZER)})["FunctionArn"]
    lab.lam.add_permission(FunctionName="authz", StatementId="api", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{lab.api_id}/authorizers/*")
    return lab.api.create_authorizer(restApiId=lab.api_id, name="custom", type=kind, identitySource=identity_source,
                                     authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}/invocations",
                                     authorizerResultTtlInSeconds=ttl)["id"]


def test_token_authorizer_decisions(lab):
    authorizer = _lambda_authorizer(lab, ttl=0)
    lab.method(lab.item, auth="CUSTOM", authorizer=authorizer)
    lab.deploy()
    r = lab.get("/notes/1", "allow")
    assert r.status_code == 200
    assert r.json()["authorizer"] == {"principalId": "user-allow", "tier": "gold", "n": 3}
    assert answer(lab.get("/notes/1", "deny")) == (403, {"Message": "User is not authorized to access this resource with an explicit deny"})
    assert answer(lab.get("/notes/1", "raise")) == (401, {"message": "Unauthorized"})
    assert answer(lab.get("/notes/1", "broken")) == (500, {"message": None})
    assert answer(lab.get("/notes/1")) == (401, {"message": "Unauthorized"})


def test_token_authorizer_cache_applies_the_cached_policy(lab):
    """A policy for one method ARN, cached for the token, then refuses the same token on another
    resource (the classic Lambda-authorizer caching surprise)."""
    authorizer = _lambda_authorizer(lab, ttl=300)
    lab.method(lab.item, auth="CUSTOM", authorizer=authorizer)
    lab.method(lab.notes, auth="CUSTOM", authorizer=authorizer)
    lab.deploy()
    assert lab.get("/notes/1", "allow-one").status_code == 200
    assert answer(lab.get("/notes", "allow-one")) == (403, {"Message": "User is not authorized to access this resource"})
    lab.sb.advance(301)
    assert lab.get("/notes", "allow-one").status_code == 200


def test_request_authorizer_needs_its_identity_sources(lab):
    authorizer = _lambda_authorizer(lab, kind="REQUEST", ttl=0, identity_source="method.request.header.x-token")
    lab.method(lab.item, auth="CUSTOM", authorizer=authorizer)
    lab.deploy()
    assert lab.get("/notes/1", headers={"x-token": "allow"}).status_code == 200
    assert answer(lab.get("/notes/1")) == (401, {"message": "Unauthorized"})
    assert lab.get("/notes/1", headers={"x-token": "deny"}).status_code == 403


# ------------------------------------------------------------------------------------------ CORS and gateway responses


def test_cors_preflight_with_a_mock_integration(lab, transport):
    lab.method(lab.item, auth="COGNITO_USER_POOLS", authorizer=lab.pool_authorizer())
    if transport == "in-process":  # the HTTP transport answers every OPTIONS itself
        assert lab.get("/notes/1", method="OPTIONS").status_code == 403
    api, rid = lab.api, lab.api_id
    api.put_method(restApiId=rid, resourceId=lab.item, httpMethod="OPTIONS", authorizationType="NONE")
    api.put_integration(restApiId=rid, resourceId=lab.item, httpMethod="OPTIONS", type="MOCK",
                        requestTemplates={"application/json": '{"statusCode": 200}'})
    api.put_method_response(restApiId=rid, resourceId=lab.item, httpMethod="OPTIONS", statusCode="200",
                            responseParameters={"method.response.header.Access-Control-Allow-Origin": False,
                                                "method.response.header.Access-Control-Allow-Headers": False})
    api.put_integration_response(restApiId=rid, resourceId=lab.item, httpMethod="OPTIONS", statusCode="200",
                                 responseParameters={"method.response.header.Access-Control-Allow-Origin": "'http://localhost:8000'",
                                                     "method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'"})
    api.put_gateway_response(restApiId=rid, responseType="DEFAULT_4XX",
                             responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'http://localhost:8000'"})
    lab.deploy()
    r = lab.get("/notes/1", method="OPTIONS")
    assert r.status_code == 200
    if transport == "in-process":
        assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        assert r.headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"
    denied = lab.get("/notes/1")
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"


# ------------------------------------------------------------------------------------------ HTTP APIs (v2)

V2 = '''
import json
def handler(event, context):
    if event.get("rawPath", "").endswith("/plain"):
        return {"just": "a dict"}
    return {"statusCode": 201, "headers": {"x-version": event["version"]},
            "body": json.dumps({"routeKey": event["routeKey"], "pathParameters": event.get("pathParameters"),
                                "authorizer": event["requestContext"].get("authorizer"),
                                "method": event["requestContext"]["http"]["method"]})}
'''


def _http_api(lab):
    v2 = lab.aws("apigatewayv2")
    role = lab.aws("iam").create_role(RoleName="v2-fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    fn = lab.lam.create_function(FunctionName="v2", Runtime="python3.12", Role=role, Handler="app.handler",
                                 Code={"ZipFile": package(V2)})["FunctionArn"]
    api_id = v2.create_api(Name="notes-v2", ProtocolType="HTTP")["ApiId"]
    lab.lam.add_permission(FunctionName="v2", StatementId="v2", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")
    integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=fn,
                                        PayloadFormatVersion="2.0")["IntegrationId"]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{lab.pool['Id']}"
    authorizer = v2.create_authorizer(ApiId=api_id, Name="jwt", AuthorizerType="JWT",
                                      IdentitySource=["$request.header.Authorization"],
                                      JwtConfiguration={"Issuer": issuer, "Audience": [lab.client]})["AuthorizerId"]
    for key, scopes in (("GET /notes/{id}", None), ("GET /plain", None), ("DELETE /notes/{id}", ["notes/delete"])):
        kw = {"AuthorizationScopes": scopes} if scopes else {}
        v2.create_route(ApiId=api_id, RouteKey=key, AuthorizationType="JWT", AuthorizerId=authorizer,
                        Target=f"integrations/{integration}", **kw)
    v2.create_stage(ApiId=api_id, StageName="$default")
    base = (f"{lab.sb.endpoint_url}/{api_id}.execute-api.{REGION}.amazonaws.com" if lab.transport == "http"
            else f"https://{api_id}.execute-api.{REGION}.amazonaws.com")
    return base


def test_http_api_jwt_authorizer_and_payload_v2(lab):
    base = _http_api(lab)
    tokens = lab.tokens()

    def get(path, token=None, method="GET"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, base + path, headers=headers, timeout=30)

    r = get("/notes/9", tokens["IdToken"])
    assert r.status_code == 201 and r.headers["x-version"] == "2.0"
    out = r.json()
    assert out["routeKey"] == "GET /notes/{id}" and out["pathParameters"] == {"id": "9"}
    assert out["authorizer"]["jwt"]["claims"]["cognito:username"] == "alice"
    assert get("/notes/9", tokens["AccessToken"]).status_code == 201  # client_id is an audience too
    plain = get("/plain", tokens["IdToken"])
    assert plain.status_code == 200 and plain.json() == {"just": "a dict"}
    assert answer(get("/notes/9")) == (401, {"message": "Unauthorized"})
    assert answer(get("/nowhere", tokens["IdToken"])) == (404, {"message": "Not Found"})
    other = lab.tokens("bob", lab.app_client(lab.pool["Id"]))["IdToken"]
    refused = get("/notes/9", other)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
    denied = get("/notes/9", tokens["AccessToken"], method="DELETE")
    assert answer(denied) == (403, {"message": "Forbidden"})
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
    lab.sb.advance(3601)
    expired = get("/notes/9", tokens["IdToken"])
    assert expired.status_code == 401 and "the token has expired" in expired.headers["www-authenticate"]
