"""The outcome of an evaluation, told in plain English: :class:`Decision`, :class:`StatementTrace`.

The verdicts are those of *Policy evaluation logic* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an
explicit deny, an implicit deny (no allow, or an allow cut by a permissions boundary, a session
policy, or a missing cross-account allow), or an allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .context import RequestContext

__all__ = ["Decision", "StatementMatch", "StatementTrace"]

_KIND_NAMES = {"identity": "identity-based", "resource": "resource-based", "boundary": "permissions boundary", "session": "session"}


@dataclass(frozen=True)
class StatementMatch:
    """A statement that applied to the request (its Action, Resource, Principal and Condition matched).

    ``index`` is the statement's position in the policy's ``Statement`` list (from 0).
    """

    policy: str
    kind: str  # "identity" | "resource" | "boundary" | "session"
    sid: str | None
    index: int
    effect: str
    statement: Mapping[str, Any]

    @property
    def label(self) -> str:
        return self.sid or f"Statement[{self.index}]"


@dataclass(slots=True)
class StatementTrace:
    """What happened to one statement: it applied, or the first element that did not match.

    ``failed`` is ``None`` (applied) or ``"Action"``, ``"NotAction"``, ``"Resource"``, ``"NotResource"``,
    ``"Principal"``, ``"NotPrincipal"`` or ``"Condition"``. ``written`` holds the element's values as
    written in the policy; ``became`` the ``(written, substituted)`` pairs of values that contain policy
    variables (``substituted`` is ``None`` when a variable had no value); ``context_value`` is what the
    request had (the action, the resource ARN, the principal, or the condition key's value -- ``None``
    when the key is absent). For conditions, ``operator`` and ``key`` name the failing pair and
    ``problem`` is ``"missing"``, ``"mismatch"``, ``"null"`` or ``"unparseable: ..."``. ``variables``
    maps each policy variable met (``"${aws:username}"``) to its value (``None``: no value).
    """

    policy: str
    kind: str
    statement: str
    effect: str
    applied: bool
    failed: str | None
    written: tuple
    became: tuple
    context_value: Any
    operator: str | None = None
    key: str | None = None
    variables: dict = field(default_factory=dict)
    problem: str | None = None

    def describe(self) -> str:
        """One paragraph of plain English about this statement."""
        kind = _KIND_NAMES.get(self.kind, self.kind)
        head = f"Policy {self.policy!r}" + ("" if self.policy.startswith(kind) else f" ({kind})")
        # A Sid is letters and digits only, so a label with "[" is a position, not a Sid.
        head += f" {self.statement}" if "[" in self.statement else f" statement {self.statement!r}"
        if self.applied:
            text = f"{head} applied ({self.effect})."
        elif self.failed in ("Action", "NotAction"):
            how = "does not match" if self.failed == "Action" else "excludes"
            text = f"{head} did not apply: {self.failed} {_list(self.written)} {how} {self.context_value}."
        elif self.failed in ("Resource", "NotResource"):
            subs = dict(self.became)
            shown = []
            for w in self.written:
                if w in subs:
                    shown.append(f"{w} became {subs[w]}" if subs[w] is not None else f"{w} has a policy variable with no value, so it matches no resource")
                else:
                    shown.append(w)
            if self.failed == "Resource":
                text = f"{head} did not apply: Resource {'; '.join(shown)} which does not match {self.context_value}."
            else:
                text = f"{head} did not apply: NotResource {'; '.join(shown)} matches {self.context_value}, so the statement excludes it."
        elif self.failed in ("Principal", "NotPrincipal"):
            verb = "does not name" if self.failed == "Principal" else "excludes"
            text = f"{head} did not apply: {self.failed} {self.written[0]} {verb} {self.context_value}."
        else:
            text = f"{head} did not apply: Condition {self.operator} on key {self.key} was false: " + self._condition_reason()
        if self.variables:
            text += " Policy variables: " + ", ".join(
                f"{k} = {v!r}" if v is not None else f"{k} has no value in the request" for k, v in self.variables.items()
            ) + "."
        return text

    def _condition_reason(self) -> str:
        subs = dict(self.became)
        wanted = []
        for w in self.written:
            if w in subs:
                wanted.append(f"{w!r} (became {subs[w]!r})" if subs[w] is not None else f"{w!r} (a variable with no value: matches nothing)")
            else:
                wanted.append(repr(w))
        values = ", ".join(wanted)
        cv = self.context_value
        shown = list(cv) if isinstance(cv, tuple) else cv
        if self.problem == "missing":
            return f"the request has no {self.key} (a missing key matches nothing; only negated operators, ...IfExists and ForAllValues are true without it). Policy values: {values}."
        if self.problem == "null":
            return f"Null wants {values} (true = key absent) but {self.key} is {'absent' if cv in (None, ()) else f'present ({shown!r})'}."
        if self.problem and self.problem.startswith("unparseable"):
            return f"the request's {self.key} = {shown!r} is {self.problem.split(': ', 1)[1]}. Policy values: {values}."
        return f"the request has {self.key} = {shown!r}; the policy values are {values}."


def _list(values: tuple) -> str:
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


@dataclass
class Decision:
    """The outcome of :func:`evaluate`.

    ``reason`` is one of:

    * ``"allowed"``
    * ``"explicit-deny"`` -- a Deny statement applied (in any policy);
    * ``"implicit-deny"`` -- no statement allowed the request;
    * ``"boundary-deny"`` -- identity policies allow it but the permissions boundary does not;
    * ``"session-policy-deny"`` -- identity policies allow it but the session policies do not (or a
      federated-user session has no session policy);
    * ``"cross-account-deny"`` -- the resource is in another account and its resource-based policy does
      not allow the request.

    ``matched``: the statements that applied (Allow and Deny); ``trace``: one :class:`StatementTrace`
    per statement examined, in evaluation order.
    """

    allowed: bool
    reason: str
    matched: list[StatementMatch]
    trace: list[StatementTrace]
    context: RequestContext = field(repr=False, default=None)
    summary: str = field(repr=False, default="")

    def explain(self) -> str:
        """Several lines of plain English: the verdict, why, then what each statement did."""
        ctx = self.context
        who = (ctx.principal_arn or "an anonymous caller") if ctx else "the caller"
        what = f"{ctx.action} on {ctx.resource}" if ctx else "the request"
        verdict = {
            "allowed": "ALLOWED",
            "explicit-deny": "DENIED (explicit)",
            "implicit-deny": "DENIED (implicit)",
            "boundary-deny": "DENIED (implicit, permissions boundary)",
            "session-policy-deny": "DENIED (implicit, session policy)",
            "cross-account-deny": "DENIED (implicit, cross-account)",
        }.get(self.reason, self.reason.upper())
        lines = [f"{verdict}: {self.summary or what}.", f"  Principal: {who}."]
        applied = [t for t in self.trace if t.applied]
        skipped = [t for t in self.trace if not t.applied]
        for t in applied:
            lines.append("  " + t.describe())
        if skipped:
            lines.append("Statements that did not apply:")
            for t in skipped:
                lines.append("  - " + t.describe())
        return "\n".join(lines)

