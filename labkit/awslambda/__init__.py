"""AWS Lambda in the sandbox: functions created with plain boto3 really run, without Docker.

    lam = boto3.client("lambda")
    lam.create_function(FunctionName="hello", Runtime="python3.12", Role=role_arn,
                        Handler="app.handler", Code={"ZipFile": zip_bytes})
    lam.invoke(FunctionName="hello", Payload=b'{"name": "Ada"}')["Payload"].read()

moto stores the functions; :mod:`.service` runs ``Invoke`` in warm execution environments
(:mod:`.runtime`: one Python subprocess per function version, with the execution role's credentials,
the function's environment variables, timeout and context object). Other parts of the sandbox (API
Gateway integrations and authorizers) call :func:`invoke`, which also checks the function's
resource-based policy (``AddPermission``) for the AWS service that calls it.
"""

from __future__ import annotations

import json

from ..errors import LabkitError
from .runtime import Outcome
from .service import LambdaService

__all__ = ["install", "LambdaService", "Outcome", "invoke", "service_may_invoke", "FunctionMissing"]


class FunctionMissing(LabkitError):
    """The function an integration names does not exist."""


def _service(sandbox) -> LambdaService:
    service = sandbox.components.get("awslambda")
    if service is None:
        raise LabkitError("This sandbox has no Lambda component (labkit.awslambda is not installed).")
    return service


def function_of(sandbox, function_arn: str):
    """moto's function for an ARN (``arn:aws:lambda:region:acct:function:name[:qualifier]``), or None."""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        return None
    qualifier = parts[7] if len(parts) > 7 else None
    return _service(sandbox).function(parts[6], qualifier, parts[3])


def service_may_invoke(sandbox, fn, principal: str, source_arn: str | None, source_account: str | None = None) -> bool:
    """Does the function's resource-based policy let the AWS service ``principal``
    (``apigateway.amazonaws.com``) invoke it for ``source_arn``? (*Using resource-based policies in
    Lambda*, https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html.)"""
    from ..policy import Policy, PolicyError, RequestContext, evaluate

    statements = list(getattr(fn.policy, "statements", []) or [])
    if not statements:
        return False
    document = {"Version": "2012-10-17", "Statement": statements}
    keys = {}
    if source_arn:
        keys["aws:SourceArn"] = source_arn
    keys["aws:SourceAccount"] = source_account or sandbox.account_id
    try:
        decision = evaluate(RequestContext("lambda:InvokeFunction", fn.function_arn, principal, sandbox.account_id, keys),
                            resource_policy=Policy.parse(json.dumps(document), name=f"resource policy of {fn.function_name}"))
    except PolicyError:
        return False
    return decision.allowed


def invoke(sandbox, function_arn: str, event, *, identity: dict | None = None) -> Outcome:
    """Run the function ``function_arn`` with ``event`` (a JSON-able value) and return its
    :class:`Outcome` (``payload`` JSON text, or ``error``). Raises :class:`FunctionMissing`."""
    fn = function_of(sandbox, function_arn)
    if fn is None:
        raise FunctionMissing(f"Function not found: {function_arn}")
    return _service(sandbox).run(fn, json.dumps(event), invoked_arn=function_arn, identity=identity)


def install(sandbox) -> LambdaService:
    return sandbox.dispatcher.register(LambdaService(sandbox))
