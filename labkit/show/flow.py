"""The flow player: a sequence diagram of the calls the learner's code just made, one message at a time.

    mark = sb.calls.last_seq            # before the cells that do the flow
    ...                                 # sign in, get_id, get_credentials_for_identity, s3.get_object
    labkit.show.flow(sb, since=mark)    # the calls since the mark, as the sandbox answered them

The picture is never canned: it is drawn from the sandbox's record of answered requests
(:class:`labkit.wire.dispatch.CallLog`). Each call is an arrow from its caller to the lifeline of the
service that answered it (App, User pool, External IdP, Identity pool, STS, S3/DynamoDB/Lambda...) and
a dashed reply. A call made while another was being answered (an identity pool asking an IdP for its
keys) is drawn from the outer call's lifeline, inside it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import parse_qsl

import ipywidgets as widgets

from . import static
from .static import esc

# Lifelines, left to right, in the order a Cognito flow goes: the app, who signs the user in, who gives
# AWS credentials, then the AWS services those credentials call.
LIFELINES = ("App", "User pool", "External IdP", "Identity pool", "STS", "IAM", "S3", "DynamoDB", "Lambda", "Cognito Sync")
SERVICE_LIFELINES = {
    "cognito-idp": "User pool",
    "cognito-identity": "Identity pool",
    "sts": "STS",
    "iam": "IAM",
    "s3": "S3",
    "dynamodb": "DynamoDB",
    "lambda": "Lambda",
    "cognito-sync": "Cognito Sync",
}
# Paths of labkit's own HTTP routes that belong to the user pool (its JWKS, its hosted UI).
_USER_POOL_PATHS = ("/oauth2/", "/login", "/logout", "/signup", "/confirm", "/forgotPassword", "/saml2/", "/error")
# ... and of the mock identity providers (labkit.idps, the SAML IdP of labkit.hostedui).
_EXTERNAL_PATHS = ("/idp/", "/adfs/")
_NEST_EPS = 0.0005  # seconds of slack between the clock that stamps a call and the one that times it


@dataclass
class Step:
    """One call as the flow player shows it: an arrow ``caller -> target`` and its reply."""

    number: int
    caller: str
    target: str
    label: str
    status: int
    error_code: str | None
    error_message: str | None
    request: Any
    response: Any
    reply: str
    call: Any = field(repr=False, default=None)
    depth: int = 0

    @property
    def ok(self) -> bool:
        return self.status < 400

    def title(self) -> str:
        return f"{self.caller} → {self.target}: {self.label}"


# ------------------------------------------------------------------------------------ from calls
def lifeline_of(call) -> str:
    """The lifeline that answered ``call``."""
    path = call.path or "/"
    if call.handled_by == "route" or path.startswith(_EXTERNAL_PATHS):
        if path.startswith(_EXTERNAL_PATHS):
            return "External IdP"
        if path.endswith("/.well-known/jwks.json") or path.startswith(_USER_POOL_PATHS):
            return "User pool"
    return SERVICE_LIFELINES.get(call.service, (call.service or "AWS").upper())


def parse_body(body: bytes | str | None, *, at: float | None = None, stable: bool = True, service: str = "") -> Any:
    """A request or response body as a JSON-like value (JSON, form fields, or XML turned into a dict)."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    stripped = text.strip()
    if service == "s3" and not stripped.startswith("<"):
        return f"({len(body)} bytes of object data)"
    if stripped[:15].lower().startswith(("<!doctype html", "<html")):  # a hosted UI or IdP page
        title = re.search(r"<title>(.*?)</title>", stripped, re.I | re.S)
        return f"(an HTML page{': ' + title.group(1).strip() if title else ''}, {len(body)} bytes)"
    value: Any
    if stripped.startswith(("{", "[")):
        try:
            value = json.loads(stripped)
        except ValueError:
            value = stripped
    elif stripped.startswith("<"):
        try:
            value = _xml_dict(ET.fromstring(stripped))
        except ET.ParseError:
            value = stripped
    elif "=" in stripped and not any(ch in stripped for ch in " \r\n") and ("Action=" in stripped or "&" in stripped):
        value = dict(parse_qsl(stripped, keep_blank_values=True))
    else:
        value = stripped
    if isinstance(value, str):
        return static.shorten(value, stable=stable, at=at) if static.JWT_RE.match(value) else _shorten_text(value)
    return static.shorten(value, stable=stable, at=at)


def _shorten_text(text: str) -> str:
    text = static.JWT_IN_TEXT.sub(lambda m: static.short_token(m.group(0)), text)
    return text if len(text) <= 2000 else text[:2000] + f"…({len(text)} chars)"


def _xml_dict(el: ET.Element) -> Any:
    children = list(el)
    tag = el.tag.split("}", 1)[-1]
    if not children:
        return {tag: (el.text or "").strip()}
    out: dict = {}
    for child in children:
        (k, v), = _xml_dict(child).items()
        if k in out:
            if not isinstance(out[k], list) or not getattr(out[k], "_multi", False):
                out[k] = _Multi([out[k]])
            out[k].append(v)
        else:
            out[k] = v
    return {tag: {k: list(v) if isinstance(v, _Multi) else v for k, v in out.items()}}


class _Multi(list):
    _multi = True


def _error_of(status: int, body: Any) -> tuple[str | None, str | None]:
    if status < 400:
        return None, None
    code = message = None
    if isinstance(body, dict):
        flat = _find(body, ("__type", "Code", "code")), _find(body, ("message", "Message"))
        code, message = flat
        if code and "#" in code:
            code = code.rsplit("#", 1)[-1]
        if code and ":" in code:
            code = code.split(":", 1)[0]
    elif isinstance(body, str) and body:
        message = body[:200]
    return code or str(status), message


def _find(value: Any, keys: tuple) -> str | None:
    if isinstance(value, dict):
        for k in keys:
            if isinstance(value.get(k), str):
                return value[k]
        for v in value.values():
            found = _find(v, keys)
            if found:
                return found
    return None


def _reply_label(status: int, error_code: str | None, response: Any) -> str:
    if error_code:
        return f"{status} {error_code}"
    if isinstance(response, dict):
        if isinstance(response.get("ChallengeName"), str):
            return f"{status} challenge {response['ChallengeName']}"
        keys = [k for k in response if not k.startswith("ResponseMetadata")]
        if len(keys) == 1 and isinstance(response[keys[0]], dict):  # XML: {"XResponse": {"XResult": {...}}}
            inner = response[keys[0]]
            result = next((v for k, v in inner.items() if k.endswith("Result")), None)
            if isinstance(result, dict):
                keys = list(result)
        keys = [k for k in keys if k not in ("ResponseMetadata", "NextToken") and response.get(k) not in ({}, [], None, "")]
        if keys:
            shown = keys[0]
            for k in keys[1:]:
                if len(shown) + len(k) > 30:
                    return f"{status} {shown}, …"
                shown += ", " + k
            return f"{status} {shown}"
    return str(status)


def steps_of(calls: Iterable, *, stable: bool = True, decisions: dict | None = None) -> list[Step]:
    """The :class:`Step` s of some :class:`~labkit.wire.dispatch.Call` s, in the order they started.

    ``decisions``: IAM authorization records by call number (``sb.components["iam"].decisions``), which
    name the operation of REST calls (S3) and say why a call was denied."""
    decisions = decisions or {}
    calls = sorted(calls, key=lambda c: c.seq)
    spans = {c.seq: (c.time - c.duration_ms / 1000.0, c.time) for c in calls}
    parent: dict[int, Any] = {}
    for c in calls:
        start, end = spans[c.seq]
        best = None
        for p in calls:
            if p.seq <= c.seq:
                continue
            ps, pe = spans[p.seq]
            if ps <= start + _NEST_EPS and end <= pe + _NEST_EPS and (best is None or ps >= spans[best.seq][0]):
                best = p
        if best is not None:
            parent[c.seq] = best

    children: dict[int | None, list] = {}
    for c in calls:
        p = parent.get(c.seq)
        children.setdefault(p.seq if p else None, []).append(c)
    ordered: list[tuple[Any, int]] = []

    def walk(key, depth):
        for c in sorted(children.get(key, []), key=lambda c: (spans[c.seq][0], c.seq)):
            ordered.append((c, depth))
            walk(c.seq, depth + 1)

    walk(None, 0)
    steps = []
    for n, (c, depth) in enumerate(ordered, 1):
        target = lifeline_of(c)
        p = parent.get(c.seq)
        caller = lifeline_of(p) if p is not None else "App"
        start = spans[c.seq][0]
        request = parse_body(c.request_body, at=start, stable=stable, service=c.service)
        response = parse_body(c.response_body, at=start, stable=stable, service=c.service)
        code, message = _error_of(c.status, response)
        record = decisions.get(c.seq)
        operation = c.operation or getattr(record, "operation", None)
        label = operation or f"{c.method} {_short_path(c.path)}"
        reply = _reply_label(c.status, code, response)
        if record is not None and not record.allowed and c.status >= 400:
            reply += " (IAM)"
        steps.append(Step(n, caller, target, label, c.status, code, message, request, response, reply, c, depth))
    return steps


def _short_path(path: str) -> str:
    if path.endswith("/.well-known/jwks.json"):
        return "/.well-known/jwks.json"
    return path if len(path) <= 40 else "…" + path[-39:]


def lifelines_of(steps: list[Step]) -> list[str]:
    used = {"App"} | {s.caller for s in steps} | {s.target for s in steps}
    known = [name for name in LIFELINES if name in used]
    return known + sorted(used - set(known))


# ------------------------------------------------------------------------------------ the picture
COL, LEFT, TOP, ROW = 176, 12, 8, 30


def sequence_svg(steps: list[Step], current: int | None = None) -> str:
    """The sequence diagram as SVG text: deterministic, no scripts, no ids.

    ``current``: the step to highlight (1-based); later steps are faded. ``None`` draws them all alike.
    """
    lanes = lifelines_of(steps)
    x = {name: LEFT + COL // 2 + i * COL for i, name in enumerate(lanes)}
    events = []  # (kind, step) in drawing order: requests, nested calls, then the reply
    by_depth: list[Step] = []
    for s in steps:
        while by_depth and by_depth[-1].depth >= s.depth:
            events.append(("reply", by_depth.pop()))
        events.append(("call", s))
        by_depth.append(s)
    while by_depth:
        events.append(("reply", by_depth.pop()))
    width = LEFT * 2 + COL * len(lanes)
    head = TOP + 30
    height = head + 16 + ROW * len(events) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%; height:auto; font-family:-apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        f'role="img" aria-label="Sequence diagram of {len(steps)} calls">'
    ]
    for name in lanes:
        cx = x[name]
        out.append(f'<rect x="{cx - COL // 2 + 8}" y="{TOP}" width="{COL - 16}" height="26" rx="5" fill="#f6f8fa" stroke="#8c959f"/>')
        out.append(f'<text x="{cx}" y="{TOP + 17}" text-anchor="middle" font-size="13" font-weight="600" fill="#24292f">{esc(name)}</text>')
        out.append(f'<line x1="{cx}" y1="{head - 4}" x2="{cx}" y2="{height - 4}" stroke="#8c959f" stroke-dasharray="4 4"/>')
    y = head + 16
    for kind, s in events:
        if current is None or s.number < current:
            color, weight, opacity = ("#24292f" if s.ok or kind == "call" else static.BAD_COLOR), "1.3", "1"
        elif s.number == current:
            color, weight, opacity = ("#0969da" if s.ok or kind == "call" else static.BAD_COLOR), "2.6", "1"
        else:
            color, weight, opacity = "#8c959f", "1", "0.35"
        if kind == "call":
            x1, x2, text, dash = x[s.caller], x[s.target], f"{s.number}  {s.label}", ""
        else:
            x1, x2, text, dash = x[s.target], x[s.caller], s.reply, ' stroke-dasharray="6 4"'
        bold = ' font-weight="700"' if current == s.number else ""
        out.append(f'<g opacity="{opacity}">')
        if x1 == x2:  # a call to the same lifeline: a small loop
            out.append(f'<path d="M{x1} {y - 8} h28 v12 h-24" fill="none" stroke="{color}" stroke-width="{weight}"{dash}/>')
            out.append(_arrowhead(x1, y + 4, -1, color))
            out.append(f'<text x="{x1 + 34}" y="{y}" font-size="12" fill="{color}"{bold}{HALO}>{esc(text)}</text>')
        else:
            direction = 1 if x2 > x1 else -1
            out.append(f'<line x1="{x1}" y1="{y}" x2="{x2 - direction * 2}" y2="{y}" stroke="{color}" stroke-width="{weight}"{dash}/>')
            out.append(_arrowhead(x2, y, direction, color))
            mid = (x1 + x2) / 2
            out.append(f'<text x="{mid:g}" y="{y - 5}" text-anchor="middle" font-size="12" fill="{color}"{bold}{HALO}>{esc(text)}</text>')
        out.append("</g>")
        y += ROW
    out.append("</svg>")
    return "".join(out)


HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"'


def _arrowhead(x: float, y: float, direction: int, color: str) -> str:
    b = x - direction * 9
    return f'<polygon points="{x},{y} {b},{y - 4.5} {b},{y + 4.5}" fill="{color}"/>'


def step_html(step: Step, total: int, *, expandable: bool = False) -> str:
    """The request and the response of one step, side by side."""
    status_color = static.OK_COLOR if step.ok else static.BAD_COLOR
    c = step.call
    where = f"{c.service} · {c.method} {esc(c.path)} · {c.transport} · answered by {c.handled_by}" if c is not None else ""
    head = (
        f'<div style="margin:2px 0 6px"><b>Step {step.number} of {total}:</b> {esc(step.title())} '
        f'<b style="color:{status_color}">→ {esc(step.reply)}</b>'
        f'<div style="color:{static.MUTED}; font-size:12px">{where}</div></div>'
    )
    err = ""
    if step.error_code:
        err = static.verdict(False, step.error_code, step.error_message or "")
    req = static.pre(static.json_html(step.request, expandable=expandable)) if step.request is not None else "<i>(empty body)</i>"
    res = static.pre(static.json_html(step.response, expandable=expandable)) if step.response is not None else "<i>(empty body)</i>"
    col = "flex:1 1 320px; min-width:0; overflow:auto"
    return (
        head + err + '<div style="display:flex; gap:10px; flex-wrap:wrap">'
        f'<div style="{col}">{static.card("Request", req)}</div>'
        f'<div style="{col}">{static.card("Response", res)}</div></div>'
    )


# ------------------------------------------------------------------------------------ the widget
class FlowPlayer(static.Snapshot, widgets.VBox):
    """A sequence diagram stepped through with Previous / Next and a slider (step 0: the whole flow)."""

    def __init__(self, steps: list[Step], title: str = "", live_steps: list[Step] | None = None):
        self.steps = steps  # stable (deterministic) rendering, for the stored snapshot
        self.live_steps = live_steps or steps  # with expandable full values, for the live widget
        self.title = title or f"Flow: {len(steps)} call{'s' if len(steps) != 1 else ''}"
        n = len(steps)
        self.heading = widgets.HTML(f"<b>{esc(self.title)}</b>")
        self.diagram = widgets.HTML(layout=widgets.Layout(overflow="auto", max_height="460px"))
        self.detail = widgets.HTML()
        self.prev_button = widgets.Button(description="Previous", icon="step-backward", tooltip="the previous call",
                                          layout=widgets.Layout(width="110px"))
        self.next_button = widgets.Button(description="Next", icon="step-forward", tooltip="the next call",
                                          layout=widgets.Layout(width="110px"))
        self.slider = widgets.IntSlider(value=0, min=0, max=max(n, 0), description="step",
                                        readout=True, layout=widgets.Layout(width="360px"))
        self.prev_button.on_click(lambda _: self.go(self.slider.value - 1))
        self.next_button.on_click(lambda _: self.go(self.slider.value + 1))
        self.slider.observe(lambda change: self._render(), names="value")
        controls = widgets.HBox([self.prev_button, self.slider, self.next_button])
        children = [self.heading, self.diagram, controls, self.detail] if n else [self.heading, self.detail]
        super().__init__(children=children)
        self.add_class("labkit-flow")
        self._render()

    @property
    def step(self) -> int:
        """The step shown: 0 is the whole flow, 1..N one call each."""
        return self.slider.value

    def go(self, number: int) -> None:
        self.slider.value = min(max(number, 0), len(self.steps))

    def _render(self) -> None:
        n, k = len(self.steps), self.slider.value
        self.prev_button.disabled = k <= 0
        self.next_button.disabled = k >= n
        if not n:
            self.detail.value = (
                "<i>No calls since the mark. Run the cells that call AWS first, then show the flow: "
                "<code>mark = sb.calls.last_seq</code> … <code>labkit.show.flow(sb, since=mark)</code>.</i>"
            )
            return
        self.diagram.value = static.live(sequence_svg(self.steps, current=k or None))
        if k == 0:
            self.detail.value = f"<i>The whole flow: {n} calls. Press Next (or move the slider) to see each request and response.</i>"
        else:
            self.detail.value = static.live(step_html(self.live_steps[k - 1], n, expandable=True))

    # -------------------------------------------------------------- static fallbacks
    def snapshot_html(self) -> str:
        n = len(self.steps)
        if not n:
            return f"<div><b>{esc(self.title)}</b><br><i>No calls since the mark.</i></div>"
        items = "".join(
            f'<details style="margin:2px 0"><summary style="cursor:pointer">{esc(s.number)}. {esc(s.title())} '
            f'<b style="color:{static.OK_COLOR if s.ok else static.BAD_COLOR}">→ {esc(s.reply)}</b></summary>'
            f"{step_html(s, n)}</details>"
            for s in self.steps
        )
        return (
            f'<div class="labkit-flow-snapshot"><b>{esc(self.title)}</b>'
            f'<div style="overflow:auto">{sequence_svg(self.steps)}</div>{items}</div>'
        )

    def snapshot_text(self) -> str:
        lines = [self.title]
        rows = [(f"{s.number:>2}.", f"{'  ' * s.depth}{s.caller} -> {s.target}", s.label, s.reply) for s in self.steps]
        lines.append(static.text_table(rows) if rows else "  (no calls since the mark)")
        return "\n".join(lines)


def flow(source=None, since: int | None = 0, *, title: str = "") -> FlowPlayer:
    """A flow player for the calls ``source`` answered after the mark ``since`` (``sb.calls.last_seq``).

    ``source``: a :class:`labkit.Sandbox` (default: the running one), its ``sb.calls``, or a list of
    :class:`~labkit.wire.dispatch.Call`. ``since=0`` (or ``None``) shows every call still in the log.
    """
    calls = _calls_of(source)
    if source is None:
        from ..sandbox import Sandbox

        source = Sandbox.current()
    mark = since or 0
    if not isinstance(mark, int) or isinstance(mark, bool):
        from ..errors import LabkitError

        raise LabkitError(f"since must be a call number from sb.calls.last_seq (an int), not {since!r}.")
    chosen = [c for c in calls if c.seq > mark]
    decisions = _decisions_of(source)
    return FlowPlayer(steps_of(chosen, stable=True, decisions=decisions), title=title,
                      live_steps=steps_of(chosen, stable=False, decisions=decisions))


def _decisions_of(source) -> dict:
    from ..sandbox import Sandbox

    sb = source if hasattr(source, "components") else Sandbox.current() if source is None else None
    iam = getattr(sb, "components", {}).get("iam") if sb is not None else None
    records = getattr(iam, "decisions", None) or []
    out = {}
    for r in records:
        if hasattr(r, "call") and hasattr(r, "operation"):
            out[r.call] = r
    return out


def _calls_of(source) -> list:
    from ..errors import LabkitError

    if source is None:
        from ..sandbox import Sandbox

        source = Sandbox.current()
        if source is None:
            raise LabkitError("No labkit Sandbox is running: start one (sb = labkit.Sandbox.fresh()) or pass the calls to show.")
    calls = getattr(source, "calls", source)
    try:
        calls = list(calls)
    except TypeError:
        raise LabkitError(f"flow() shows a Sandbox's calls (flow(sb, since=mark)); {type(source).__name__} has none.") from None
    return calls
