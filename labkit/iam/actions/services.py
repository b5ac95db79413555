"""AWS Lambda, Amazon Cognito Sync, AWS STS, IAM and Cognito pools: action and resource of each request.

Follows the *Service Authorization Reference*
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
"Actions, resources, and condition keys for AWS Lambda" (``lambda:InvokeFunction`` on ``function:F``),
"... for Amazon Cognito Sync" (``identitypool/P/identity/I/dataset/D``), "... for AWS Security Token
Service" and *Available keys for AWS STS* (IAM User Guide, reference_policies_iam-condition-keys.html),
"... for Identity And Access Management", "... for Amazon Cognito User Pools" and "... Identity".
"""

from __future__ import annotations

from ...wire.request import Request
from .checks import Authorization

__all__ = ["lambda_authorization", "cognito_sync_authorization", "sts_authorization", "generic_resource", "iam_shown"]

# ------------------------------------------------------------------------------------------ Lambda, Cognito Sync, STS

# Lambda API operations whose IAM action has another name (Service Authorization Reference, AWS Lambda).
_LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction",
                   "GetFunctionConfiguration": "GetFunctionConfiguration", "ListFunctions": "ListFunctions"}


def lambda_authorization(op: str, uri: dict, request: Request, region: str, account_id: str) -> Authorization:
    action = "lambda:" + _LAMBDA_ACTIONS.get(op, op)
    name = uri.get("FunctionName")
    if not name:
        return Authorization(action, "*")
    if name.startswith("arn:"):
        resource = name
    elif ":function:" in name:  # "123456789012:function:F" (partial ARN)
        resource = f"arn:aws:lambda:{region}:{name}"
    else:
        resource = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    qualifier = (request.query.get("Qualifier") or [None])[0]
    if qualifier and resource.count(":") == 6:
        resource += f":{qualifier}"
    return Authorization(action, resource, {"lambda:FunctionArn": resource})


def cognito_sync_authorization(op: str, uri: dict, region: str, account_id: str) -> Authorization:
    """Resources of Amazon Cognito Sync: ``identitypool/P``, ``.../identity/I``, ``.../dataset/D``."""
    resource = "*"
    pool = uri.get("IdentityPoolId")
    if pool:
        resource = f"arn:aws:cognito-sync:{region}:{account_id}:identitypool/{pool}"
        if uri.get("IdentityId"):
            resource += f"/identity/{uri['IdentityId']}"
            if uri.get("DatasetName"):
                resource += f"/dataset/{uri['DatasetName']}"
    return Authorization(f"cognito-sync:{op}", resource)


def sts_authorization(op: str, params: dict) -> Authorization:
    """``sts:AssumeRole`` is authorized on the role, whose trust policy is the resource policy, with
    the keys of *Available keys for AWS STS* (IAM User Guide, reference_policies_iam-condition-keys.html)."""
    if op in ("AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML") and params.get("RoleArn"):
        keys = {}
        for param, key in (("RoleSessionName", "sts:RoleSessionName"), ("ExternalId", "sts:ExternalId"),
                           ("SourceIdentity", "sts:SourceIdentity")):
            if params.get(param):
                keys[key] = params[param]
        return Authorization(f"sts:{op}", params["RoleArn"], keys, role_arn=params["RoleArn"])
    return Authorization(f"sts:{op}", "*")


def generic_resource(service: str, params: dict, region: str, account_id: str) -> str:
    """The resource ARN of an operation of another service, where its parameters name one."""
    if service == "iam":
        for param, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"), ("InstanceProfileName", "instance-profile")):
            if params.get(param):
                return f"arn:aws:iam::{account_id}:{kind}/{params[param]}"
        return params.get("PolicyArn") or "*"
    if service == "cognito-idp" and params.get("UserPoolId"):
        return f"arn:aws:cognito-idp:{region}:{account_id}:userpool/{params['UserPoolId']}"
    if service == "cognito-identity" and params.get("IdentityPoolId"):
        return f"arn:aws:cognito-identity:{region}:{account_id}:identitypool/{params['IdentityPoolId']}"
    return params.get("ResourceArn") or "*"


def iam_shown(resource: str) -> str | None:
    """IAM names an existing role, user or group in its denial message as ``role <name>`` (e.g. "is not
    authorized to perform: iam:GetRole on resource: role MyRole"); a resource being created by its ARN."""
    kind, _, name = resource.partition(":iam::")[2].partition(":")[2].partition("/")
    return f"{kind} {name}" if kind in ("role", "user", "group") and name else None

