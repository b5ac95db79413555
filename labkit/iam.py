"""IAM enforcement: temporary credentials the sandbox issued are limited, on every call, as on AWS.

"When a principal tries to use the AWS Management Console, the AWS API, or the AWS CLI, that principal
sends a request to AWS ... AWS authorizes the request only if each part of your request is allowed by
the policies" -- *Understanding how IAM works* (IAM/latest/UserGuide/intro-structure.html). moto checks
almost none of that (see ``/work/shared/moto-gaps.md``, "IAM enforcement"); this component does, for
every request signed with temporary credentials (``sb.issued``: Cognito identity pools, STS; or moto's
own STS) and with the long-term access keys of IAM users (``iam.create_access_key``):

1. *Authentication*: the session token must be the one issued with the key, and not expired
   (the service's ``ExpiredToken``/``ExpiredTokenException``; an unknown ``ASIA`` key gets the
   service's ``InvalidAccessKeyId``/``UnrecognizedClientException``/``InvalidClientTokenId``).
2. *Request context* (:mod:`labkit.actions`): action, resource ARN(s) and condition keys, plus the
   global keys (``aws:SourceIp``, ``aws:CurrentTime``, ``aws:EpochTime``, ``aws:SecureTransport``,
   ``aws:RequestedRegion``, ``aws:userid``, ``aws:PrincipalArn``, ``aws:PrincipalTag/*``...) and the
   keys the credentials carry (``cognito-identity.amazonaws.com:sub``, ``...:aud``, ``...:amr``).
3. *Evaluation* (:func:`labkit.policy.evaluate`): the role's (or the user's and its groups') inline
   and attached managed policies (read from moto's IAM each call, parsed once per text), the
   permissions boundary, the session policies, and the resource's policy (an S3 bucket policy; a role's trust policy for
   ``sts:AssumeRole``).
4. A denial is answered with the service's own error and AWS's message, e.g. S3's ``AccessDenied``:
   ``User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: s3:GetObject on
   resource: "arn:aws:s3:::b/k" because no identity-based policy allows the s3:GetObject action``.

The sandbox's administrator key, keys nobody in the sandbox issued (other than ``ASIA`` ones) and
unsigned operations (``InitiateAuth``, ``GetId``, ``GetCredentialsForIdentity``,
``AssumeRoleWithWebIdentity``...) are never restricted. Anonymous requests are not evaluated (an
unsigned S3 GET is served as moto serves it).

"Why was I denied?": every decision is kept (``sb.components["iam"].decisions``, newest last) and
:func:`explain_last` tells it in plain English.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import unquote

from . import actions
from .errors import LabkitError, ServiceError
from .policy import Decision, Policy, PolicyError, RequestContext, evaluate
from .sandbox import ADMIN_ACCESS_KEY
from .wire.dispatch import Service, operation

__all__ = ["install", "IamEnforcement", "AuthorizationRecord", "explain_last", "decisions"]

HISTORY = 100  # decisions kept for explanations

_POLICY_KIND_WORDS = {
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "session": "a session policy",
    "boundary": "a permissions boundary",
}
_IMPLICIT_WORDS = {
    "implicit-deny": "identity-based policy",
    "session-policy-deny": "session policy",
    "boundary-deny": "permissions boundary",
    "cross-account-deny": "resource-based policy",
}


def denial_message(principal: str, action: str, resource: str, decision: Decision, *, quote_resource: bool = False) -> str:
    """AWS's access denied message: *Access denied error messages* (IAM User Guide,
    troubleshoot_access-denied.html#access_denied_error_messages): "User: <principal> is not
    authorized to perform: <action> on resource: <resource> because no <policy type> allows the
    <action> action", or "... with an explicit deny in <a policy type>"."""
    shown = f'"{resource}"' if quote_resource else resource
    head = f"User: {principal} is not authorized to perform: {action}"
    if resource != "*":  # an action on no particular resource is named alone (s3:ListAllMyBuckets)
        head += f" on resource: {shown}"
    if decision.reason == "explicit-deny":
        deny = next((m for m in decision.matched if m.effect == "Deny"), None)
        return f"{head} with an explicit deny in {_POLICY_KIND_WORDS.get(deny.kind if deny else 'identity')}"
    return f"{head} because no {_IMPLICIT_WORDS.get(decision.reason, 'identity-based policy')} allows the {action} action"


@dataclass
class AuthorizationRecord:
    """One authorization the sandbox made: what was asked, by whom, and the :class:`Decision`.

    ``call`` is the sequence number the request has in ``sb.calls``. ``keys`` are the condition keys
    of the request context (global, service and the credentials' own).
    """

    call: int
    time: float
    service: str
    operation: str
    request: str  # "GET /photos/private/cat.jpg"
    principal: str
    access_key: str
    action: str
    resource: str
    keys: dict
    decision: Decision
    policies: list = field(default_factory=list)  # names of the policies evaluated
    note: str = ""  # why this check was made, when the request itself did not name it

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def explain(self) -> str:
        """The decision in plain English: verdict, the statements that decided, the request's keys."""
        verdict = "allowed" if self.allowed else "DENIED"
        lines = [
            f"Call #{self.call}: {self.service} {self.operation} ({self.request}) was {verdict}.",
            f"  Action:    {self.action}",
            f"  Resource:  {self.resource}",
            f"  Policies evaluated: {', '.join(self.policies) if self.policies else 'none'}",
        ]
        if self.note:
            lines.append(f"  Note: {self.note}")
        lines += [
            "",
            self.decision.explain(),
        ]
        shown = {k: v for k, v in self.keys.items() if not k.startswith(("aws:CurrentTime", "aws:EpochTime"))}
        if shown:
            lines += ["", "Request context keys:"]
            lines += [f"  {k} = {v!r}" for k, v in sorted(shown.items())]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()


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
        self.decisions: deque[AuthorizationRecord] = deque(maxlen=history)
        self.checked = 0  # requests authorized (allowed or not)
        self._iam_backend = None
        self._s3_backend = None
        self._dynamodb_backends: dict = {}
        self._clock_text = (None, "")  # (epoch second, aws:CurrentTime) of the last call

    # -------------------------------------------------------------- the guard
    def guard(self, request):
        """Dispatcher guard: ``None`` lets the request go on; a Response refuses it."""
        key, token = actions.credentials_of(request)
        if not key or key == ADMIN_ACCESS_KEY:
            return None  # unsigned, or the sandbox's administrator
        temporary = key.startswith("ASIA")
        user, access_key = (None, None) if temporary else self._iam_user_key(key)
        if not temporary and user is None:
            return None  # a key neither STS nor IAM issued in this sandbox: not ours to judge
        what = actions.authorizations(request, self.sandbox.account_id, self._table_keys)
        if what.public:
            return None
        errors = actions.errors_for(request.service)
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
        bucket = self._s3().buckets.get(check.bucket)
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
        from moto.sts.models import sts_backends

        for backend in list(sts_backends.get(self.sandbox.account_id, {}).values()):
            for role in backend.assumed_roles:
                if role.access_key_id == key:
                    role_name = role.role_arn.rsplit("/", 1)[-1]
                    role_obj = self._role(role.role_arn)
                    return _Session(
                        role_arn=role.role_arn,
                        assumed_role_arn=f"arn:aws:sts::{self.sandbox.account_id}:assumed-role/{role_name}/{role.session_name}",
                        user_id=f"{role_obj.id if role_obj else role_name}:{role.session_name}",
                        session_token=role.session_token,
                        expiration=role.expiration.replace(tzinfo=_dt.timezone.utc).timestamp(),
                        session_policies=[role.policy] if role.policy else [],
                        context={},
                    )
        return None

    def _iam(self):
        if self._iam_backend is None:
            from moto.iam.models import iam_backends

            self._iam_backend = iam_backends[self.sandbox.account_id]["aws"]
        return self._iam_backend

    def _iam_user_key(self, key: str):
        """``(user, access key)`` for a long-term key an IAM user was given (``iam.create_access_key``),
        else ``(None, None)``."""
        access = self._iam().access_keys.get(key)
        user = self._iam().users.get(access.user_name) if access is not None and access.user_name else None
        return (user, access) if user is not None else (None, None)

    def _s3(self):
        if self._s3_backend is None:
            from moto.s3.models import s3_backends

            self._s3_backend = s3_backends[self.sandbox.account_id]["aws"]
        return self._s3_backend

    def _role(self, role_arn: str):
        name = role_arn.rsplit("/", 1)[-1]
        for role in self._iam().roles.values():
            if role.name == name:
                return role
        return None

    def _managed_document(self, arn: str) -> str | None:
        backend = self._iam()
        policy = backend.managed_policies.get(arn)
        if policy is None:
            return None
        for version in policy.versions:
            if version.is_default:
                return version.document
        return None

    def _policies_of(self, entity):
        """A role's, user's or group's identity-based policies (inline and attached managed) and
        permissions boundary, as moto stores them now; ``([], None, [])`` for a deleted role."""
        if entity is None:
            return [], None, []
        identity, names = [], []
        for name, text in entity.policies.items():
            identity.append(_parse(text, name))
            names.append(f"{name} (inline)")
        for arn, policy in entity.managed_policies.items():
            text = self._managed_document(arn)
            if text:
                identity.append(_parse(text, policy.name))
                names.append(f"{policy.name} (managed)")
        boundary = None
        boundary_arn = getattr(entity, "permissions_boundary_arn", None)
        if boundary_arn:
            text = self._managed_document(boundary_arn)
            boundary = _parse(text, "permissions boundary") if text else None
            names.append("permissions boundary")
        return identity, boundary, names

    def _session_policy(self, item):
        if isinstance(item, str) and item.startswith("arn:"):
            return _parse(self._managed_document(item) or '{"Version":"2012-10-17","Statement":[]}', item.rsplit("/", 1)[-1])
        return item if not isinstance(item, str) else _parse(item, "session policy")

    def _resource_policy(self, check: actions.Authorization):
        if check.bucket:
            bucket = self._s3().buckets.get(check.bucket)
            if bucket is not None and bucket.policy:
                return _parse(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy, f"bucket policy of {check.bucket}")
        if check.role_arn:
            role = self._role(check.role_arn)
            if role is not None:
                return _parse(role.assume_role_policy_document, f"trust policy of {role.name}")
        return None

    def _table_keys(self, region: str, table: str):
        """``(partition key, {index: partition key})`` of a DynamoDB table, from moto."""
        backend = self._dynamodb_backends.get(region)
        if backend is None:
            from moto.dynamodb.models import dynamodb_backends

            try:
                backend = self._dynamodb_backends[region] = dynamodb_backends[self.sandbox.account_id][region]
            except KeyError:
                return None
        t = backend.tables.get(table)
        if t is None:
            return None
        indexes = {}
        for idx in list(t.indexes) + list(t.global_indexes):
            hash_key = next((k["AttributeName"] for k in idx.schema if k.get("KeyType") == "HASH"), None)
            indexes[idx.name] = hash_key
        return t.hash_key_attr, indexes

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

    def _session_caller(self, session) -> "_Caller":
        """A role session: the role's policies, the session policies, the role's tags and the keys the
        credentials carry (``aws:username`` is absent for roles)."""
        role = self._role(session.role_arn)
        identity, boundary, names = self._policies_of(role)
        keys = {"aws:userid": session.user_id, "aws:PrincipalArn": session.role_arn, "aws:PrincipalType": "AssumedRole"}
        keys.update(_tag_keys(role))
        keys.update(session.context or {})
        session_policies = [self._session_policy(p) for p in session.session_policies] or None
        return _Caller(session.assumed_role_arn, identity, boundary, names, session_policies, keys)

    def _user_caller(self, user) -> "_Caller":
        """An IAM user signing with its access key: its own policies and its groups'."""
        identity, boundary, names = self._policies_of(user)
        for group in self._iam().get_groups_for_user(user.name):
            more, _, more_names = self._policies_of(group)
            identity += more
            names += [f"{n} via group {group.name}" for n in more_names]
        arn = f"arn:aws:iam::{self.sandbox.account_id}:user{user.path}{user.name}"
        keys = {"aws:username": user.name, "aws:userid": user.id, "aws:PrincipalArn": arn, "aws:PrincipalType": "User"}
        keys.update(_tag_keys(user))
        return _Caller(arn, identity, boundary, names, None, keys)

    # -------------------------------------------------------------- explanations
    def last(self, denied: bool = False) -> AuthorizationRecord | None:
        for record in reversed(self.decisions):
            if not denied or not record.allowed:
                return record
        return None

    def explain_last(self, denied: bool = True) -> str:
        record = self.last(denied)
        if record is None:
            return "No call with temporary credentials has been " + ("denied" if denied else "authorized") + " yet."
        return record.explain()


def _parse(text, name):
    if isinstance(text, str) and text.startswith("%7B"):  # moto keeps some documents URL-encoded
        text = unquote(text)
    return Policy.parse(text, name)


def _component(sb=None) -> IamEnforcement:
    if sb is None:
        from .sandbox import Sandbox

        sb = Sandbox.current()
        if sb is None:
            raise LabkitError("No labkit Sandbox is running. Start one first: sb = labkit.Sandbox.fresh()")
    comp = sb.components.get("iam")
    if comp is None:
        raise LabkitError("This sandbox has no IAM enforcement component (labkit.iam was not installed).")
    return comp


def decisions(sb=None) -> list[AuthorizationRecord]:
    """Every authorization the sandbox kept, oldest first."""
    return list(_component(sb).decisions)


def explain_last(sb=None, *, denied: bool = True) -> str:
    """Why the last call with temporary credentials was denied (``denied=False``: the last decision,
    allowed or not), in plain English: which statement allowed or denied, which condition failed with
    what value, and what each policy variable became."""
    return _component(sb).explain_last(denied)


class IdentityPolicyDocuments(Service):
    """IAM's own check of an identity-based policy document that moto skips: "Policy document should
    not specify a principal." (*IAM JSON policy elements: Principal*: "You cannot use the Principal
    element in an identity-based policy"). Every other operation, and every other check, is moto's."""

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
            raise ServiceError("MalformedPolicyDocument", "Policy document should not specify a principal.")
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


def install(sandbox) -> IamEnforcement:
    component = IamEnforcement(sandbox)
    sandbox.dispatcher.guards.append(component.guard)
    if "iam" not in sandbox.dispatcher.services:
        sandbox.dispatcher.register(IdentityPolicyDocuments(sandbox))
    return component
