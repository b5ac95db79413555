"""What every widget of :mod:`labkit.show` leaves where nothing runs: HTML and text, deterministic.

A widget needs a live kernel. GitHub, nbviewer and a notebook's stored outputs have none, so each
widget's ``_repr_mimebundle_`` also carries ``text/html`` and ``text/plain`` renderings made here
(nbconvert and nbviewer fall back to them when the notebook holds no widget state; nbval compares
them). Everything here is a pure function of its input: inline styles only (sanitizers drop
``<style>``), no scripts, no wall-clock times, and values that change from run to run (tokens,
secrets, session strings, timestamps) shortened or made relative in ``stable`` mode.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from typing import Any

# A JWT (three parts) or a JWE (five parts), as Cognito and the IdPs issue them.
JWT_RE = re.compile(r"^eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?$")
JWT_IN_TEXT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]+){2}(?:(?:\.[A-Za-z0-9_-]*){2})?")
# Values a picture never shows in full: secrets, and long random strings that differ on every run.
SECRET_KEYS = {
    "secretkey", "secretaccesskey", "sessiontoken", "session", "refreshtoken", "idtoken", "accesstoken",
    "token", "webidentitytoken", "samlassertion", "id_token", "access_token", "refresh_token",
    "secret_hash", "secrethash", "clientsecret", "password", "previouspassword", "proposedpassword",
    "new_password", "srp_a", "srp_b", "salt", "secret_block", "password_claim_signature", "secretcode",
}
# Values that differ from run to run but are no secret: shown in full live, only their length when stored.
VOLATILE_KEYS = {"requestid", "hostid", "x-amz-request-id", "x-amz-id-2"}  # any case
VOLATILE_EXACT = {"kid", "n", "code", "code_verifier", "_csrf", "csrf"}  # as JOSE and OAuth 2.0 spell them
PASSWORD_KEYS = {"password", "previouspassword", "proposedpassword", "new_password"}
# Keys whose numeric value is a time (epoch seconds) in Cognito's and STS's answers.
TIME_KEY = re.compile(r"(Date|Time|Expiration|^exp|^iat|^auth_time|^nbf)$")

MONO = "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px"
BOX = "border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; margin: 4px 0"
OK_COLOR, BAD_COLOR, MUTED = "#1a7f37", "#cf222e", "#57606a"


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def utc(epoch: float) -> str:
    """An epoch time as an ISO 8601 UTC date (the form the notebook sanitizer masks)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float) -> str:
    """A duration in words, rounded so that it repeats from run to run: ``59 min``, ``2.0 h``, ``12 s``."""
    s = abs(seconds)
    if s < 1:
        return "0 s"
    if s < 90:
        return f"{round(s)} s"
    if s < 120 * 60:
        return f"{round(s / 60)} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def relative(when: float, now: float) -> str:
    """``in 60 min``, ``2.0 h ago``; anything within a minute is ``just now`` (a slow machine must not
    change a stored output)."""
    delta = when - now
    if abs(delta) < 60:
        return "just now" if delta <= 0 else "in less than a minute"
    return f"in {duration(delta)}" if delta > 0 else f"{duration(delta)} ago"


# ----------------------------------------------------------------------------------- shortening
def short_token(text: str, keep: int = 7) -> str:
    """``eyJraWQ…(812 chars)``: enough to recognise a token, never the whole of it."""
    return f"{text[:keep] if keep else ''}…({len(text)} chars)"


def masked(text: str) -> str:
    return f"••••••({len(text)} chars)"


class Shortened(str):
    """A string shown shortened; ``full`` keeps the original (the live widget can expand it)."""

    full: str = ""

    def __new__(cls, shown: str, full: str):
        obj = super().__new__(cls, shown)
        obj.full = full
        return obj


def shorten(value: Any, *, key: str = "", stable: bool = True, at: float | None = None) -> Any:
    """A copy of a JSON value fit to show: tokens and secrets shortened (:class:`Shortened`), passwords
    masked, and (``stable``) epoch times replaced by their distance from ``at`` (the call's time)."""
    k = key.lower()
    if isinstance(value, dict):
        return {name: shorten(v, key=str(name), stable=stable, at=at) for name, v in value.items()}
    if isinstance(value, list):
        return [shorten(v, key=key, stable=stable, at=at) for v in value]
    if isinstance(value, str):
        if k in PASSWORD_KEYS:
            return Shortened(masked(value), value)
        if JWT_RE.match(value):
            return Shortened(short_token(value), value)
        # A random value's first characters change from run to run: stable output shows only its length.
        if k in SECRET_KEYS and value:
            return Shortened(short_token(value, 0 if stable else 4), value)
        if stable and (k in VOLATILE_KEYS or key in VOLATILE_EXACT) and len(value) > 8:
            return Shortened(short_token(value, 0), value)
        if len(value) > 160 and " " not in value:  # a long random string (a message has spaces)
            return Shortened(short_token(value, 0 if stable else 24), value)
        return value
    if stable and at is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        if TIME_KEY.search(key) and value > 1e9:
            seconds = value / 1000 if value > 1e11 else value  # some APIs answer milliseconds
            return Shortened(f"<time of the call {_offset(seconds - at)}>", str(value))
    return value


def _offset(delta: float) -> str:
    if abs(delta) < 30:
        return "(now)"
    return ("+ " if delta > 0 else "- ") + duration(delta)


def json_text(value: Any) -> str:
    """Pretty JSON of a :func:`shorten`-ed value (shortened strings shown as their short form)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def json_html(value: Any, *, expandable: bool = False, indent: int = 0) -> str:
    """A JSON value as HTML (inside a ``<pre>``); with ``expandable``, a shortened string opens to its
    full text (``<details>``), which only the live widget offers: stored outputs keep the short form."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f'{pad}  <span style="color:#0550ae">{esc(json.dumps(k))}</span>: {json_html(v, expandable=expandable, indent=indent + 1)}'
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{pad}  {json_html(v, expandable=expandable, indent=indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(value, Shortened):
        short = f'<span style="color:{MUTED}" title="shortened">{esc(str(value))}</span>'
        if expandable and value.full:
            return (
                f'<details style="display:inline-block; vertical-align:top"><summary style="cursor:pointer">{short}</summary>'
                f'<div style="max-width:640px; white-space:pre-wrap; word-break:break-all">{esc(value.full)}</div></details>'
            )
        return short
    if isinstance(value, str):
        return f'<span style="color:#0a3069">{esc(json.dumps(value, ensure_ascii=False))}</span>'
    return f'<span style="color:#953800">{esc(json.dumps(value))}</span>'


def pre(inner_html: str) -> str:
    return f'<pre style="{MONO}; margin:0; white-space:pre-wrap; word-break:break-word">{inner_html}</pre>'


def table(rows: list[tuple], head: tuple | None = None, *, mono_cols: tuple = (1,)) -> str:
    """A small HTML table; cells are HTML already (escape before)."""
    th = "border-bottom:1px solid #d0d7de; text-align:left; padding:2px 8px"
    td = "text-align:left; padding:2px 8px; vertical-align:top; border-bottom:1px solid #eaeef2"
    out = ['<table style="border-collapse:collapse; font-size:13px; margin:2px 0">']
    if head:
        out.append("<tr>" + "".join(f'<th style="{th}">{h}</th>' for h in head) + "</tr>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            style = td + (f"; {MONO}" if i in mono_cols else "")
            cells.append(f'<td style="{style}">{cell}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def verdict(ok: bool, title: str, detail: str = "") -> str:
    color = OK_COLOR if ok else BAD_COLOR
    mark = "✔" if ok else "✘"
    body = f'<div style="margin-top:2px">{esc(detail)}</div>' if detail else ""
    return (
        f'<div style="{BOX}; border-color:{color}; border-left:4px solid {color}">'
        f'<b style="color:{color}">{mark} {esc(title)}</b>{body}</div>'
    )


def live(inner_html: str) -> str:
    """HTML for an ``ipywidgets.HTML`` value: its own line height (the widget's default, 28 px, is for one
    line of text and spreads tables)."""
    return f'<div style="line-height:1.4">{inner_html}</div>'


def card(title: str, inner: str) -> str:
    return f'<div style="{BOX}"><div style="font-weight:600; margin-bottom:4px">{esc(title)}</div>{inner}</div>'


def text_table(rows: list[tuple], indent: str = "  ") -> str:
    """Aligned plain-text columns (the ``text/plain`` fallbacks)."""
    if not rows:
        return ""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for r in rows:
        cells = [str(c).ljust(min(w, 40)) for c, w in zip(r[:-1], widths)]
        lines.append(indent + "  ".join(cells + [str(r[-1])]).rstrip())
    return "\n".join(lines)


SNAPSHOT_CLASS = "labkit-snapshot"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Snapshot:
    """Mixin for a widget: its ``_repr_mimebundle_`` also carries ``text/html`` and ``text/plain``.

    Subclasses implement ``snapshot_html()`` and ``snapshot_text()`` (deterministic, see the module
    docstring). JupyterLab shows the live widget; nbviewer, GitHub and ``nbconvert --to html`` show the
    HTML when the notebook has no widget state; ``print(widget)`` shows the text.
    """

    def snapshot_html(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def snapshot_text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self.snapshot_text()
        data["text/html"] = f'<div class="{SNAPSHOT_CLASS}">{self.snapshot_html()}</div>'
        return data

    def __repr__(self) -> str:
        return self.snapshot_text()

    __str__ = __repr__


def keep_snapshots_only(path: str) -> int:
    """Prepare an executed notebook for committing: drop the widget views of outputs that carry a labkit
    snapshot, and the notebook's saved widget state. Returns how many views were dropped.

    Stored outputs then hold no random model ids, and every reader sees the snapshot: GitHub, nbviewer,
    and JupyterLab before the notebook runs (a widget view whose model is gone shows "Error displaying
    widget: model not found" there). Running the notebook brings the live widgets back.
    ``python -m labkit.show notebooks/*.ipynb``.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    dropped = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if WIDGET_VIEW in data and SNAPSHOT_CLASS in str(data.get("text/html", "")):
                del data[WIDGET_VIEW]
                dropped += 1
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return dropped

