"""IAM's own operations where moto answers differently from AWS; every other IAM operation is moto's.

* "Policy document should not specify a principal." for an identity-based policy with a ``Principal``
  (*IAM JSON policy elements: Principal*: "You cannot use the Principal element in an identity-based
  policy", reference_policies_elements_principal.html), which moto accepts.
* A policy without ``Version`` (or with the legacy ``"2008-10-17"``) is a policy IAM accepts inline
  (``PutRolePolicy``, ``PutUserPolicy``, ``PutGroupPolicy``) and as a trust policy
  (``UpdateAssumeRolePolicy``): "If you do not include a Version element, the value defaults to
  2008-10-17, and newer features, such as policy variables, will not work with your policy" (*IAM
  JSON policy elements: Version*,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html). moto
  refuses every such document ("Policy document must be version 2012-10-17 or greater."). Only a
  *managed* policy (``CreatePolicy``, ``CreatePolicyVersion``) must say 2012-10-17, and there moto's
  refusal is AWS's own. The document is stored as written, so the guard reads ``${...}`` in it as
  literal text (:func:`labkit.iam.policy.evaluate`), as IAM does.
* ``CreateSAMLProvider`` with the name of an existing provider fails with ``EntityAlreadyExists``
  (HTTP 409; IAM API Reference, CreateSAMLProvider, *Errors*: "The request was rejected because it
  attempted to create a resource that already exists"), worded as IAM words it ("Provider with name
  X already exists.", as quoted in public reports of that error). moto replaces the provider.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import unquote, urlencode

from ..errors import ServiceError
from ..wire.dispatch import Service, operation
from ..wire.request import Headers
from . import models
from .exceptions import EntityAlreadyExists, MalformedPolicyDocument

__all__ = ["IamService"]

CURRENT_VERSION = "2012-10-17"
LEGACY_VERSION = "2008-10-17"


def _document(params) -> tuple[str, object]:
    """``(text, parsed JSON or None)`` of the request's ``PolicyDocument``."""
    text = params.get("PolicyDocument") or ""
    try:
        return text, json.loads(unquote(text) if text.startswith("%7B") else text)
    except ValueError:
        return text, None  # moto answers malformed JSON itself ("Syntax errors in policy.")


def _legacy(document) -> bool:
    """A document in the 2008-10-17 policy language: no ``Version``, or that one."""
    return isinstance(document, dict) and document.get("Version", LEGACY_VERSION) == LEGACY_VERSION


class IamService(Service):
    """The ``iam`` service in front of moto's."""

    signing_name = "iam"
    protocol = "query"

    def handle(self, request):
        # moto's IAM list operations page with a plain integer ``Marker`` (``int(marker)`` in its models):
        # any other marker is one IAM never handed out, refused here as a validation error (the
        # wording is labkit's best reconstruction; IAM documents the marker only as opaque).
        params = {**{k: v[-1] for k, v in request.query.items()}, **{k: v[-1] for k, v in (request.form or {}).items()}}
        marker = params.get("Marker")
        if marker is not None and not marker.isdigit():
            return self.error(ServiceError("ValidationError", f"Invalid Marker: '{marker}' is not a marker this API returned."))
        return super().handle(request)

    def _identity_policy(self, params, ctx, store=None):
        text, document = _document(params)
        if document is None:
            return ctx.moto()
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = statements if isinstance(statements, list) else [statements]
        if any(isinstance(st, dict) and ("Principal" in st or "NotPrincipal" in st) for st in statements):
            raise MalformedPolicyDocument("Policy document should not specify a principal.")
        if store is not None and _legacy(document):
            return self._legacy_document(text, document, ctx, store)
        return ctx.moto()

    def _legacy_document(self, text: str, document: dict, ctx, store):
        """Let moto check the document (every rule but the version) and keep it as written."""
        request = ctx.request
        if request.form is None or "PolicyDocument" not in request.form:
            return ctx.moto()
        checked = dict(document, Version=CURRENT_VERSION)
        form = {k: list(v) for k, v in request.form.items()}
        form["PolicyDocument"] = [json.dumps(checked)]
        body = urlencode([(k, v) for k, values in form.items() for v in values]).encode()
        headers = Headers(request.headers)
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(body))
        response = ctx.sandbox.dispatcher.moto(dataclasses.replace(request, body=body, form=form, headers=headers))
        if response is not None and response.status == 200:
            store(text)
        return response

    @operation("PutRolePolicy")
    def put_role_policy(self, params, ctx):
        return self._identity_policy(params, ctx, lambda text: models.keep_inline_policy(
            self.sandbox, "role", params.get("RoleName"), params.get("PolicyName"), text))

    @operation("PutUserPolicy")
    def put_user_policy(self, params, ctx):
        return self._identity_policy(params, ctx, lambda text: models.keep_inline_policy(
            self.sandbox, "user", params.get("UserName"), params.get("PolicyName"), text))

    @operation("PutGroupPolicy")
    def put_group_policy(self, params, ctx):
        return self._identity_policy(params, ctx, lambda text: models.keep_inline_policy(
            self.sandbox, "group", params.get("GroupName"), params.get("PolicyName"), text))

    @operation("CreatePolicy")
    def create_policy(self, params, ctx):
        return self._identity_policy(params, ctx)

    @operation("CreatePolicyVersion")
    def create_policy_version(self, params, ctx):
        return self._identity_policy(params, ctx)

    @operation("UpdateAssumeRolePolicy")
    def update_assume_role_policy(self, params, ctx):
        text, document = _document(params)
        if not _legacy(document):
            return ctx.moto()
        return self._legacy_document(text, document, ctx,
                                     lambda text: models.keep_trust_policy(self.sandbox, params.get("RoleName"), text))

    @operation("CreateSAMLProvider")
    def create_saml_provider(self, params, ctx):
        name = params.get("Name") or ""
        if name and models.saml_provider(self.sandbox, name) is not None:
            raise EntityAlreadyExists(f"Provider with name {name} already exists.")
        return ctx.moto()


IdentityPolicyDocuments = IamService  # the name this service had before labkit.iam became a package
