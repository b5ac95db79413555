"""``sts`` (query protocol): each operation unpacks its parameters, checks what is its own, and has
:mod:`.sessions` issue the role session.

STS API reference (https://docs.aws.amazon.com/STS/latest/APIReference/): ``AssumeRole``,
``AssumeRoleWithWebIdentity`` (the token checked by :mod:`labkit.webidentity`), ``AssumeRoleWithSAML``
(the assertion checked by :mod:`labkit.saml.assertions`) and ``GetCallerIdentity`` for the credentials
the sandbox issued. Everything else falls through to moto.
"""

from __future__ import annotations

import json

from ..iam import models as iam
from .. import webidentity as wi
from ..wire.dispatch import Service, operation
from . import sessions
from .exceptions import (AccessDenied, ExpiredToken, ExpiredTokenException, InvalidClientTokenId,
                         InvalidIdentityTokenException, InvalidParameterValue, MalformedPolicyDocumentException)


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


def _web_identity_refused(why: wi.LoginRejected):
    """STS's wording of a refused web identity token (API_AssumeRoleWithWebIdentity.html, Errors)."""
    if isinstance(why, wi.TokenExpired):
        return ExpiredTokenException(f"Token expired: current date/time {why.now} must be before the expiration date/time{why.exp}")
    if isinstance(why, wi.NoOpenIdProvider):
        return InvalidIdentityTokenException(why.reason)
    if isinstance(why, wi.IncorrectAudience):
        return InvalidIdentityTokenException("Incorrect token audience")
    return InvalidIdentityTokenException(f"The web identity token that was passed could not be validated by AWS. {why.reason}")


class STSService(Service):
    """``sts`` (query protocol)."""

    signing_name = "sts"
    protocol = "query"

    def _session_policies(self, params) -> list[str]:
        """``Policy`` (inline JSON text) and ``PolicyArns`` (managed policy ARNs, read by IAM at each call)."""
        from ..policy import Policy, PolicyError

        texts = []
        if params.get("Policy"):
            try:
                Policy.parse(params["Policy"], name="session policy")
            except (PolicyError, ValueError) as exc:
                raise MalformedPolicyDocumentException(f"The policy is not valid: {exc}") from None
            texts.append(params["Policy"])
        for arn in _members(params, "PolicyArns", "arn"):
            if not iam.managed_policy_exists(self.sandbox, arn):
                raise InvalidParameterValue(f"The policy {arn} does not exist or is not attachable.")
            texts.append(arn)
        return texts

    def _issued(self, key):
        """The credentials the sandbox issued for ``key`` (ExpiredToken once they expired), or None."""
        issued = self.sandbox.issued.get(key)
        if issued is not None and self.sandbox.issued.expired(issued):
            raise ExpiredToken()
        return issued

    # ---------------------------------------------------------------- AssumeRoleWithWebIdentity
    @operation("AssumeRoleWithWebIdentity")
    def assume_role_with_web_identity(self, params, ctx):
        """API_AssumeRoleWithWebIdentity: token -> trust policy -> credentials for the role."""
        name = sessions.session_name(params.get("RoleSessionName"))
        role_arn = params.get("RoleArn") or ""
        policies = self._session_policies(params)
        try:
            identity = wi.for_sts(self.sandbox, params.get("WebIdentityToken") or "", params.get("ProviderId"))
        except wi.LoginRejected as why:
            raise _web_identity_refused(why) from None
        role = sessions.find_role(self.sandbox, role_arn)
        seconds = sessions.duration(params.get("DurationSeconds"), role)
        keys = wi.session_keys(identity)
        try:
            creds = sessions.issue(self.sandbox, role, action="sts:AssumeRoleWithWebIdentity", principal=identity.principal,
                                   trust_keys=keys, name=name, seconds=seconds, source="AssumeRoleWithWebIdentity",
                                   session_policies=policies, subject=identity.subject,
                                   identity_id=identity.subject if identity.provider == wi.COGNITO_IDENTITY else None)
        except sessions.TrustRefused:
            raise AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity") from None
        provider = identity.claims.get("iss", identity.provider) if identity.provider not in (wi.GOOGLE, wi.COGNITO_IDENTITY) else identity.provider
        out = sessions.answer(creds, policies)
        return {"Credentials": out["Credentials"], "SubjectFromWebIdentityToken": identity.subject,  # the API's member order
                "AssumedRoleUser": out["AssumedRoleUser"], "PackedPolicySize": out["PackedPolicySize"],
                "Provider": provider, "Audience": identity.audience}

    # ---------------------------------------------------------------- AssumeRoleWithSAML
    @operation("AssumeRoleWithSAML")
    def assume_role_with_saml(self, params, ctx):
        """API_AssumeRoleWithSAML: the assertion (:func:`labkit.saml.assertions.verify`), the requested
        ``RoleArn``,``PrincipalArn`` pair among its Role attribute's values, then the trust policy with
        the ``SAML:*`` keys; the session ends no later than the assertion's ``SessionNotOnOrAfter``."""
        from .. import saml

        sb = self.sandbox
        role_arn = params.get("RoleArn") or ""
        provider_arn = params.get("PrincipalArn") or ""
        try:
            verified = saml.verify(sb, provider_arn, params.get("SAMLAssertion") or "")
            name = verified.session_name()
            role = sessions.find_role(sb, role_arn) if (role_arn, provider_arn) in verified.roles else None
            if role is None:
                raise saml.RoleNotGranted()
        except saml.AssertionRefused as why:
            raise why.error(why.reason) from None
        seconds = sessions.duration(params.get("DurationSeconds"), role)
        policies = self._session_policies(params)
        if verified.session_not_on_or_after is not None:
            seconds = max(1, min(seconds, int(verified.session_not_on_or_after - sb.clock.time())))
        try:
            creds = sessions.issue(sb, role, action="sts:AssumeRoleWithSAML", principal=provider_arn, trust_keys=verified.keys,
                                   name=name, seconds=seconds, source="AssumeRoleWithSAML", session_policies=policies,
                                   subject=verified.subject)
        except sessions.TrustRefused:
            raise AccessDenied(saml.RoleNotGranted.reason) from None
        return {**sessions.answer(creds, policies), "Subject": verified.subject, "SubjectType": verified.subject_type,
                "Issuer": verified.issuer, "Audience": verified.recipient, "NameQualifier": verified.name_qualifier}

    # ---------------------------------------------------------------- AssumeRole
    def _caller(self, ctx):
        """(principal ARN, identity policies, issued credentials or None) of the signed request."""
        from ..sandbox import ADMIN_ACCESS_KEY

        key = ctx.access_key
        issued = self._issued(key)
        if issued is not None:
            role = sessions.find_role(self.sandbox, issued.role_arn)
            policies = iam.role_policies(self.sandbox, role) if role is not None else []
            return issued.assumed_role_arn, policies, issued
        if key == ADMIN_ACCESS_KEY or key is None:
            return f"arn:aws:iam::{self.sandbox.account_id}:root", [], None
        user = iam.user_of_access_key(self.sandbox, key)
        if user is None:
            raise InvalidClientTokenId()
        policies = list(user.policies.values()) + [p.document for p in user.managed_policies.values()]
        return user.arn, [p if isinstance(p, str) else json.dumps(p) for p in policies], None

    @operation("AssumeRole")
    def assume_role(self, params, ctx):
        """API_AssumeRole: the trust policy must allow the caller; session policies are recorded."""
        principal, identity_policies, issued = self._caller(ctx)
        name = sessions.session_name(params.get("RoleSessionName"))
        role_arn = params.get("RoleArn") or ""
        policies = self._session_policies(params)
        role = sessions.find_role(self.sandbox, role_arn)
        denied = AccessDenied(f"User: {principal} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        if role is None:
            raise denied
        seconds = sessions.duration(params.get("DurationSeconds"), role, chained=issued is not None)
        keys = {"sts:RoleSessionName": name}
        if params.get("ExternalId"):
            keys["sts:ExternalId"] = params["ExternalId"]
        if issued is not None:
            keys.update({k: v for k, v in issued.context.items() if not k.startswith("aws:")})
        try:
            creds = sessions.issue(self.sandbox, role, action="sts:AssumeRole", principal=principal, trust_keys=keys,
                                   session_keys={}, name=name, seconds=seconds, source="AssumeRole", session_policies=policies,
                                   identity_policies=() if principal.endswith(":root") else identity_policies)
        except sessions.TrustRefused:
            raise denied from None
        return sessions.answer(creds, policies)

    # ---------------------------------------------------------------- GetCallerIdentity
    @operation("GetCallerIdentity")
    def get_caller_identity(self, params, ctx):
        from ..sandbox import ADMIN_ACCESS_KEY

        issued = self._issued(ctx.access_key)
        if issued is not None:
            return {"UserId": issued.user_id, "Account": issued.account_id, "Arn": issued.assumed_role_arn}
        if ctx.access_key == ADMIN_ACCESS_KEY:
            # The sandbox's admin keys are the account's root user, as IAM's denials already call them.
            # For root credentials AWS answers UserId = the account id and Arn ...:root (STS API
            # Reference, GetCallerIdentity, example "a root user").
            account = self.sandbox.account_id
            return {"UserId": account, "Account": account, "Arn": f"arn:aws:iam::{account}:root"}
        return ctx.moto()
