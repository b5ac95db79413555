"""The token inspector: a JWT's header, claims and signature, each explained, and the verifier's verdict.

    labkit.show.token(id_token, client_id=CLIENT_ID)

The claims' meanings come from :func:`labkit.tokens.explain`; the verdict from
:func:`labkit.tokens.verify` (AWS's "Verifying JSON web tokens", in its order), against the pool's
JWKS, at the sandbox's clock: after ``sb.advance(3600)`` a "Check again" turns the verdict into
``Expired``. The "live" clock ticks that check every second while it plays.
"""

from __future__ import annotations

import base64
import binascii

import ipywidgets as widgets

from .. import errors
from .. import tokens as _tokens
from . import static
from .static import esc

_TIME_CLAIMS = ("iat", "exp", "auth_time", "nbf")


def _now(sandbox) -> float:
    if sandbox is None:
        from ..sandbox import Sandbox

        sandbox = Sandbox.current()
    if sandbox is not None and getattr(sandbox, "running", False):
        return sandbox.clock.time()
    import time

    return time.time()


def _kind(header: dict, payload: dict) -> str:
    use = payload.get("token_use")
    if use == "id":
        return "ID token"
    if use == "access":
        return "access token"
    return "JWT"


def _value_html(name: str, value, now: float, stable: bool) -> str:
    if name in _TIME_CLAIMS and isinstance(value, (int, float)) and not isinstance(value, bool):
        rel = static.relative(value, now)
        if name == "exp" and (not stable or abs(value - now) >= 60):
            rel = f"expires in {static.duration(value - now)}" if value > now else f"expired {static.duration(now - value)} ago"
        raw = "" if stable else f'<span style="color:{static.MUTED}">{esc(value)} = </span>'
        return f"{raw}{esc(static.utc(value))} <b>({esc(rel)})</b>"
    if name == "kid" and stable and isinstance(value, str) and len(value) > 12:
        return esc(static.short_token(value, 0))  # the sandbox's keys are made at run time
    shown = static.shorten(value, key=name, stable=stable)
    return static.json_html(shown, expandable=not stable)


def _signature_info(token: str) -> tuple[int, int]:
    sig = token.strip().rsplit(".", 1)[-1]
    try:
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    return len(sig), len(raw)


def _web_identity_verdict(token: str, client_id=None) -> tuple[bool, str, str] | None:
    """The verdict on a token an external IdP (Google, an OIDC provider) or the identity service issued, by
    the checks Cognito's ``Logins`` and STS make (:mod:`labkit.webidentity`, at the sandbox clock);
    ``None`` when it is a user pool token, or no sandbox runs."""
    from .. import webidentity as wi
    from ..sandbox import Sandbox

    sb = Sandbox.current()
    try:
        _, payload = _tokens.decode_unverified(token)
    except _tokens.TokenError:
        return None
    iss = str(payload.get("iss", ""))
    if sb is None or not sb.running or not iss or "cognito-idp." in iss:
        return None
    aud = payload.get("aud")
    audiences = [client_id] if client_id else (aud if isinstance(aud, list) else [aud])
    try:
        if iss in ("https://accounts.google.com", wi.GOOGLE):
            who = "Google"
            wi.google(sb, token, audiences)
        elif iss == wi.COGNITO_IDENTITY_ISSUER:
            who = "the Cognito identity service (an OpenID token from GetOpenIdToken)"
            wi.cognito_identity(sb, token)
        elif iss.startswith("https://"):
            who = iss
            wi.openid(sb, token, iss[len("https://"):].rstrip("/"), audiences)
        else:
            return None
    except wi.LoginRejected as exc:
        return False, f"{exc.label}: Invalid login token. {exc.reason}", (
            "Refused the way Cognito's Logins and STS AssumeRoleWithWebIdentity check an identity provider's token: "
            "the issuer's published key, the expiry on the sandbox clock, the audience.")
    checks = ["the RS256 signature matches the issuer's published key", "not expired"]
    if client_id:
        checks.append(f"issued to {client_id}")
    return True, f"Verified: {who} signed this token and it is valid now", "Checks passed: " + "; ".join(checks) + "."


def verdict_of(token: str, *, client_id=None, token_use=None, now: float | None = None) -> tuple[bool, str, str]:
    """``(ok, title, detail)`` of :func:`labkit.tokens.verify` on ``token``: what the verdict box shows.
    A token of an external identity provider gets the checks Cognito's ``Logins`` make instead."""
    other = _web_identity_verdict(token, client_id) if isinstance(token, str) else None
    if other is not None:
        return other
    try:
        claims = _tokens.verify(token, client_id=client_id, token_use=token_use, now=now)
    except _tokens.TokenError as exc:
        return False, f"{type(exc).__name__} (reason: {exc.reason})", str(exc)
    except errors.LabkitError as exc:
        return False, type(exc).__name__, str(exc)
    checks = [f"the RS256 signature matches key {static.short_token(str(claims.header.get('kid', '')), 0)} of the pool's JWKS",
              "not expired"]
    if client_id:
        checks.append(f"issued to app client {client_id}")
    if token_use:
        checks.append(f"token_use is {token_use!r}")
    return True, "Verified: Cognito signed this token and it is valid now", "Checks passed: " + "; ".join(checks) + "."


def inspect_html(token: str, *, client_id=None, token_use=None, now: float, stable: bool, verdict=None) -> str:
    """The whole inspection as HTML (the live widget: ``stable=False``; the stored snapshot: ``True``)."""
    try:
        header, payload = _tokens.decode_unverified(token)
    except _tokens.TokenError as exc:
        return static.verdict(False, f"{type(exc).__name__} (reason: {exc.reason})", str(exc))
    try:
        meanings = {(part, name): meaning for part, name, _, meaning in _tokens.explain(token, now=now, dates=False)}
    except Exception:  # explain only reads the token; never let a picture fail on it
        meanings = {}
    kind = _kind(header, payload)
    iss = payload.get("iss", "")
    pool = iss.rsplit("/", 1)[-1] if isinstance(iss, str) and "cognito-idp" in iss else None
    who = f" issued by user pool {esc(pool)}" if pool else (f" issued by {esc(iss)}" if iss else "")
    client = payload.get("aud") if payload.get("token_use") == "id" else payload.get("client_id")
    to = f" to app client {esc(client)}" if isinstance(client, str) else ""
    out = [f'<div style="font-size:14px; margin-bottom:4px"><b>{esc(kind)}</b>{who}{to}</div>']

    exp = payload.get("exp")
    if isinstance(exp, (int, float)):
        left = exp - now
        line = (f"expires in {static.duration(left)}" if left > 0 else f"expired {static.duration(left)} ago")
        if stable and abs(left) < 60:
            line = "expires in less than a minute" if left > 0 else "expired less than a minute ago"
        color = static.OK_COLOR if left > 0 else static.BAD_COLOR
        out.append(f'<div style="color:{color}; margin-bottom:4px">{esc(line)} <span style="color:{static.MUTED}">(sandbox clock)</span></div>')

    ok, title, detail = verdict or verdict_of(token, client_id=client_id, token_use=token_use, now=now)
    out.append(static.verdict(ok, title, detail))

    rows = [(esc(k), _value_html(k, v, now, stable), esc(meanings.get(("header", k), ""))) for k, v in header.items()]
    out.append(static.card("Header (which key and algorithm signed it)", static.table(rows, ("field", "value", "meaning"))))
    rows = [
        (esc(k), _value_html(k, v, now, stable), esc(meanings.get(("payload", k), "")))
        for k, v in payload.items()
    ]
    out.append(static.card("Payload (the claims)", static.table(rows, ("claim", "value", "meaning"))))
    chars, size = _signature_info(token)
    sig = (
        f"{esc(header.get('alg', '?'))} signature: {size} bytes ({chars} base64url characters) over "
        "<code>base64url(header) + \".\" + base64url(payload)</code>, made with the issuer's private key. "
        "Anyone can check it with the public key published at "
        f"<code>{esc(iss or '<issuer>')}/.well-known/jwks.json</code> (the key whose kid is in the header); "
        "nobody without the private key can make one that checks."
    )
    out.append(static.card("Signature", f'<div style="font-size:13px">{sig}</div>'))
    return "".join(out)


class TokenInspector(static.Snapshot, widgets.VBox):
    """Header, payload and signature of a JWT, with a verdict that can be checked again at the sandbox clock."""

    def __init__(self, token: str, *, client_id=None, token_use=None, sandbox=None):
        self.token = token.strip() if isinstance(token, str) else token
        self.client_id, self.token_use, self.sandbox = client_id, token_use, sandbox
        self._snapshot_now = _now(sandbox)
        self.view = widgets.HTML()
        self.check_button = widgets.Button(description="Check again", icon="refresh",
                                           tooltip="verify again at the sandbox's current time")
        self.clock = widgets.Play(value=0, min=0, max=10**9, step=1, interval=1000, show_repeat=False,
                                  description="live clock", tooltip="re-check every second while playing")
        self.paste = widgets.Text(placeholder="paste another JWT here and press Enter", layout=widgets.Layout(width="420px"))
        self.check_button.on_click(lambda _: self.refresh())
        self.clock.observe(lambda _: self.refresh(), names="value")
        self.paste.observe(self._pasted, names="value")
        bar = widgets.HBox([self.check_button, widgets.HTML("&nbsp;live:&nbsp;"), self.clock, self.paste])
        super().__init__(children=[self.view, bar])
        self.add_class("labkit-token")
        self.refresh(now=self._snapshot_now)
        self._snapshot_verdict = self.current_verdict  # one verification (one JWKS fetch) serves both views

    def refresh(self, now: float | None = None) -> None:
        """Re-read the sandbox clock and verify again."""
        self.now = _now(self.sandbox) if now is None else now
        self.current_verdict = verdict_of(self.token, client_id=self.client_id, token_use=self.token_use, now=self.now)
        self.view.value = static.live(inspect_html(self.token, client_id=self.client_id, token_use=self.token_use, now=self.now, stable=False,
                                       verdict=self.current_verdict))

    def _pasted(self, change) -> None:
        text = (change["new"] or "").strip()
        if text:
            self.token = text
            self.refresh()

    @property
    def verdict(self) -> tuple[bool, str, str]:
        """``(ok, title, detail)`` as last checked (construction, "Check again", the live clock)."""
        return self.current_verdict

    def snapshot_html(self) -> str:
        return inspect_html(self.token, client_id=self.client_id, token_use=self.token_use, now=self._snapshot_now, stable=True,
                            verdict=self._snapshot_verdict)

    def snapshot_text(self) -> str:
        try:
            header, payload = _tokens.decode_unverified(self.token)
        except _tokens.TokenError as exc:
            return f"Not a readable token: {type(exc).__name__}: {exc}"
        ok, title, detail = self._snapshot_verdict
        lines = [f"{_kind(header, payload)}: {'✔' if ok else '✘'} {title}", f"  {detail}"]
        rows = []
        for k, v in header.items():
            shown = static.short_token(v, 0) if k == "kid" and isinstance(v, str) and len(v) > 12 else v
            rows.append(("header", k, shown))
        for k, v in payload.items():
            if k in _TIME_CLAIMS and isinstance(v, (int, float)):
                shown = f"{static.utc(v)} ({static.relative(v, self._snapshot_now)})"
            else:
                shown = static.json_text(static.shorten(v, key=k))
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
            rows.append(("payload", k, shown))
        lines.append(static.text_table(rows))
        chars, size = _signature_info(self.token)
        lines.append(f"  signature: {header.get('alg', '?')}, {size} bytes")
        return "\n".join(lines)


def token(jwt: str, *, client_id: str | None = None, token_use: str | None = None, sandbox=None) -> TokenInspector:
    """Inspect a JWT: header, payload, signature, each explained, and :func:`labkit.tokens.verify`'s verdict.

    ``client_id`` / ``token_use``: what your app would check (see :func:`labkit.tokens.verify`).
    """
    if not isinstance(jwt, (str, bytes)):
        raise errors.LabkitError(
            f"show.token() takes a token string (e.g. result['AuthenticationResult']['IdToken']), not {type(jwt).__name__}."
        )
    if isinstance(jwt, bytes):
        jwt = jwt.decode("ascii", "replace")
    return TokenInspector(jwt, client_id=client_id, token_use=token_use, sandbox=sandbox)
