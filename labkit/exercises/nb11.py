"""Exercises of notebook 11 · A protected API: what API Gateway answers, and a per-user IAM policy
checked by calling the learner's API as two different users.

The checks build a notes API of their own in the running sandbox (a Lambda function behind a REST API,
a user pool with alice and bob, an identity pool) with plain boto3 and call it as an app would.
AWS docs: *Control access to REST APIs using Amazon Cognito user pools as an authorizer*, *Control
access to a REST API with IAM permissions*, *Gateway response types*.
"""

from __future__ import annotations

import io
import json
import zipfile

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "11-protected-api"
HANDLER = ("import json\ndef handler(event, context):\n"
           "    return {'statusCode': 200, 'body': json.dumps({'id': (event.get('pathParameters') or {}).get('id')})}\n")
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


class NotesApi:
    """A REST API ``/notes/{id}`` (GET) in front of a Lambda function, deployed to ``prod``;
    ``authorization`` is the method's (``COGNITO_USER_POOLS`` with the given scopes, or ``AWS_IAM``)."""

    def __init__(self, run, label: str, authorization: str, scopes=None):
        import boto3

        self.run = run
        region, account = run.sb.region, run.sb.account_id
        self.pool_id, self.client_id = fx.user_pool(run, f"ex11{label}-users", users=("alice", "bob"))
        iam = fx.client(run, "iam")
        role = iam.create_role(RoleName=run.name(f"ex11{label}-fn"), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("app.py", HANDLER)
        lam = fx.client(run, "lambda")
        name = run.name(f"ex11{label}-notes")
        fn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                 Code={"ZipFile": buf.getvalue()})["FunctionArn"]
        api = fx.client(run, "apigateway")
        self.api_id = api.create_rest_api(name=run.name(f"ex11{label}-api"))["id"]
        root = api.get_resources(restApiId=self.api_id)["items"][0]["id"]
        notes = api.create_resource(restApiId=self.api_id, parentId=root, pathPart="notes")["id"]
        item = api.create_resource(restApiId=self.api_id, parentId=notes, pathPart="{id}")["id"]
        kw = {}
        if authorization == "COGNITO_USER_POOLS":
            pool_arn = f"arn:aws:cognito-idp:{region}:{account}:userpool/{self.pool_id}"
            kw["authorizerId"] = api.create_authorizer(restApiId=self.api_id, name="users", type="COGNITO_USER_POOLS",
                                                       providerARNs=[pool_arn],
                                                       identitySource="method.request.header.Authorization")["id"]
            if scopes:
                kw["authorizationScopes"] = scopes
        api.put_method(restApiId=self.api_id, resourceId=item, httpMethod="GET", authorizationType=authorization, **kw)
        api.put_integration(restApiId=self.api_id, resourceId=item, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                            uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations")
        lam.add_permission(FunctionName=name, StatementId="api", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:{region}:{account}:{self.api_id}/*")
        api.create_deployment(restApiId=self.api_id, stageName="prod")
        self.base = f"https://{self.api_id}.execute-api.{region}.amazonaws.com/prod"
        self.boto3 = boto3

    def get(self, path: str, headers=None):
        import requests

        r = requests.get(self.base + path, headers=headers or {}, timeout=30)
        try:
            body = r.json()
        except ValueError:
            body = r.text
        return r.status_code, body

    def signed_get(self, path: str, session):
        import requests
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method="GET", url=self.base + path)
        SigV4Auth(session.get_credentials(), "execute-api", self.run.sb.region).add_auth(request)
        r = requests.get(self.base + path, headers=dict(request.headers), timeout=30)
        return r.status_code, r.text


# ---------------------------------------------------------------------------------------------- 11.1
SCENARIOS = {
    "access token, no scopes on the method": "alice sends her access token to a method whose user-pool authorizer has no scopes",
    "ID token, scopes on the method": "alice sends her ID token to a method that requires the scope aws.cognito.signin.user.admin",
    "expired ID token": "alice sends an ID token issued more than an hour ago",
    "wrong path": "alice sends her ID token to /note/1 (the resource is /notes/{id})",
}


def _check_answers(predictions, run):
    if not isinstance(predictions, dict):
        run.stop(f"predictions is a {type(predictions).__name__}; it must be a dict from each scenario to an answer.")
    missing = [key for key in SCENARIOS if key not in predictions]
    if missing:
        run.stop(f"predictions lacks {', '.join(repr(m) for m in missing)}.", "Keep the keys of the starter cell.")
    plain = NotesApi(run, "a", "COGNITO_USER_POOLS")
    scoped = NotesApi(run, "b", "COGNITO_USER_POOLS", scopes=["aws.cognito.signin.user.admin"])
    alice = fx.sign_in(run, plain.client_id, "alice")
    alice_scoped = fx.sign_in(run, scoped.client_id, "alice")
    actual = {
        "access token, no scopes on the method": plain.get("/notes/1", {"Authorization": alice["AccessToken"]}),
        "ID token, scopes on the method": scoped.get("/notes/1", {"Authorization": alice_scoped["IdToken"]}),
        "wrong path": plain.get("/note/1", {"Authorization": alice["IdToken"]}),
    }
    run.sb.advance(3601)
    actual["expired ID token"] = plain.get("/notes/1", {"Authorization": alice["IdToken"]})
    why = {
        "access token, no scopes on the method": "Without scopes a user-pool authorizer accepts only ID tokens.",
        "ID token, scopes on the method": "With scopes it accepts only access tokens that carry one of them; an ID token has no scope claim.",
        "expired ID token": "Tokens are checked locally, expiry included; API Gateway says so in its own words.",
        "wrong path": "No resource matches: API Gateway answers as if the request lacked credentials.",
    }
    for key, description in SCENARIOS.items():
        status, body = actual[key]
        message = body.get("message") if isinstance(body, dict) else body
        said = predictions[key]
        if said is Ellipsis or said is None:
            run.failed(f"When {description}: no prediction yet.", "Replace its ... with (status, message).")
            continue
        ok = isinstance(said, (tuple, list)) and len(said) == 2 and said[0] == status and said[1] == message
        run.expect(ok, f"When {description}, API Gateway answers {status} {message!r}, not {said!r}.", why[key],
                   passed_text=f"When {description}: {status} {message!r}.")


# ---------------------------------------------------------------------------------------------- 11.2
def _check_policy(notes_policy, run):
    if not callable(notes_policy):
        run.stop(f"notes_policy is a {type(notes_policy).__name__}, not a function.",
                 "Define it with def notes_policy(region, account, api_id): ...")
    api = NotesApi(run, "c", "AWS_IAM")
    identity = fx.identity_pool(run, "ex11pool", user_pool=(api.pool_id, api.client_id), allow_guests=False)
    policy = fx.as_policy(run, run.call(notes_policy, run.sb.region, run.sb.account_id, api.api_id,
                                        doing="making the policy for the API"), "policy")
    if not fx.put_role_policy(run, fx.role_name(identity["AuthenticatedRoleArn"]), policy):
        return
    alice_id, alice = fx.signed_in_identity(run, identity["IdentityPoolId"], api.pool_id, api.client_id, "alice")
    bob_id, bob = fx.signed_in_identity(run, identity["IdentityPoolId"], api.pool_id, api.client_id, "bob")
    status, _ = api.signed_get(f"/notes/{alice_id}", alice)
    run.expect(status == 200, f"Alice calling GET /notes/<her identity id> got {status}, not 200.",
               "Allow execute-api:Invoke on arn:aws:execute-api:<region>:<account>:<api>/prod/GET/notes/<her id>; "
               "the identity id is the policy variable ${cognito-identity.amazonaws.com:sub}.",
               passed_text="Alice reads her own notes (200).")
    status, _ = api.signed_get(f"/notes/{bob_id}", alice)
    run.expect(status == 403, f"Alice calling GET /notes/<Bob's identity id> got {status}, not 403.",
               "The resource must end with her own identity id, not with a wildcard.",
               passed_text="Alice cannot read Bob's notes (403, IAM's denial).")
    status, _ = api.signed_get(f"/notes/{bob_id}", bob)
    run.expect(status == 200, f"Bob calling GET /notes/<his identity id> got {status}, not 200.",
               "One policy serves every user: write the variable, not Alice's id.",
               passed_text="Bob reads his own notes with the same policy (200).")


EXERCISES = [
    Exercise(
        id="11.1", notebook=NOTEBOOK, level="read", kind="value",
        title="What API Gateway answers",
        prompt="Predict API Gateway's answer, as `(status, message)`, for each scenario (e.g. `(401, \"Unauthorized\")`). "
               "The check builds a notes API of its own and plays each one.",
        starter=('predictions = {\n'
                 '    "access token, no scopes on the method": ...,\n'
                 '    "ID token, scopes on the method": ...,\n'
                 '    "expired ID token": ...,\n'
                 '    "wrong path": ...,\n'
                 '}\n\n'
                 'check("11.1", predictions)'),
        hints=["Sections 4 and 5 meet all four.",
               "Three are 401 (two of them with the same message); the wrong path is a 403 with a famous message."],
        checker=_check_answers,
    ),
    Exercise(
        id="11.2", notebook=NOTEBOOK, level="write", kind="function",
        title="Each user calls only their own notes",
        prompt="Write `notes_policy(region, account, api_id)`: the identity-pool role's policy that lets a signed-in user "
               "call `GET /notes/{id}` of stage `prod` only with their own identity id as `{id}`. The check attaches it to "
               "the authenticated role of an identity pool of its own and calls the API, signed, as alice and as bob.",
        starter=("def notes_policy(region, account, api_id):\n"
                 '    """Allow GET /notes/<my identity id> on stage prod, and nothing else."""\n'
                 "    ...\n\n"
                 'check("11.2", notes_policy)'),
        hints=["The action is execute-api:Invoke; the resource is arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{METHOD}/{path}.",
               "End the resource with notes/${cognito-identity.amazonaws.com:sub} (in a Python f-string, write ${{...}})."],
        checker=_check_policy,
    ),
]
