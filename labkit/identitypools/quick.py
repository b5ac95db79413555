"""``quick_identity_pool``: the lab's one-call identity pool, made with plain boto3 as the console's quick set-up does.

"Creating an identity pool" (Amazon Cognito Developer Guide, identity-pools.html): the console creates the
pool and two default roles, ``Cognito_<name>Auth_Role`` and ``Cognito_<name>Unauth_Role``, each trusting
``cognito-identity.amazonaws.com`` for this pool and the ``authenticated`` / ``unauthenticated`` amr.
"""

from __future__ import annotations

import json
import re

from .. import webidentity as wi
from ..errors import LabkitError


def _trust_policy(pool_id: str, amr: str) -> dict:
    """The trust policy the Cognito console writes for an identity pool's default roles."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}},
    }]}


DEFAULT_ROLE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": ["*"]}]}


def quick_identity_pool(sb, name: str, *, allow_guests: bool = True, user_pool: tuple | None = None, google_client_id: str | None = None,
                        facebook_app_id: str | None = None, amazon_app_id: str | None = None, allow_classic_flow: bool = False) -> dict:
    """Create an identity pool "the quick way", with its two default roles, using plain boto3 inside.

    Roles ``Cognito_<name>Auth_Role`` / ``Cognito_<name>Unauth_Role`` with the console's trust policy and
    AWS's old default permissions (Cognito Sync and Mobile Analytics only). ``user_pool`` is
    ``(user pool id, app client id)``. Returns ``IdentityPoolId``, ``AuthenticatedRoleArn``,
    ``UnauthenticatedRoleArn``.

    Re-runnable, as a notebook cell must be: if the roles exist (the cell ran before), their trust policies are
    updated to trust the new pool and their default inline policy is put again (PutRolePolicy replaces it).
    """
    import boto3

    if sb is None or not getattr(sb, "running", False):
        raise LabkitError("quick_identity_pool needs a running sandbox: sb = labkit.Sandbox.fresh(); quick_identity_pool(sb, 'MyApp').")
    if user_pool is not None and (not isinstance(user_pool, (tuple, list)) or len(user_pool) != 2):
        raise LabkitError("user_pool is a pair (user pool id, app client id), e.g. user_pool=(pool_id, client_id).")
    cognito = boto3.client("cognito-identity", region_name=sb.region)
    iam = boto3.client("iam", region_name=sb.region)
    providers = {}
    if google_client_id:
        providers[wi.GOOGLE] = google_client_id
    if facebook_app_id:
        providers[wi.FACEBOOK] = str(facebook_app_id)
    if amazon_app_id:
        providers[wi.AMAZON] = amazon_app_id
    kwargs = {"IdentityPoolName": name, "AllowUnauthenticatedIdentities": allow_guests, "AllowClassicFlow": allow_classic_flow}
    if providers:
        kwargs["SupportedLoginProviders"] = providers
    if user_pool is not None:
        pool_id, client_id = user_pool
        kwargs["CognitoIdentityProviders"] = [{"ProviderName": f"cognito-idp.{pool_id.split('_', 1)[0]}.amazonaws.com/{pool_id}",
                                               "ClientId": client_id, "ServerSideTokenCheck": False}]
    pool_id = cognito.create_identity_pool(**kwargs)["IdentityPoolId"]
    slug = re.sub(r"[^\w+=,.@-]", "", name)
    arns = {}
    for kind, amr, role_name in (("authenticated", "authenticated", f"Cognito_{slug}Auth_Role"),
                                 ("unauthenticated", "unauthenticated", f"Cognito_{slug}Unauth_Role")):
        trust = json.dumps(_trust_policy(pool_id, amr))
        try:
            role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)["Role"]
        except iam.exceptions.EntityAlreadyExistsException:
            # The cell ran before: the role is there, trusting the pool made then. Point it at this pool (a
            # role's trust policy is replaced whole by UpdateAssumeRolePolicy) and keep its name and ARN.
            iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
            role = iam.get_role(RoleName=role_name)["Role"]
        iam.put_role_policy(RoleName=role_name, PolicyName=f"oneClick_{role_name}", PolicyDocument=json.dumps(DEFAULT_ROLE_POLICY))
        arns[kind] = role["Arn"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=arns)
    return {"IdentityPoolId": pool_id, "AuthenticatedRoleArn": arns["authenticated"], "UnauthenticatedRoleArn": arns["unauthenticated"]}
