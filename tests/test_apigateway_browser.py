"""The app a learner can click, in a real browser (Debian's Chromium via Playwright, never downloaded).

Chromium opens the sandbox's single-page app, which signs in through the hosted UI with code + PKCE,
calls the learner's API (a user-pool authorizer without scopes in front of a Lambda function) with the
ID token -- API Gateway's 200 and the function's answer appear -- and with the access token -- API
Gateway's 401 appears, the lesson of notebook 10.
"""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, require_browser

import labkit.apigateway

pytestmark = pytest.mark.browser
PASSWORD = "Browser-Pass-2026!"
HANDLER = ("import json\ndef handler(event, context):\n"
           "    who = event['requestContext']['authorizer']['claims']['cognito:username']\n"
           "    return {'statusCode': 200, 'body': json.dumps({'notes': ['hello ' + who]})}\n")


def test_the_app_signs_in_and_calls_the_api(served_sb, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    sb = served_sb
    region, account = sb.region, sb.account_id
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="notes-users")["UserPool"]
    idp.create_user_pool_domain(Domain="notes-demo", UserPoolId=pool["Id"])
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="notes-spa", CallbackURLs=[labkit.apigateway.app.callback(sb)],
        AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True, SupportedIdentityProviders=["COGNITO"],
        AllowedOAuthScopes=["openid", "email", "profile", "aws.cognito.signin.user.admin"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="alice", Password=PASSWORD, Permanent=True)

    iam = boto3.client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    lam = boto3.client("lambda")
    fn = lam.create_function(FunctionName="notes", Runtime="python3.12", Role=role, Handler="app.handler",
                             Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    api = boto3.client("apigateway")
    api_id = api.create_rest_api(name="notes")["id"]
    root = api.get_resources(restApiId=api_id)["items"][0]["id"]
    notes = api.create_resource(restApiId=api_id, parentId=root, pathPart="notes")["id"]
    authorizer = api.create_authorizer(restApiId=api_id, name="users", type="COGNITO_USER_POOLS", providerARNs=[pool["Arn"]],
                                       identitySource="method.request.header.Authorization")["id"]
    api.put_method(restApiId=api_id, resourceId=notes, httpMethod="GET", authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer)
    api.put_integration(restApiId=api_id, resourceId=notes, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                        uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations")
    lam.add_permission(FunctionName="notes", StatementId="api", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{account}:{api_id}/*")
    api.create_deployment(restApiId=api_id, stageName="prod")
    url = labkit.apigateway.app.url(sb, f"https://{api_id}.execute-api.{region}.amazonaws.com/prod/notes", pool["Id"], client_id)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.click("#sign-in")
            page.wait_for_selector("input[name=username]")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_selector("#signed-in:not([hidden])", timeout=20000)
            assert page.text_content("#who") == "alice"
            assert '"cognito:username": "alice"' in page.text_content("#claims")
            page.click("#call-id")
            page.wait_for_function("document.getElementById('status').textContent.startsWith('200')", timeout=20000)
            assert "hello alice" in page.text_content("#answer")
            page.click("#call-access")
            page.wait_for_function("document.getElementById('status').textContent.startsWith('401')", timeout=20000)
            assert json.loads(page.text_content("#answer")) == {"message": "Unauthorized"}
            page.screenshot(path=str(tmp_path / "api-client.png"))
            assert page.text_content("#error") == ""
        finally:
            browser.close()
