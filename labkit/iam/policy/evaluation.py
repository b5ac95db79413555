"""Policy evaluation: does this request get through these policies, and why not?

Follows *Policy evaluation logic* (IAM User Guide), "Determining whether a request is allowed or
denied within an account"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow),
with "Session policies" (access_policies.html#policies_session), "Evaluating effective permissions
with boundaries" (access_policies_boundaries.html#access_policies_boundaries-eval-logic) and
*Cross-account policy evaluation logic* (reference_policies_evaluation-logic-cross-account.html).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .context import _Ctx, RequestContext
from .decision import _KIND_NAMES, Decision, StatementMatch, StatementTrace
from .elements import _DIRECT, Policy, _as_policies

__all__ = ["evaluate"]


# "IAM role trust policies and KMS key policies are exceptions to this logic, because they must
# explicitly allow access for principals" (*Determining whether a request is allowed or denied*).
_TRUST_ACTIONS = frozenset({
    "sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml", "sts:tagsession", "sts:setsourceidentity",
})


def evaluate(
    context: RequestContext,
    identity_policies: Iterable[Policy | str | Mapping] | Policy | str | Mapping = (),
    session_policies: Iterable[Policy | str | Mapping] | Policy | str | Mapping | None = None,
    resource_policy: Policy | str | Mapping | None = None,
    permissions_boundary: Policy | str | Mapping | None = None,
) -> Decision:
    """Decide a request the way the AWS enforcement code does, within an account or across two.

    The steps are those of *Determining whether a request is allowed or denied within an account*
    (reference_policies_evaluation-logic.html#policy-eval-denyallow), in its order:

    1. **Deny evaluation** -- "the enforcement code looks for a Deny statement that applies to the
       request ... If the enforcement code finds even one explicit deny that applies, the code returns
       a final decision of Deny", across resource-based, identity-based, permissions-boundary and
       session policies alike (``explicit-deny``).
    2. *Organizations SCPs* -- not modelled.
    3. **Resource-based policies** -- same account: "If a resource-based policy grants permission
       directly to the IAM user or the session principal that is making the request, then an implicit
       deny in an identity-based policy, a permissions boundary, or a session policy does not impact
       the final decision." So an Allow naming the user ARN, the role-session ARN
       (``arn:aws:sts::…:assumed-role/R/s``), the federated-user ARN, ``"*"`` ("For IAM users and role
       principals within your account, no other permissions are required" -- *Principal, All
       principals*), a ``Service`` or a ``Federated`` principal (a role trust policy) allows at once.
       "Resource-based policies that grant permissions to an IAM role ARN are limited by an implicit
       deny in a permissions boundary or session policy": such an Allow stands in for the identity
       policy, and steps 5 and 6 still apply. An account principal (``"123456789012"`` or
       ``…:root``) "delegate[s] authority to the account": it grants nothing by itself.
       "IAM role trust policies and KMS key policies are exceptions to this logic, because they must
       explicitly allow access for principals": when a resource policy is given for ``sts:AssumeRole*``,
       ``sts:TagSession``, ``sts:SetSourceIdentity`` or a ``kms:`` action, it must allow the request
       (naming the principal in any way), or the request is implicitly denied.
       Cross-account (``context.resource_account`` differs from the principal's account): the
       resource-based policy must allow the request, naming the principal in any way (account
       included), *and* steps 4–6 must allow it (*Cross-account policy evaluation logic*);
       otherwise ``cross-account-deny``.
    4. **Identity-based policies** -- "If there are no identity-based policies or no statements in
       identity-based policies that allow the requested action, then the request is implicitly
       denied" (``implicit-deny``). The account root user has every identity permission ("all
       requests are implicitly denied with the exception of the AWS account root user").
    5. **IAM permissions boundaries** -- "If the policy that is used to set the permissions boundary
       does not allow the requested action, then the request is implicitly denied" (``boundary-deny``).
    6. **Session policies** -- "If a session policy is present and does not allow the requested
       action, then the request is implicitly denied" (``session-policy-deny``); with none present a
       role session is allowed, a federated-user session (``GetFederationToken``) is not. Session
       policies are the ``Policy`` passed to ``AssumeRole*``/``GetFederationToken``; the session's
       permissions are "the intersection of the IAM entity's identity-based policy and the session
       policies" (*Session policies*). ``session_policies=None`` or empty means none was passed.

    ``identity_policies`` are all the principal's identity-based policies (user, group, role inline
    and managed); ``resource_policy`` is the resource's policy (a bucket policy, or a role trust policy
    for ``sts:AssumeRole*``). Each may be a :class:`Policy`, JSON text or a dict. A policy used in the
    wrong place raises :class:`PolicyError` (a Principal in an identity policy, a resource-based
    statement without one, an identity statement without Resource).
    """
    ctx = _Ctx(context)
    who = ctx.principal
    trace: list[StatementTrace] = []
    matched: list[StatementMatch] = []
    groups = (
        ("identity", _as_policies(identity_policies)),
        ("session", _as_policies(session_policies)),
        ("boundary", _as_policies(permissions_boundary)),
        ("resource", _as_policies(resource_policy)),
    )
    allows = {"identity": False, "session": False, "boundary": False}
    resource_kinds: set[str] = set()
    deny: StatementMatch | None = None
    for kind, policies in groups:
        for n, pol in enumerate(policies):
            label = pol.name or pol.id or (f"{_KIND_NAMES[kind]} policy" + (f" #{n + 1}" if len(policies) > 1 else ""))
            pol._check(kind, label)
            for st in pol._statements:
                named = st.applies(ctx, trace, label, kind)
                if named is None:
                    continue
                m = StatementMatch(label, kind, st.sid, st.index, st.effect, st.document)
                matched.append(m)
                if not st.allow:
                    deny = deny or m
                elif kind == "resource":
                    resource_kinds.add(named)
                else:
                    allows[kind] = True

    def done(allowed: bool, reason: str, summary: str) -> Decision:
        return Decision(allowed, reason, matched, trace, context, summary)

    what = f"{context.action} on {context.resource}"
    # 1. Deny evaluation
    if deny is not None:
        return done(False, "explicit-deny", f"policy {deny.policy!r}" + ("" if deny.policy.startswith(_KIND_NAMES[deny.kind]) else f" ({_KIND_NAMES[deny.kind]})")
                    + (f" statement {deny.sid!r}" if deny.sid else f" Statement[{deny.index}]") + f" denies {what}")
    has_boundary = bool(groups[2][1])
    has_session = bool(groups[1][1])
    # 3. Resource-based policies
    if groups[3][1] and not resource_kinds and (ctx.action in _TRUST_ACTIONS or ctx.action.startswith("kms:")):
        which = "key policy" if ctx.action.startswith("kms:") else "role's trust policy"
        return done(False, "implicit-deny", f"the {which} must itself allow {what}, and it does not name this principal for it")
    if ctx.cross_account:
        if not resource_kinds:
            return done(False, "cross-account-deny", f"{what} is in account {context.resource_account}, and no resource-based policy there allows it")
        identity_ok = allows["identity"] or who.kind == "root"
    else:
        if resource_kinds & _DIRECT:
            return done(True, "allowed", f"the resource-based policy allows {what} and names the principal directly")
        identity_ok = (allows["identity"] and who.kind != "anonymous") or who.kind == "root" or "role" in resource_kinds
    # 4. Identity-based policies
    if not identity_ok:
        hint = (". The resource-based policy names only the account, which delegates the decision to the account's identity policies"
                if "account" in resource_kinds else "")
        return done(False, "implicit-deny", f"no statement allows {what}{hint}")
    if who.kind == "root":
        return done(True, "allowed", f"the account root user may do {what} unless a policy denies it")
    # 5. Permissions boundary
    if has_boundary and not allows["boundary"]:
        return done(False, "boundary-deny", f"an identity policy allows {what}, but the permissions boundary does not")
    # 6. Session policies
    if has_session and not allows["session"]:
        return done(False, "session-policy-deny", f"an identity policy allows {what}, but no session policy does (a session gets the intersection)")
    if not has_session and who.kind == "federated-user":
        return done(False, "session-policy-deny", f"a federated-user session has only the permissions its session policy passes, and none was passed for {what}")
    source = "a resource-based policy naming the role" if not allows["identity"] and "role" in resource_kinds else "an identity policy"
    return done(True, "allowed", f"{source} allows {what}" + (" and so do the session policies" if has_session else ""))
