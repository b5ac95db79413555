"""AWS STS in the sandbox: role sessions that IAM knows, granted only when the trust policy says so.

moto's STS hands out credentials for any token and any role, even one that does not exist
(see docs/moto-gaps.md). Here, following the STS API reference
(https://docs.aws.amazon.com/STS/latest/APIReference/):

* ``AssumeRoleWithWebIdentity`` validates the token (:mod:`labkit.webidentity`), evaluates the role's
  trust policy for the identity provider as the principal, and issues registered credentials;
* ``AssumeRole`` (signed) evaluates the trust policy for the caller -- the sandbox administrator, an IAM
  user, or a session the sandbox issued -- and records ``Policy`` / ``PolicyArns`` as session policies;
* ``GetCallerIdentity`` answers for sandbox-issued credentials (the assumed-role ARN);
* ``AssumeRoleWithSAML`` is :mod:`labkit.saml`'s (``assume_role_with_saml(params, ctx)``) when it exists.

Everything else falls through to moto.
"""

from __future__ import annotations

import datetime as _dt
import json
import re

from . import webidentity as wi
from .errors import ServiceError
from .wire.dispatch import Service, operation

SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
DEFAULT_DURATION = 3600
MIN_DURATION = 900
CHAINED_MAX_DURATION = 3600  # "role chaining limits ... to a maximum of one hour"


class AccessDenied(ServiceError):
    status = 403

    def __init__(self, message):
        super().__init__("AccessDenied", message)


class ValidationError(ServiceError):
    def __init__(self, message):
        super().__init__("ValidationError", message)


def _date(epoch: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)


def _credentials(creds) -> dict:
    return {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token, "Expiration": _date(creds.expiration)}


def _members(params: dict, prefix: str, field: str | None = None) -> list:
    """Query-protocol lists: ``PolicyArns.member.1.arn`` -> ``[value, ...]`` in order."""
    out = []
    n = 1
    while True:
        key = f"{prefix}.member.{n}" + (f".{field}" if field else "")
        if key not in params:
            return out
        out.append(params[key])
        n += 1


class STSService(Service):
    """``sts`` (query protocol)."""

    signing_name = "sts"
    protocol = "query"

    # ---------------------------------------------------------------- shared checks
    def _session_name(self, params) -> str:
        name = params.get("RoleSessionName")
        if not isinstance(name, str) or not SESSION_NAME.match(name):
            raise ValidationError(f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
                                  "Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        return name

    def _duration(self, params, role, max_allowed: int | None = None) -> int:
        raw = params.get("DurationSeconds")
        try:
            duration = int(raw) if raw is not None else DEFAULT_DURATION
        except ValueError:
            raise ValidationError(f"1 validation error detected: Value '{raw}' at 'durationSeconds' failed to satisfy constraint: "
                                  "Member must be a number") from None
        if duration < MIN_DURATION:
            raise ValidationError(f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
                                  f"Member must have value greater than or equal to {MIN_DURATION}")
        limit = int(getattr(role, "max_session_duration", None) or DEFAULT_DURATION) if role is not None else 43200
        if max_allowed is not None:
            limit = min(limit, max_allowed)
        if duration > limit:
            raise ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                                  if max_allowed is None or limit != max_allowed else
                                  "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
        return duration

    def _session_policies(self, params) -> list[str]:
        """``Policy`` (inline JSON text) and ``PolicyArns`` (managed policy ARNs, read by IAM at each call)."""
        from .policy import Policy, PolicyError

        texts = []
        if params.get("Policy"):
            try:
                Policy.parse(params["Policy"], name="session policy")
            except (PolicyError, ValueError) as exc:
                raise ServiceError("MalformedPolicyDocument", f"The policy is not valid: {exc}") from None
            texts.append(params["Policy"])
        backend = wi._iam_backend(self.sandbox)
        for arn in _members(params, "PolicyArns", "arn"):
            if arn not in backend.managed_policies:
                raise ServiceError("InvalidParameterValue", f"The policy {arn} does not exist or is not attachable.")
            texts.append(arn)
        return texts

    # ---------------------------------------------------------------- AssumeRoleWithWebIdentity
    @operation("AssumeRoleWithWebIdentity")
    def assume_role_with_web_identity(self, params, ctx):
        """API_AssumeRoleWithWebIdentity: token -> trust policy -> credentials for the role."""
        session_name = self._session_name(params)
        role_arn = params.get("RoleArn") or ""
        policies = self._session_policies(params)
        try:
            identity = wi.for_sts(self.sandbox, params.get("WebIdentityToken") or "", params.get("ProviderId"))
        except wi.Expired as exc:
            raise ServiceError("ExpiredTokenException", f"Token expired: current date/time {exc.now} must be before the expiration date/time{exc.exp}") from None
        except wi.NoSuchProvider as exc:
            raise ServiceError("InvalidIdentityToken", exc.reason) from None
        except wi.IncorrectAudience:
            raise ServiceError("InvalidIdentityToken", "Incorrect token audience") from None
        except wi.LoginRejected as exc:
            raise ServiceError("InvalidIdentityToken", f"The web identity token that was passed could not be validated by AWS. {exc.reason}") from None
        role = wi.find_role(self.sandbox, role_arn)
        duration = self._duration(params, role)
        try:
            creds = wi.assume_role(self.sandbox, role_arn, identity, session_name=session_name, duration=duration,
                                   source="AssumeRoleWithWebIdentity", session_policies=policies,
                                   identity_id=identity.subject if identity.provider == wi.COGNITO_IDENTITY else None)
        except wi.TrustRefused:
            raise AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity") from None
        provider = identity.claims.get("iss", identity.provider) if identity.provider not in (wi.GOOGLE, wi.COGNITO_IDENTITY) else identity.provider
        return {
            "Credentials": _credentials(creds),
            "SubjectFromWebIdentityToken": identity.subject,
            "AssumedRoleUser": {"AssumedRoleId": creds.user_id, "Arn": creds.assumed_role_arn},
            "PackedPolicySize": 6 if policies else None,
            "Provider": provider,
            "Audience": identity.audience,
        }

    # ---------------------------------------------------------------- AssumeRole
    def _caller(self, ctx):
        """(principal ARN, identity policies, issued credentials or None) of the signed request."""
        from .sandbox import ADMIN_ACCESS_KEY

        key = ctx.access_key
        issued = self.sandbox.issued.get(key)
        if issued is not None:
            if self.sandbox.issued.expired(issued):
                raise ServiceError("ExpiredToken", "The security token included in the request is expired", status=403)
            role = wi.find_role(self.sandbox, issued.role_arn)
            policies = wi.role_policies(self.sandbox, role) if role is not None else []
            return issued.assumed_role_arn, policies, issued
        if key == ADMIN_ACCESS_KEY or key is None:
            return f"arn:aws:iam::{self.sandbox.account_id}:root", [], None
        backend = wi._iam_backend(self.sandbox)
        user = backend.get_user_from_access_key_id(key) if hasattr(backend, "get_user_from_access_key_id") else None
        if user is None:
            raise ServiceError("InvalidClientTokenId", "The security token included in the request is invalid.", status=403)
        policies = list(user.policies.values()) + [p.document for p in user.managed_policies.values()]
        return user.arn, [p if isinstance(p, str) else json.dumps(p) for p in policies], None

    @operation("AssumeRole")
    def assume_role(self, params, ctx):
        """API_AssumeRole: the trust policy must allow the caller; session policies are recorded."""
        principal, identity_policies, issued = self._caller(ctx)
        session_name = self._session_name(params)
        role_arn = params.get("RoleArn") or ""
        policies = self._session_policies(params)
        role = wi.find_role(self.sandbox, role_arn)
        denied = AccessDenied(f"User: {principal} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        if role is None:
            raise denied
        duration = self._duration(params, role, CHAINED_MAX_DURATION if issued is not None else None)
        keys = {"sts:RoleSessionName": session_name}
        if params.get("ExternalId"):
            keys["sts:ExternalId"] = params["ExternalId"]
        if issued is not None:
            keys.update({k: v for k, v in issued.context.items() if not k.startswith("aws:")})
        try:
            wi.check_trust(self.sandbox, role, "sts:AssumeRole", principal, keys,
                           identity_policies=() if principal.endswith(":root") else identity_policies)
        except wi.TrustRefused:
            raise denied from None
        context = {"aws:userid": f"{role.id}:{session_name}", "aws:PrincipalType": "AssumedRole"}
        creds = self.sandbox.issued.issue(role_arn=role.arn, role_id=role.id, session_name=session_name, duration=duration,
                                          source="AssumeRole", context=context, session_policies=policies)
        return {"Credentials": _credentials(creds),
                "AssumedRoleUser": {"AssumedRoleId": creds.user_id, "Arn": creds.assumed_role_arn},
                "PackedPolicySize": 6 if policies else None}

    # ---------------------------------------------------------------- GetCallerIdentity
    @operation("GetCallerIdentity")
    def get_caller_identity(self, params, ctx):
        issued = self.sandbox.issued.get(ctx.access_key)
        if issued is None:
            return ctx.moto()
        if self.sandbox.issued.expired(issued):
            raise ServiceError("ExpiredToken", "The security token included in the request is expired", status=403)
        return {"UserId": issued.user_id, "Account": issued.account_id, "Arn": issued.assumed_role_arn}

    # ---------------------------------------------------------------- AssumeRoleWithSAML (hook)
    @operation("AssumeRoleWithSAML")
    def assume_role_with_saml(self, params, ctx):
        try:
            from . import saml
        except ImportError:
            saml = None
        hook = getattr(saml, "assume_role_with_saml", None)
        if hook is None:
            return ctx.moto()
        return hook(params, ctx)


def install(sandbox) -> STSService:
    return sandbox.dispatcher.register(STSService(sandbox))
