'''"Why was I denied?": the log of the sandbox's authorizations, and :func:`explain_last`.

Every decision the IAM guard makes is kept (``sb.components["iam"].decisions``, newest last) as an
:class:`AuthorizationRecord`: what was asked (action, resource, condition keys), by whom, which
policies were evaluated, and the :class:`~labkit.iam.policy.Decision`, whose explanation follows
*Policy evaluation logic* (IAM User Guide, reference_policies_evaluation-logic.html). AWS itself
keeps no such log for the caller; its nearest tools are the access denied message
(troubleshoot_access-denied.html) and the IAM policy simulator (access_policies_testing-policies.html).
'''

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..errors import LabkitError
from .policy import Decision

__all__ = ["AuthorizationRecord", "DecisionLog", "decisions", "explain_last", "HISTORY"]

HISTORY = 100  # decisions kept for explanations


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


class DecisionLog(deque):
    """The newest :data:`HISTORY` records, oldest first."""

    def __init__(self, history: int = HISTORY):
        super().__init__((), history)

    def last(self, denied: bool = False) -> AuthorizationRecord | None:
        for record in reversed(self):
            if not denied or not record.allowed:
                return record
        return None

    def explain_last(self, denied: bool = True) -> str:
        record = self.last(denied)
        if record is None:
            return "No call with temporary credentials has been " + ("denied" if denied else "authorized") + " yet."
        return record.explain()


def _component(sb=None):
    if sb is None:
        from ..sandbox import Sandbox

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
