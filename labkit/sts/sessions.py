"""The one issuer of role sessions: every way into a role ends here.

``AssumeRole``, ``AssumeRoleWithWebIdentity``, ``AssumeRoleWithSAML`` and Cognito identity pools'
``GetCredentialsForIdentity`` (which calls STS for the identity) all do the same steps, as the STS API
reference describes them (API_AssumeRole.html, API_AssumeRoleWithWebIdentity.html,
API_AssumeRoleWithSAML.html; "Requesting temporary security credentials", id_credentials_temp_request.html):

1. the session's name and duration are checked (:func:`session_name`, :func:`duration`);
2. the role's trust policy must allow the action (``sts:AssumeRole``, ``sts:AssumeRoleWithWebIdentity``,
   ``sts:AssumeRoleWithSAML``) for this principal with the request's condition keys, evaluated by
   :mod:`labkit.policy`; session tags need ``sts:TagSession`` too ("Passing session tags in AWS STS",
   id_session-tags.html);
3. credentials are made and registered (:class:`labkit.credentials.CredentialStore`) with the keys every
   later call is evaluated with: the identity's condition keys, ``aws:PrincipalTag/*``, and ``aws:userid``
   ``<role id>:<session name>`` (the assumed-role ARN is ``arn:aws:sts::<account>:assumed-role/<role>/<session>``).

Callers word a refusal their own way (:class:`TrustRefused` -> STS ``AccessDenied``, Cognito
``InvalidIdentityPoolConfigurationException``).
"""

from __future__ import annotations

import datetime as _dt
import re

from ..iam import models as iam
from ..credentials import IssuedCredentials
from .exceptions import ValidationError

#: RoleSessionName: ``[\w+=,.@-]*``, 2 to 64 characters (``\w`` as AWS means it: ASCII letters, digits, ``_``).
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
DEFAULT_DURATION = 3600
MIN_DURATION = 900
MAX_DURATION = 43200  # 12 hours, the largest MaxSessionDuration
CHAINED_MAX_DURATION = 3600  # "role chaining limits your ... session to a maximum of one hour"


class TrustRefused(Exception):
    """The role does not exist, or its trust policy does not allow this principal to assume it."""

    def __init__(self, explanation: str):
        super().__init__(explanation)
        self.explanation = explanation


# ------------------------------------------------------------------------------------------------ checks
def session_name(name) -> str:
    """``RoleSessionName`` as STS checks it (ValidationError otherwise)."""
    if not isinstance(name, str) or not SESSION_NAME.match(name):
        raise ValidationError(f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    return name


def duration(raw, role, *, chained: bool = False) -> int:
    """``DurationSeconds``: default one hour, at least 900 s, at most the role's MaxSessionDuration
    (one hour when a session assumes a role: role chaining)."""
    try:
        seconds = int(raw) if raw is not None else DEFAULT_DURATION
    except ValueError:
        raise ValidationError(f"1 validation error detected: Value '{raw}' at 'durationSeconds' failed to satisfy constraint: "
                              "Member must be a number") from None
    if seconds < MIN_DURATION:
        raise ValidationError(f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: "
                              f"Member must have value greater than or equal to {MIN_DURATION}")
    limit = int(getattr(role, "max_session_duration", None) or DEFAULT_DURATION) if role is not None else MAX_DURATION
    if chained:
        limit = min(limit, CHAINED_MAX_DURATION)
    if seconds > limit:
        raise ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                              if chained and limit == CHAINED_MAX_DURATION else
                              "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    return seconds


def find_role(sb, role_arn: str):
    """The IAM role of ``role_arn``, or None."""
    return iam.role(sb, role_arn)


# ------------------------------------------------------------------------------------------------ trust
def check_trust(sb, role, action: str, principal: str, keys: dict, identity_policies=()):
    """Evaluate ``role``'s trust policy for ``action`` by ``principal`` (labkit.policy); raise TrustRefused."""
    from ..policy import Policy, PolicyError, RequestContext, evaluate

    try:
        decision = evaluate(
            RequestContext(action, role.arn, principal, sb.account_id, keys=keys),
            identity_policies=list(identity_policies),
            resource_policy=Policy.parse(iam.trust_policy(role), name=f"trust policy of {role.name}"),
        )
    except PolicyError as exc:
        raise TrustRefused(f"the trust policy of {role.name} is not valid: {exc}") from None
    if not decision.allowed:
        raise TrustRefused(decision.explain())
    return decision


# ------------------------------------------------------------------------------------------------ issuing
def issue(sb, role, *, action: str, principal: str, trust_keys: dict, name: str, seconds: int, source: str,
          session_keys: dict | None = None, identity_policies=(), session_policies=(), session_tags: dict | None = None,
          identity_id: str | None = None, subject: str | None = None) -> IssuedCredentials:
    """Steps 2 and 3 of the module docstring: the trust policy allows ``action`` -> registered credentials.

    ``trust_keys`` are the request's condition keys for the trust policy; ``session_keys`` those the
    session carries afterwards (default: the same). Raises :class:`TrustRefused`.
    """
    if role is None:
        raise TrustRefused("the role does not exist")
    check_trust(sb, role, action, principal, trust_keys, identity_policies)
    context = dict(trust_keys if session_keys is None else session_keys)
    if session_tags:
        request_tags = {f"aws:RequestTag/{k}": v for k, v in session_tags.items()}
        check_trust(sb, role, "sts:TagSession", principal, {**trust_keys, **request_tags, "aws:TagKeys": list(session_tags)})
        context.update({f"aws:PrincipalTag/{k}": v for k, v in session_tags.items()})
    context["aws:userid"] = f"{role.id}:{name}"
    context["aws:PrincipalType"] = "AssumedRole"
    return sb.issued.issue(role_arn=role.arn, role_id=role.id, session_name=name, duration=seconds, source=source,
                           context=context, session_policies=session_policies, identity_id=identity_id, subject=subject)


def _date(epoch: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)


def answer(creds: IssuedCredentials, session_policies=()) -> dict:
    """The members every ``AssumeRole*`` result shares: ``Credentials``, ``AssumedRoleUser``, ``PackedPolicySize``."""
    return {
        "Credentials": {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key,
                        "SessionToken": creds.session_token, "Expiration": _date(creds.expiration)},
        "AssumedRoleUser": {"AssumedRoleId": creds.user_id, "Arn": creds.assumed_role_arn},
        "PackedPolicySize": 6 if session_policies else None,
    }
