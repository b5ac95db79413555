"""IAM enforcement: temporary credentials the sandbox issued are limited, on every call, as on AWS.

"When a principal tries to use the AWS Management Console, the AWS API, or the AWS CLI, that principal
sends a request to AWS ... AWS authorizes the request only if each part of your request is allowed by
the policies" -- *Understanding how IAM works* (IAM/latest/UserGuide/intro-structure.html). moto checks
almost none of that (see ``docs/moto-gaps.md``, "IAM enforcement"); this guard does, for every request
signed with temporary credentials (``sb.issued``: Cognito identity pools, STS; or moto's own STS) and
with the long-term access keys of IAM users (``iam.create_access_key``):

1. *Authentication*: the session token must be the one issued with the key, and not expired
   (the service's ``ExpiredToken``/``ExpiredTokenException``; an unknown ``ASIA`` key gets the
   service's ``InvalidAccessKeyId``/``UnrecognizedClientException``/``InvalidClientTokenId``).
2. *Request context* (:mod:`labkit.iam.actions`): action, resource ARN(s) and condition keys, plus the
   global keys (``aws:SourceIp``, ``aws:CurrentTime``, ``aws:EpochTime``, ``aws:SecureTransport``,
   ``aws:RequestedRegion``, ``aws:userid``, ``aws:PrincipalArn``, ``aws:PrincipalTag/*``...) and the
   keys the credentials carry (``cognito-identity.amazonaws.com:sub``, ``...:aud``, ``...:amr``).
3. *Evaluation* (:func:`labkit.iam.policy.evaluate`): the role's (or the user's and its groups') inline
   and attached managed policies (read from IAM's state each call, :mod:`labkit.iam.models`, parsed once
   per text), the permissions boundary, the session policies, and the resource's policy (an S3 bucket
   policy; a role's trust policy for ``sts:AssumeRole``).
4. A denial is answered with the service's own error and AWS's message (:mod:`labkit.iam.denials`),
   e.g. S3's ``AccessDenied``: ``User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized
   to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows
   the s3:GetObject action``.

The sandbox's administrator key, keys nobody in the sandbox issued (other than ``ASIA`` ones) and
unsigned operations (``InitiateAuth``, ``GetId``, ``GetCredentialsForIdentity``,
``AssumeRoleWithWebIdentity``...) are never restricted. Anonymous requests are not evaluated (an
unsigned S3 GET is served as moto serves it). Every decision is kept (:mod:`labkit.iam.decisions`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from urllib.parse import unquote

from ..sandbox import ADMIN_ACCESS_KEY
from . import actions, models
from .decision_log import HISTORY, AuthorizationRecord, DecisionLog
from .denials import denial_message, errors_for
from .exceptions import PolicyError
from .policy import Decision, RequestContext, evaluate

__all__ = ["IamEnforcement"]


@dataclass
class _Caller:
    """Who signs a request, and what IAM evaluates for them."""

    arn: str  # as AWS names the principal in its messages
    identity: list
    boundary: object
    names: list
    session_policies: list | None
    keys: dict  # the principal's global condition keys


def _tag_keys(entity) -> dict:
    """``aws:PrincipalTag/<key>`` for the tags of a role or user (moto keeps a list or a dict of them)."""
    tags = getattr(entity, "tags", None) or []
    if isinstance(tags, dict):
        tags = list(tags.values())
    return {f"aws:PrincipalTag/{t['Key']}": t.get("Value", "") for t in tags if isinstance(t, dict) and "Key" in t}


class _Session:
    """The credentials behind an ``ASIA`` key: ours (``sb.issued``) or, failing that, moto's STS."""

    __slots__ = ("role_arn", "assumed_role_arn", "user_id", "session_token", "expiration", "session_policies", "context")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


class IamEnforcement:
    """The ``iam`` component: a dispatcher guard that authorizes every call made with credentials the
    sandbox issued (role sessions, IAM users' keys) and keeps its decisions for explanations."""

    def __init__(self, sandbox, history: int = HISTORY):
        self.sandbox = sandbox
        self.decisions = DecisionLog(history)
        self.checked = 0  # requests authorized (allowed or not)
        self._clock_text = (None, "")  # (epoch second, aws:CurrentTime) of the last call

    # -------------------------------------------------------------- the guard
    def guard(self, request):
        """Dispatcher guard: ``None`` lets the request go on; a Response refuses it."""
        key, token = actions.credentials_of(request)
        if not key or key == ADMIN_ACCESS_KEY:
            return None  # unsigned, or the sandbox's administrator
        temporary = key.startswith("ASIA")
        user, access_key = (None, None) if temporary else models.user_key(self.sandbox, key)
        if not temporary and user is None:
            return None  # a key neither STS nor IAM issued in this sandbox: not ours to judge
        what = actions.authorizations(request, self.sandbox.account_id, self._table_keys)
        if what.public:
            return None
        errors = errors_for(request.service)
        if temporary:
            session = self._session(key)
            if session is None or not token:
                return errors.unknown_key(request)
            if token != session.session_token:
                return errors.bad_token(request)
            if self.sandbox.clock.time() >= session.expiration:
                return errors.expired_token(request)
        elif access_key.status != "Active":  # "Inactive keys cannot be used to make API calls"
            return errors.unknown_key(request)
        if what.free:
            return None
        self.checked += 1
        caller = self._session_caller(session) if temporary else self._user_caller(user)
        base_keys = self._global_keys(request, caller.keys)

        def decide(check: actions.Authorization, note: str = "") -> Decision:
            keys = dict(base_keys)
            keys.update(check.keys)
            resource_policy = self._resource_policy(check)
            ctx = RequestContext(check.action, check.resource, caller.arn, self.sandbox.account_id, keys)
            try:
                decision = evaluate(ctx, caller.identity, caller.session_policies, resource_policy, caller.boundary)
            except PolicyError as exc:  # a document IAM would have refused: say so rather than crash
                decision = Decision(False, "implicit-deny", [], [], ctx, f"a policy could not be read: {exc}")
            # issue 14: a named session policy (the guests' scope-down) is listed by its name
            sessions = [p.name if getattr(p, "name", "").startswith("the session policy") else "session policy" for p in caller.session_policies or []]
            used = caller.names + sessions + (["bucket policy"] if resource_policy and check.bucket else [])
            self.decisions.append(
                AuthorizationRecord(
                    call=self.sandbox.dispatcher.log.last_seq + 1,
                    time=self.sandbox.clock.time(),
                    service=what.service,
                    operation=what.operation,
                    request=f"{request.method} {unquote(request.path)}",
                    principal=caller.arn,
                    access_key=key,
                    action=check.action,
                    resource=check.resource,
                    keys=keys,
                    decision=decision,
                    policies=used,
                    note=note,
                )
            )
            return decision

        for check in what.checks:
            decision = decide(check)
            if not decision.allowed:
                message = denial_message(caller.arn, check.action, check.shown or check.resource, decision,
                                         quote_resource=request.service == "s3")
                return errors.access_denied(message, request)
        if what.operation in ("GetObject", "HeadObject") and what.service == "s3":
            return self._missing_object(request, what.checks[0], decide, errors)
        return None

    def _missing_object(self, request, check: actions.Authorization, decide, errors):
        """"If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403
        Access Denied error" for a key that does not exist, instead of 404 NoSuchKey (S3 API Reference,
        GetObject, *Permissions*): a caller may not learn which keys exist unless it may list them."""
        bucket = models.bucket(self.sandbox, check.bucket)
        _, key = actions.s3_address(request)
        if bucket is None or key is None or key in bucket.keys:
            return None
        listing = actions.Authorization("s3:ListBucket", f"arn:aws:s3:::{check.bucket}", {}, check.bucket)
        note = (f"{check.resource} does not exist; S3 answers 404 NoSuchKey only to a caller allowed "
                "s3:ListBucket on the bucket, and 403 Access Denied to any other.")
        if decide(listing, note).allowed:
            return None
        return errors.access_denied("Access Denied", request)

    # -------------------------------------------------------------- look-ups
    def _session(self, key: str):
        """The credentials behind an ``ASIA`` key: ours (``sb.issued``) or, failing that, moto's STS."""
        return self.sandbox.issued.get(key) or self._moto_session(key)

    def _moto_session(self, key: str) -> _Session | None:
        """A session moto's STS issued (for STS operations labkit does not implement itself)."""
        account = self.sandbox.account_id
        for role in models.moto_sessions(self.sandbox):
            if role.access_key_id == key:
                role_name = role.role_arn.rsplit("/", 1)[-1]
                role_obj = models.role(self.sandbox, role.role_arn, by_name=True)
                return _Session(
                    role_arn=role.role_arn,
                    assumed_role_arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{role.session_name}",
                    user_id=f"{role_obj.id if role_obj else role_name}:{role.session_name}",
                    session_token=role.session_token,
                    expiration=role.expiration.replace(tzinfo=_dt.timezone.utc).timestamp(),
                    session_policies=[role.policy] if role.policy else [],
                    context={},
                )
        return None

    def _table_keys(self, region: str, table: str):
        return models.table_keys(self.sandbox, region, table)

    def _session_policy(self, item):
        if isinstance(item, str) and item.startswith("arn:"):
            text = models.managed_document(self.sandbox, item) or '{"Version":"2012-10-17","Statement":[]}'
            return models.parse(text, item.rsplit("/", 1)[-1])
        return item if not isinstance(item, str) else models.parse(item, "session policy")

    def _resource_policy(self, check: actions.Authorization):
        if check.bucket:
            policy = models.bucket_policy(self.sandbox, check.bucket)
            if policy is not None:
                return policy
        if check.role_arn:
            role = models.role(self.sandbox, check.role_arn, by_name=True)
            if role is not None:
                return models.parse(role.assume_role_policy_document, f"trust policy of {role.name}")
        return None

    def _global_keys(self, request, principal_keys: dict) -> dict:
        """Global condition context keys (IAM User Guide, reference_policies_condition-keys.html)."""
        second = int(self.sandbox.clock.time())
        if self._clock_text[0] != second:
            self._clock_text = (second, _dt.datetime.fromtimestamp(second, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        keys = {
            "aws:CurrentTime": self._clock_text[1],
            "aws:EpochTime": str(second),
            "aws:SecureTransport": "true" if request.secure else "false",
            "aws:SourceIp": request.source_ip,
            "aws:RequestedRegion": request.region,
            "aws:PrincipalAccount": self.sandbox.account_id,
        }
        keys.update(principal_keys)
        return keys

    def _session_caller(self, session) -> _Caller:
        """A role session: the role's policies, the session policies, the role's tags and the keys the
        credentials carry (``aws:username`` is absent for roles)."""
        role = models.role(self.sandbox, session.role_arn, by_name=True)
        identity, boundary, names = models.identity_policies(self.sandbox, role)
        keys = {"aws:userid": session.user_id, "aws:PrincipalArn": session.role_arn, "aws:PrincipalType": "AssumedRole"}
        keys.update(_tag_keys(role))
        keys.update(session.context or {})
        session_policies = [self._session_policy(p) for p in session.session_policies] or None
        return _Caller(session.assumed_role_arn, identity, boundary, names, session_policies, keys)

    def _user_caller(self, user) -> _Caller:
        """An IAM user signing with its access key: its own policies and its groups'."""
        identity, boundary, names = models.identity_policies(self.sandbox, user)
        for group in models.groups_of(self.sandbox, user.name):
            more, _, more_names = models.identity_policies(self.sandbox, group)
            identity += more
            names += [f"{n} via group {group.name}" for n in more_names]
        arn = f"arn:aws:iam::{self.sandbox.account_id}:user{user.path}{user.name}"
        keys = {"aws:username": user.name, "aws:userid": user.id, "aws:PrincipalArn": arn, "aws:PrincipalType": "User"}
        keys.update(_tag_keys(user))
        return _Caller(arn, identity, boundary, names, None, keys)

    # -------------------------------------------------------------- explanations
    def last(self, denied: bool = False) -> AuthorizationRecord | None:
        return self.decisions.last(denied)

    def explain_last(self, denied: bool = True) -> str:
        return self.decisions.explain_last(denied)
