"""What checkers set up in the running sandbox: a user pool with a user, an identity pool, a session
holding temporary credentials. Plain boto3, the same calls the notebooks teach; names come from
``run.name(...)`` so that a check never collides with the learner's own resources or an earlier check.
"""

from __future__ import annotations

import json
import weakref

import boto3
from botocore.exceptions import ClientError

PASSWORD = "Exercise-Pass-2026!"


_clients: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def client(run, service: str, region: str | None = None, *, fresh: bool = False, **kwargs):
    """A boto3 client with the sandbox's administrator credentials, in the sandbox's region or ``region``
    (cached per sandbox: making a client is the slowest part of a check; ``fresh=True`` makes a new one,
    e.g. to hand to the learner's code)."""
    region = region or run.sb.region
    if kwargs or fresh:
        return boto3.client(service, region_name=region, **kwargs)
    cache = _clients.setdefault(run.sb, {})
    if (service, region) not in cache:
        cache[(service, region)] = boto3.client(service, region_name=region)
    return cache[(service, region)]


def user_pool(run, name: str, *, users=("alice",), flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
              region: str | None = None, **pool_kwargs):
    """A user pool (in the sandbox's region, or ``region``), an app client without secret and confirmed
    users (password :data:`PASSWORD`). Returns ``(pool_id, client_id)``."""
    idp = client(run, "cognito-idp", region)
    pool_id = idp.create_user_pool(PoolName=run.name(name), **pool_kwargs)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName=run.name(f"{name}-app"),
                                            ExplicitAuthFlows=list(flows))["UserPoolClient"]["ClientId"]
    for username in users:
        add_user(run, pool_id, username)
    return pool_id, client_id


def region_of(pool_id: str) -> str:
    """The region in a user pool id (``eu-west-1_AbC``) or identity pool id (``eu-west-1:uuid``)."""
    return pool_id.replace(":", "_").split("_", 1)[0]


def add_user(run, pool_id: str, username: str, groups=()):
    idp = client(run, "cognito-idp", region_of(pool_id))
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def sign_in(run, client_id: str, username: str, password: str = PASSWORD, region: str | None = None) -> dict:
    """``AuthenticationResult`` of a USER_PASSWORD_AUTH sign-in (at a pool of ``region``, default the sandbox's)."""
    return client(run, "cognito-idp", region).initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password})["AuthenticationResult"]


def provider_name(run, pool_id: str) -> str:
    """The identity pool provider name of a user pool: ``cognito-idp.<region>.amazonaws.com/<pool id>``."""
    return f"cognito-idp.{run.sb.region}.amazonaws.com/{pool_id}"


def identity_pool(run, name: str, **kwargs) -> dict:
    """``labkit.identitypools.quick_identity_pool`` under a fresh name (roles ``Cognito_<name>Auth_Role``...)."""
    from labkit.identitypools import quick_identity_pool

    return quick_identity_pool(run.sb, run.name(name), **kwargs)


def session(run, credentials: dict) -> boto3.Session:
    """A boto3 Session holding temporary credentials (from Cognito Identity or STS)."""
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials.get("SecretKey") or credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=run.sb.region)


def signed_in_identity(run, identity_pool_id: str, pool_id: str, client_id: str, username: str):
    """Sign ``username`` in at the user pool and exchange the ID token: ``(identity_id, Session)``."""
    tokens = sign_in(run, client_id, username)
    logins = {provider_name(run, pool_id): tokens["IdToken"]}
    cognito = client(run, "cognito-identity")
    identity_id = cognito.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return identity_id, session(run, creds)


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def error_code(call) -> str | None:
    """Run ``call()``; the AWS error code it raised, or None if it succeeded."""
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"]
    return None


def as_policy(run, policy, what: str = "policy") -> dict:
    """The learner's policy as a dict (a dict, or a JSON string); stops the check otherwise."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            run.stop(f"Your {what} is a string but not valid JSON ({exc}).",
                     "Write the policy as a Python dict (or json.dumps of one).")
    if not isinstance(policy, dict):
        run.stop(f"Your {what} is a {type(policy).__name__}, not a policy document.",
                 'A policy is a dict: {"Version": "2012-10-17", "Statement": [...]}.')
    if "Statement" not in policy:
        run.stop(f"Your {what} has no Statement.", 'A policy is {"Version": "2012-10-17", "Statement": [{...}]}.')
    return policy


def put_role_policy(run, role: str, policy: dict, name: str = "exercise") -> bool:
    """Attach the learner's policy inline; a refused policy stops the check with IAM's error."""
    try:
        client(run, "iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(policy))
    except ClientError as err:
        from .explain import AWS_ERRORS

        code = err.response["Error"]["Code"]
        run.stop(f"IAM refused your policy: {code} ({err.response['Error']['Message']}).",
                 AWS_ERRORS.get(code, "IAM could not accept the policy."))
    return True
