"""The decision explorer: for an allowed or denied call, the statements and conditions that decided it.

    labkit.show.decision(sb)                 # the sandbox's recent authorizations, newest first
    labkit.show.decision(record_or_decision) # one labkit.iam.AuthorizationRecord or labkit.policy.Decision

Requests refused for their *authentication* (a wrong secret key, a session token of another identity,
expired credentials: :mod:`labkit.auth`) are shown among them: AWS authenticates a request before it
evaluates any policy, so those show the error the service answered and why, and no statements.

The verdict follows the IAM User Guide's "Policy evaluation logic" (see :mod:`labkit.policy`); each
statement examined shows whether it applied and, if not, the first element that did not match (the
Action, the Resource after its policy variables were substituted, or the Condition operator, key and
the request's value).
"""

from __future__ import annotations

import json

import ipywidgets as widgets

from . import static
from .static import esc

VERDICTS = {
    "allowed": "ALLOWED",
    "explicit-deny": "DENIED: an explicit Deny statement applied",
    "implicit-deny": "DENIED: no statement allows it (implicit deny)",
    "boundary-deny": "DENIED: the permissions boundary does not allow it",
    "session-policy-deny": "DENIED: the session policy does not allow it",
    "cross-account-deny": "DENIED: the other account's resource policy does not allow it",
}
_KINDS = {"identity": "identity-based", "resource": "resource-based", "session": "session", "boundary": "permissions boundary"}


def _is_volatile(key: str) -> bool:
    k = key.lower()
    return "currenttime" in k or "epochtime" in k or "tokenissuetime" in k


def _is_auth(item) -> bool:
    """A :class:`labkit.auth.AuthenticationRecord` (a request refused before authorization)."""
    return hasattr(item, "kind") and hasattr(item, "code") and hasattr(item, "reason") and not hasattr(item, "decision")


def _allowed(item) -> bool:
    return False if _is_auth(item) else _parts(item)[0].allowed


def _auth_html(r) -> str:
    rows = [
        ("call", esc(f"#{r.call} {r.service} {r.operation} ({r.request})")),
        ("signed with", esc(f"access key {r.access_key}" if r.access_key else "no signature (an anonymous request)")),
        ("why", esc(r.reason)),
        ("the service answered", esc(f"{r.status} {r.code}: {r.message}")),
    ]
    return (static.verdict(False, "REFUSED: the request failed authentication", "before any policy was evaluated")
            + static.card("The request", static.table(rows, mono_cols=(1,)))
            + static.card("Statements that applied", "<i>None were evaluated: AWS authenticates a request (its signature, "
                          "access key and session token) before it authorizes it.</i>"))


def _parts(item):
    """``(decision, record)`` of a Decision or an AuthorizationRecord."""
    if hasattr(item, "decision") and hasattr(item.decision, "trace"):
        return item.decision, item
    if hasattr(item, "trace") and hasattr(item, "allowed"):
        return item, None
    from ..errors import LabkitError

    raise LabkitError(
        "show.decision() explains a labkit.policy.Decision (from labkit.policy.evaluate) or a record of "
        f"sb.components['iam'].decisions, or a Sandbox (its recent decisions); not {type(item).__name__}."
    )


def label_of(item) -> str:
    if _is_auth(item):
        return f"#{item.call} {item.service} {item.operation}: REFUSED ({item.code})"
    d, r = _parts(item)
    verdict = "allowed" if d.allowed else "DENIED"
    if r is not None:
        return f"#{r.call} {r.action} on {r.resource}: {verdict}"
    ctx = d.context
    return f"{ctx.action} on {ctx.resource}: {verdict}" if ctx is not None else verdict


def decision_html(item, *, stable: bool = True) -> str:
    if _is_auth(item):
        return _auth_html(item)
    d, r = _parts(item)
    ctx = d.context
    out = [static.verdict(d.allowed, VERDICTS.get(d.reason, d.reason), d.summary or "")]
    rows = []
    if r is not None:
        rows.append(("call", esc(f"#{r.call} {r.service} {r.operation} ({r.request})")))
    principal = (r.principal if r is not None else (ctx.principal_arn if ctx else "")) or "(anonymous)"
    rows.append(("principal", esc(principal)))
    if ctx is not None or r is not None:
        rows.append(("action", esc(r.action if r is not None else ctx.action)))
        rows.append(("resource", esc(r.resource if r is not None else ctx.resource)))
    if r is not None and r.policies:
        rows.append(("policies evaluated", esc(", ".join(r.policies))))
    out.append(static.card("The request", static.table(rows, mono_cols=(1,))))
    keys = dict(r.keys) if r is not None else dict(ctx.keys) if ctx is not None else {}
    if keys:
        krows = [(esc(k), esc(json.dumps(v, default=str)) if not (stable and _is_volatile(k)) else "<i>(the time of the call)</i>")
                 for k, v in sorted(keys.items())]
        out.append(f'<details style="margin:4px 0"><summary style="cursor:pointer">Condition keys of the request ({len(keys)})</summary>'
                   f"{static.table(krows, mono_cols=(0, 1))}</details>")

    applied = [t for t in d.trace if t.applied]
    skipped = [t for t in d.trace if not t.applied]
    deciding = []
    for t in applied:
        color = static.BAD_COLOR if t.effect == "Deny" else static.OK_COLOR
        doc = next((m.statement for m in d.matched if m.policy == t.policy and m.label == t.statement), None)
        body = static.pre(esc(json.dumps(doc, indent=2))) if doc is not None else ""
        deciding.append(
            f'<div style="{static.BOX}; border-left:4px solid {color}"><b style="color:{color}">{esc(t.effect)}</b> '
            f"applied: policy <b>{esc(t.policy)}</b> ({esc(_KINDS.get(t.kind, t.kind))}), statement <b>{esc(t.statement)}</b>"
            f"{_variables(t)}{body}</div>"
        )
    if deciding:
        out.append(static.card("Statements that applied", "".join(deciding)))
    else:
        out.append(static.card("Statements that applied", "<i>None: nothing allows the request, so IAM denies it by default.</i>"))
    if skipped:
        rows = [(esc(f"{t.policy} / {t.statement}"), esc(t.effect), _why_not(t)) for t in skipped]
        out.append(static.card(f"Statements that did not apply ({len(skipped)})",
                               static.table(rows, ("policy / statement", "effect", "why it did not apply"), mono_cols=())))
    return "".join(out)


def _variables(t) -> str:
    if not t.variables:
        return ""
    shown = ", ".join(f"<code>{esc(k)}</code> = <code>{esc(v)}</code>" if v is not None else f"<code>{esc(k)}</code> has no value"
                      for k, v in t.variables.items())
    return f'<div style="font-size:12px">policy variables: {shown}</div>'


def _why_not(t) -> str:
    if t.failed == "Condition":
        cv = t.context_value
        cv = list(cv) if isinstance(cv, tuple) else cv
        became = dict(t.became)
        wanted = ", ".join(f"{w} → {became[w]}" if w in became else str(w) for w in t.written)
        problem = {"missing": "the request has no such key", "null": "Null check failed"}.get(t.problem or "", t.problem or "values differ")
        return (f"Condition <code>{esc(t.operator)}</code> on <code>{esc(t.key)}</code>: the request has "
                f"<code>{esc(json.dumps(cv, default=str))}</code>, the policy wants <code>{esc(wanted)}</code> "
                f"({esc(problem)})")
    return esc(t.describe().split(" did not apply: ", 1)[-1])


def decision_text(item) -> str:
    if _is_auth(item):
        return item.explain()
    d, r = _parts(item)
    text = r.explain() if r is not None else d.explain()
    if r is not None:  # the wall-clock keys make stored outputs differ from run to run
        text = "\n".join(line for line in text.splitlines() if not _is_volatile(line.strip().split(" = ", 1)[0]))
    return text


class DecisionExplorer(static.Snapshot, widgets.VBox):
    """One decision, or a list of them to choose from (newest first)."""

    def __init__(self, items: list):
        self.items = items
        self.chooser = widgets.Dropdown(options=[(label_of(x), i) for i, x in enumerate(items)], value=0 if items else None,
                                        description="decision", layout=widgets.Layout(width="720px"))
        self.denied_only = widgets.Checkbox(value=False, description="denied only", indent=False)
        self.view = widgets.HTML()
        self.chooser.observe(lambda _: self._render(), names="value")
        self.denied_only.observe(lambda _: self._filter(), names="value")
        bar = [widgets.HBox([self.chooser, self.denied_only])] if len(items) > 1 else []
        super().__init__(children=bar + [self.view])
        self.add_class("labkit-decision")
        self._render()

    @property
    def current(self):
        return self.items[self.chooser.value] if self.items and self.chooser.value is not None else None

    def _filter(self):
        keep = [(label_of(x), i) for i, x in enumerate(self.items) if not (self.denied_only.value and _allowed(x))]
        self.chooser.options = keep
        self.chooser.value = keep[0][1] if keep else None
        self._render()

    def _render(self):
        item = self.current
        self.view.value = static.live(decision_html(item, stable=False) if item is not None else "<i>No decision to show.</i>")

    def snapshot_html(self) -> str:
        item = self.current
        if item is None:
            return "<i>No IAM decision yet: the sandbox decides each call made with temporary credentials.</i>"
        more = f"<div style='color:{static.MUTED}'>{len(self.items) - 1} more decision(s) in the live widget.</div>" if len(self.items) > 1 else ""
        return f'<div class="labkit-decision-snapshot">{decision_html(item, stable=True)}{more}</div>'

    def snapshot_text(self) -> str:
        item = self.current
        return decision_text(item) if item is not None else "No IAM decision yet."


def decision(source=None) -> DecisionExplorer:
    """Explore IAM decisions: a :class:`labkit.policy.Decision`, a record of ``sb.components["iam"].decisions``,
    a list of them, or a Sandbox (default: the running one; its recent decisions, newest first)."""
    if source is None or hasattr(source, "components"):
        if source is None:
            from ..sandbox import Sandbox

            source = Sandbox.current()
        iam = source.components.get("iam") if source is not None else None
        auth = source.components.get("auth") if source is not None else None
        items = list(getattr(iam, "decisions", []) or []) + list(getattr(auth, "failures", []) or [])
        items = sorted(items, key=lambda x: x.call, reverse=True)  # newest first, both kinds by call number
    elif isinstance(source, (list, tuple)):
        items = list(source)
    else:
        items = [source]
    for item in items:
        if not _is_auth(item):
            _parts(item)  # a clear error for anything that is not a decision
    return DecisionExplorer(items)
