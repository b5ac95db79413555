"""IAM's own operations where moto answers differently from AWS; every other IAM operation is moto's.

* "Policy document should not specify a principal." for an identity-based policy with a ``Principal``
  (*IAM JSON policy elements: Principal*: "You cannot use the Principal element in an identity-based
  policy", reference_policies_elements_principal.html), which moto accepts.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from ..wire.dispatch import Service, operation
from .exceptions import MalformedPolicyDocument

__all__ = ["IamService"]


class IamService(Service):
    """The ``iam`` service in front of moto's."""

    signing_name = "iam"
    protocol = "query"

    def _checked(self, params, ctx):
        text = params.get("PolicyDocument") or ""
        try:
            document = json.loads(unquote(text) if text.startswith("%7B") else text)
        except ValueError:
            return ctx.moto()  # moto answers malformed JSON itself ("Syntax errors in policy.")
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = statements if isinstance(statements, list) else [statements]
        if any(isinstance(st, dict) and ("Principal" in st or "NotPrincipal" in st) for st in statements):
            raise MalformedPolicyDocument("Policy document should not specify a principal.")
        return ctx.moto()

    @operation("PutRolePolicy")
    def put_role_policy(self, params, ctx):
        return self._checked(params, ctx)

    @operation("PutUserPolicy")
    def put_user_policy(self, params, ctx):
        return self._checked(params, ctx)

    @operation("PutGroupPolicy")
    def put_group_policy(self, params, ctx):
        return self._checked(params, ctx)

    @operation("CreatePolicy")
    def create_policy(self, params, ctx):
        return self._checked(params, ctx)

    @operation("CreatePolicyVersion")
    def create_policy_version(self, params, ctx):
        return self._checked(params, ctx)


IdentityPolicyDocuments = IamService  # the name this service had before labkit.iam became a package
