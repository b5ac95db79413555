"""The request context: what AWS knows about a request when it authorizes it.

Follows *Policy evaluation logic*, "Processing the request context" (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-reqcontext),
and, for the keys AWS derives from the principal, *AWS global condition context keys*
(reference_policies_condition-keys.html).
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["RequestContext"]


@dataclass
class RequestContext:
    """What AWS knows about a request when it authorizes it.

    "AWS processes the request to gather the following information into a *request context*:
    Actions, Resources, Principal, Environment data, Resource data" -- *Policy evaluation logic,
    Processing the request context*. Environment and resource data are condition keys, in ``keys``.

    ``action``
        ``"service:Operation"``, e.g. ``"s3:GetObject"`` (matched case-insensitively).
    ``resource``
        The ARN the action is performed on (matched case-sensitively); ``"*"`` for actions that take
        no resource.
    ``principal_arn``
        Who asks: an IAM user ``arn:aws:iam::111122223333:user/alice``, a role session
        ``arn:aws:sts::111122223333:assumed-role/Role/session``, a federated user
        ``arn:aws:sts::111122223333:federated-user/bob``, the root user ``arn:aws:iam::111122223333:root``,
        a service or web-identity provider (``"cognito-identity.amazonaws.com"``, for a role trust
        policy), or ``""`` for an anonymous request.
    ``account_id``
        The principal's account (taken from ``principal_arn`` when that has one).
    ``keys``
        Condition context keys. Names are case-insensitive ("Key names are case-insensitive" --
        *Variables and tags*); values are ``str`` or, for multivalued keys such as
        ``dynamodb:LeadingKeys``, ``dynamodb:Attributes``, ``aws:TagKeys`` and
        ``cognito-identity.amazonaws.com:amr``, a list of ``str``. ``bool`` and numbers are turned into
        their policy spelling (``True`` -> ``"true"``); ``bytes`` are kept for ``BinaryEquals``; a
        ``None`` value is the same as an absent key. When not given, ``aws:PrincipalArn``,
        ``aws:PrincipalAccount``, ``aws:PrincipalType`` and (for IAM users) ``aws:username`` are
        derived from ``principal_arn``, as AWS does.
    ``resource_account``
        The account that owns the resource, when it differs from the principal's: the request is then
        cross-account and needs an allow from both sides. ``None`` (the default) means same account.
    """

    action: str
    resource: str = "*"
    principal_arn: str = ""
    account_id: str = ""
    keys: Mapping[str, Any] = field(default_factory=dict)
    resource_account: str | None = None


@dataclass(frozen=True)
class _Principal:
    """The requester, as the levels AWS may check it at: session, then role, then account.

    ``levels`` is a tuple of levels; each level a tuple of ``(kind, value)`` spellings that name it.
    """

    kind: str  # "user" | "role-session" | "federated-user" | "role" | "root" | "named" | "anonymous"
    account: str
    levels: tuple
    derived: tuple  # (key, value) condition keys AWS fills in for this principal


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


@functools.lru_cache(maxsize=1024)
def _principal(principal_arn: str, account_id: str) -> _Principal:
    arn = principal_arn.strip()
    if arn in ("", "*", "anonymous"):
        return _Principal("anonymous", account_id, (), (("aws:principaltype", "Anonymous"),))
    parts = _arn_parts(arn)
    if parts is None:  # a service principal or a web-identity provider, e.g. cognito-identity.amazonaws.com
        level = (("service", arn), ("federated", arn), ("canonical", arn), ("arn", arn))
        return _Principal("named", account_id, (level,), ())
    service, account, res = parts[2], parts[4] or account_id, parts[5]
    acct_level = (("account", account),)
    derived = [("aws:principalaccount", account)] if account else []
    if service == "iam" and res == "root":
        derived += [("aws:principalarn", arn), ("aws:principaltype", "Account")]
        return _Principal("root", account, (acct_level + (("arn", arn),),), tuple(derived))
    if service == "iam" and res.startswith("user/"):
        derived += [("aws:principalarn", arn), ("aws:principaltype", "User"), ("aws:username", res.rsplit("/", 1)[1])]
        return _Principal("user", account, ((("user", arn), ("arn", arn)), acct_level), tuple(derived))
    if service == "iam" and res.startswith("role/"):
        name = res.rsplit("/", 1)[1]
        derived += [("aws:principalarn", arn), ("aws:principaltype", "AssumedRole")]
        return _Principal("role", account, ((("role", f"{account}/{name}"), ("arn", arn)), acct_level), tuple(derived))
    if service == "iam" and (res.startswith("saml-provider/") or res.startswith("oidc-provider/")):
        return _Principal("named", account, ((("federated", arn), ("arn", arn)),), tuple(derived))
    if service == "sts" and res.startswith("assumed-role/"):
        _, role, *_session = res.split("/")
        role_arn = f"arn:{parts[1]}:iam::{account}:role/{role}"
        derived += [("aws:principalarn", role_arn), ("aws:principaltype", "AssumedRole")]
        levels = ((("session", arn), ("arn", arn)), (("role", f"{account}/{role}"), ("arn", role_arn)), acct_level)
        return _Principal("role-session", account, levels, tuple(derived))
    if service == "sts" and res.startswith("federated-user/"):
        derived += [("aws:principalarn", arn), ("aws:principaltype", "FederatedUser")]
        return _Principal("federated-user", account, ((("session", arn), ("arn", arn)), acct_level), tuple(derived))
    return _Principal("named", account, ((("arn", arn),), acct_level) if account else ((("arn", arn),),), tuple(derived))


def _normalize(value: Any) -> Any:
    """A context value as the evaluator compares it: ``str``, ``bytes``, a tuple of them, or None."""
    if isinstance(value, str) or value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v if isinstance(v, (str, bytes)) else _normalize(v) for v in value if v is not None)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


class _Ctx:
    """A :class:`RequestContext` prepared for one evaluation (lower-cased key lookup)."""

    __slots__ = ("request", "action", "resource", "principal", "keys", "cross_account")

    def __init__(self, request: RequestContext):
        self.request = request
        self.action = request.action.lower()
        self.resource = request.resource
        self.principal = who = _principal(request.principal_arn or "", request.account_id or "")
        keys = {k.lower(): _normalize(v) for k, v in request.keys.items()}
        for k, v in who.derived:
            keys.setdefault(k, v)
        self.keys = keys
        owner = request.resource_account
        self.cross_account = bool(owner and who.account and owner != who.account)

