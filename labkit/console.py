"""The sandbox's own pages on its HTTP endpoint, for people and for apps in other languages.

* ``GET <endpoint>/_labkit/inbox/<address>`` -- the messages Cognito "sent" to an email address or phone
  number (E.164, ``+15555550100``; percent-encode the ``+`` if your client turns it into a space), newest
  last, as JSON::

      {"address": "alice@example.com",
       "messages": [{"to": ..., "medium": "EMAIL", "subject": ..., "body": ..., "code": "123456",
                     "purpose": "sign-up", "sent_at": 1764680000.0}]}

  What ``sb.inbox(address)`` gives in Python; on AWS the code reaches a real mailbox or phone, so this is
  labkit playing the learner's phone, not an AWS API (``/_labkit/`` cannot be an S3 bucket: bucket names
  have no ``_``). ``GET <endpoint>/_labkit/inbox/`` lists the addresses that received something.
* ``GET <endpoint>/_labkit/`` -- the console: a small HTML page showing the sandbox to a person: the inboxes,
  the user pools and their users (each pool's discovery URL and hosted UI), the identity pools and their
  identities, the deployed APIs, the recent calls and IAM decisions. Every URL it prints follows the
  addressing rule of :mod:`labkit.wire.addressing`; everything it prints is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from urllib.parse import quote, unquote

from .wire import addressing
from .wire.request import Response

PREFIX = "/_labkit/"
INBOX = "/_labkit/inbox/"
RECENT = 40


def _json(status: int, doc) -> Response:
    return Response.of(status, json.dumps(doc), "application/json;charset=UTF-8", **{"Cache-Control": "no-store"})


def message_doc(message) -> dict:
    return {"to": message.to, "medium": message.medium, "subject": message.subject, "body": message.body,
            "code": message.code, "purpose": message.purpose, "sent_at": message.sent_at}


def console_url(endpoint: str) -> str:
    return f"{endpoint.rstrip('/')}{PREFIX}"


def inbox_url(endpoint: str, address: str) -> str:
    return f"{endpoint.rstrip('/')}{INBOX}{quote(address, safe='@')}"


class Console:
    """The route of ``/_labkit/...`` (see the module docstring)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __call__(self, request) -> Response | None:
        path = request.path or "/"
        if not path.startswith(PREFIX) and path != PREFIX.rstrip("/"):
            return None
        # Over HTTP, or in-process on its way to the served endpoint (a plain HTTP library caught before it
        # left): never for an address of AWS itself.
        if request.transport != "http" and not hasattr(request, "address"):
            return None
        request.service, request.operation = "labkit", f"{request.method} {path}"
        if request.method not in ("GET", "HEAD"):
            return _json(405, {"message": f"{request.method} is not allowed here: the sandbox's pages are read-only (GET)."})
        if path.startswith(INBOX):
            address = unquote(path[len(INBOX):]).strip()
            if not address:
                return _json(200, {"addresses": self.sandbox.post_office.addresses()})
            box = self.sandbox.post_office.mailbox(address)
            return _json(200, {"address": box.address, "messages": [message_doc(m) for m in box]})
        if path in ("/_labkit", PREFIX):
            return Response.of(200, self.page(request), "text/html; charset=utf-8", **{"Cache-Control": "no-store"})
        return _json(404, {"message": f"Nothing at {path}. The sandbox's pages: {PREFIX} (the console) and "
                                      f"{INBOX}<address> (an inbox, JSON)."})

    # ------------------------------------------------------------------ the page
    def page(self, request) -> str:
        endpoint = addressing.endpoint_of(request) or self._endpoint()
        sections = [self._intro(endpoint), self._inboxes(endpoint), self._user_pools(request, endpoint),
                    self._identity_pools(), self._apis(request), self._calls(), self._decisions()]
        return _PAGE.format(body="\n".join(s for s in sections if s))

    def _endpoint(self) -> str:
        try:
            return self.sandbox.endpoint_url
        except Exception:  # noqa: BLE001 - not served (a test calling the route directly)
            return ""

    def _intro(self, endpoint: str) -> str:
        sb = self.sandbox
        creds = sb.admin_credentials
        rows = [("Endpoint", endpoint), ("Region", sb.region), ("Account", sb.account_id), ("Seed", str(sb.seed)),
                ("Access key", creds["AccessKeyId"]), ("Secret key", creds["SecretAccessKey"]),
                ("Addressing rule", addressing.RULE), ("A pool's discovery URL", addressing.DISCOVERY_RULE)]
        return ("<h1>labkit sandbox</h1><table class='kv'>"
                + "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in rows) + "</table>")

    def _inboxes(self, endpoint: str) -> str:
        po = self.sandbox.post_office
        rows = []
        for address in po.addresses():
            box = po.mailbox(address)
            last = box.latest
            rows.append([_link(inbox_url(endpoint, address), address), str(len(box)), last.medium, last.purpose,
                         _e(last.code or ""), _e(last.subject or last.body[:80])])
        return _section("Inboxes", ["Address (JSON)", "Messages", "Medium", "Purpose", "Latest code", "Latest"], rows,
                        "Nothing has been delivered yet.")

    def _user_pools(self, request, endpoint: str) -> str:
        comp = self.sandbox.components.get("userpools")
        if comp is None:
            return ""
        from . import moto_adapter

        out = []
        model = comp.service.model
        for region in sorted(moto_adapter.regions("cognito-idp", self.sandbox.account_id)):
            for pool in list(model.backend(region).user_pools.values()):
                links = [_link(addressing.discovery_url(endpoint, pool.id), "discovery"),
                         _link(f"{addressing.served(request, f'cognito-idp.{region}.amazonaws.com')}/{pool.id}/.well-known/jwks.json", "JWKS")]
                if pool.domain is not None:
                    name = pool.domain.domain
                    host = name if "." in name else f"{name}.auth.{pool.region}.amazoncognito.com"
                    links.append(f"hosted UI <code>{_e(addressing.served(request, host))}</code>")
                users = []
                for user in list(pool.users.values()):
                    attrs = {a["Name"]: a["Value"] for a in (user.attributes or [])}
                    users.append([_e(user.username), _e(getattr(user.status, "value", user.status)), _e(attrs.get("email", "")),
                                  _e(attrs.get("phone_number", "")), "yes" if user.enabled else "no"])
                clients = ", ".join(f"{c.extended_config.get('ClientName', '')} ({c.id})" for c in list(pool.clients.values()))
                out.append(f"<h3>{_e(pool.name)} <code>{_e(pool.id)}</code></h3><p>{' &middot; '.join(links)}</p>"
                           f"<p>Discovery URL: <code>{_e(addressing.discovery_url(endpoint, pool.id))}</code></p>"
                           f"<p>App clients: {_e(clients) or 'none'}</p>"
                           + _table(["Username", "Status", "email", "phone_number", "Enabled"], users, "No users."))
        return "<h2>User pools</h2>" + ("".join(out) or "<p class='none'>No user pools yet.</p>")

    def _identity_pools(self) -> str:
        comp = self.sandbox.components.get("identitypools")
        if comp is None:
            return ""
        state = comp.state
        out = []
        for pool in list(state.pools.values()):
            rows = [[_e(i.id), _e(", ".join(i.logins) or ("developer" if i.developer_users else "guest")),
                     "authenticated" if i.authenticated else "unauthenticated"] for i in state.identities_of(pool)]
            roles = ", ".join(f"{k}: {v}" for k, v in sorted(pool.roles.items()))
            out.append(f"<h3>{_e(pool.name)} <code>{_e(pool.id)}</code></h3><p>Roles: {_e(roles) or 'none'}; guests "
                       f"{'allowed' if pool.allow_unauthenticated else 'not allowed'}</p>"
                       + _table(["Identity", "Logins", "Kind"], rows, "No identities."))
        return "<h2>Identity pools</h2>" + ("".join(out) or "<p class='none'>No identity pools yet.</p>")

    def _apis(self, request) -> str:
        if self.sandbox.components.get("apigateway") is None:
            return ""
        from . import moto_adapter

        rows = []
        for region in sorted(moto_adapter.regions("apigateway", self.sandbox.account_id)):
            for api in list(moto_adapter.backend("apigateway", self.sandbox.account_id, region).apis.values()):
                base = addressing.served(request, f"{api.id}.execute-api.{region}.amazonaws.com")
                for stage in list(api.stages):
                    rows.append([_e(api.name), _e(api.id), _e(stage), f"<code>{_e(base)}/{_e(stage)}/</code>"])
        if not rows:
            return ""
        return _section("Deployed APIs", ["API", "Id", "Stage", "Invoke URL"], rows, "")

    def _calls(self) -> str:
        calls = [c for c in self.sandbox.calls if c.service != "labkit"][-RECENT:]
        rows = [[str(c.seq), _time(c.time), _e(c.transport), _e(c.service), _e(c.operation or f"{c.method} {c.path}"),
                 str(c.status), _e(c.handled_by)] for c in calls]
        return _section(f"Recent calls (last {RECENT})", ["#", "Time", "Transport", "Service", "Operation", "Status",
                                                           "Answered by"], rows, "No calls yet.")

    def _decisions(self) -> str:
        iam = self.sandbox.components.get("iam")
        if iam is None:
            return ""
        records = list(iam.decisions)[-RECENT:]
        rows = [[str(r.call), _e(r.principal), _e(r.action), _e(r.resource),
                 "allowed" if r.allowed else f"<b>DENIED</b> ({_e(r.decision.reason)})"] for r in records]
        return _section(f"IAM decisions (last {RECENT})", ["Call", "Principal", "Action", "Resource", "Decision"], rows,
                        "No call with issued credentials has been authorized yet.")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _link(url: str, text: str) -> str:
    return f'<a href="{_e(url)}">{_e(text)}</a>'


def _time(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%H:%M:%S")


def _table(head: list, rows: list, empty: str) -> str:
    if not rows:
        return f"<p class='none'>{_e(empty)}</p>"
    return ("<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</table>")


def _section(title: str, head: list, rows: list, empty: str) -> str:
    return f"<h2>{_e(title)}</h2>" + _table(head, rows, empty)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>labkit sandbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: .4em 0 1em; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} table.kv th {{ width: 12em; }}
code {{ font-size: 13px; }} .none {{ color: #777; }}
</style></head><body>
{body}
</body></html>
"""


def install(sandbox) -> Console:
    console = Console(sandbox)
    sandbox.dispatcher.routes.insert(0, console)
    return console
