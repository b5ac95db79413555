"""The elements of a policy, compiled: Action/NotAction, Resource/NotResource, Principal/NotPrincipal,
the statement, and :class:`Policy` itself.

Follows *IAM JSON policy element reference* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html) and its pages
``Version`` (reference_policies_elements_version.html), ``Statement``, ``Sid``, ``Effect``,
``Principal`` (reference_policies_elements_principal.html), ``NotPrincipal``, ``Action``,
``NotAction``, ``Resource``, ``NotResource`` and ``Condition`` (operators in :mod:`.conditions`).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Mapping

from ..exceptions import PolicyError
from .conditions import _Condition
from .context import _arn_parts, _Ctx, _Principal
from .decision import _KIND_NAMES, StatementTrace
from .grammar import (_PRINCIPAL_TYPES, _STATEMENT_KEYS, _TOP_KEYS, _VERSIONS, _compile, _glob_source,
                      _has_wildcard, _strings, _suggest, _Where)
from .variables import _substitute, _template

__all__ = ["Policy"]

# --- Action / NotAction, Resource / NotResource ------------------------------------------------------


class _Patterns:
    """A compiled ``Action``/``Resource`` list: exact values, one wildcard regex, templated values."""

    __slots__ = ("written", "exact", "regex", "anything", "templates", "lower")

    def __init__(self, values: list[str], *, lower: bool, version: str):
        self.written = tuple(values)
        self.lower = lower
        exact, wild, templates = set(), [], []
        for v in values:
            t = None if lower else _template(v, version)
            if t is not None:
                templates.append((v, t))
                continue
            v = v.lower() if lower else v
            if _has_wildcard(v):
                wild.append(v)
            else:
                exact.add(v)
        self.anything = "*" in wild
        self.exact = frozenset(exact)
        self.regex = _compile("|".join(f"(?:{_glob_source(w)})" for w in wild)) if wild else None
        self.templates = tuple(templates)

    def match(self, value: str, ctx: _Ctx, seen: dict | None, became: list | None) -> bool:
        if self.anything or value in self.exact or (self.regex is not None and self.regex.fullmatch(value)):
            return True
        for written, parts in self.templates:
            sub = _substitute(parts, ctx, seen, glob=True)
            if became is not None:
                became.append((written, None if sub is None else sub[0]))
            # "the resource that includes a policy variable with no value will not match any resource"
            if sub is not None and _compile(sub[1]).fullmatch(value):
                return True
        return False


# --- Principal / NotPrincipal ------------------------------------------------------------------------

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_UNIQUE_ID = re.compile(r"^A[A-Z0-9]{15,}$")  # what IAM shows for a principal that was deleted
# How directly a resource-based policy names the requester (see evaluate(), step "Resource-based policies").
_DIRECT = frozenset({"any", "user", "session", "service", "federated", "canonical", "arn"})


def _principal_spellings(kind: str, value: str) -> tuple[str, str]:
    if kind == "Service":
        return ("service", value)
    if kind == "Federated":
        return ("federated", value)
    if kind == "CanonicalUser":
        return ("canonical", value)
    if value == "*":
        return ("any", "*")
    if _ACCOUNT_ID.match(value):
        return ("account", value)
    parts = _arn_parts(value)
    if parts is None:
        return ("arn", value)
    service, account, res = parts[2], parts[4], parts[5]
    if service == "iam" and res == "root":
        return ("account", account)
    if service == "iam" and res.startswith("user/"):
        return ("user", value)
    if service == "iam" and res.startswith("role/"):
        return ("role", f"{account}/{res.rsplit('/', 1)[1]}")
    if service == "sts" and (res.startswith("assumed-role/") or res.startswith("federated-user/")):
        return ("session", value)
    return ("arn", value)


class _Principals:
    """A compiled ``Principal`` or ``NotPrincipal`` element.

    Forms (*AWS JSON policy elements: Principal*): ``"*"`` (everyone, anonymous included; the same as
    ``{"AWS": "*"}``), ``{"AWS": account-id | account ARN | user/role/session ARN | [..]}``,
    ``{"Federated": provider}``, ``{"Service": "x.amazonaws.com"}``, ``{"CanonicalUser": id}``.
    "The account ARN and the shortened account ID behave the same way. Both delegate permissions to
    the account." A role ARN matches the role's sessions (by account and role name: a session ARN
    carries no role path).
    """

    __slots__ = ("written", "spellings", "anyone")

    def __init__(self, value: Any, where: _Where, element: str):
        self.written = value
        spellings: set[tuple[str, str]] = set()
        if value == "*":
            spellings.add(("any", "*"))
        elif isinstance(value, dict) and value:
            for kind, names in value.items():
                if kind not in _PRINCIPAL_TYPES:
                    raise where.error(f"unknown principal type {kind!r}{_suggest(kind, _PRINCIPAL_TYPES)}; use one of AWS, Federated, Service, CanonicalUser", element)
                for name in _strings(names, where, f"{element}.{kind}"):
                    if kind == "AWS" and name != "*" and not (_ACCOUNT_ID.match(name) or name.startswith("arn:") or _UNIQUE_ID.match(name)):
                        raise where.error(f"invalid principal {name!r}: use a 12-digit account ID, an ARN, or '*'", f"{element}.AWS")
                    spellings.add(_principal_spellings(kind, name))
        else:
            raise where.error(f'must be "*" or an object such as {{"AWS": "arn:..."}}, got {json.dumps(value)}', element)
        self.spellings = frozenset(spellings)
        self.anyone = ("any", "*") in self.spellings

    def levels_named(self, who: _Principal) -> list[bool]:
        return [any(s in self.spellings for s in level) for level in who.levels]

    def match_kind(self, who: _Principal) -> str | None:
        """How directly the element names the requester: the most specific level that matches."""
        if self.anyone:
            return "any"
        for level in who.levels:
            for s in level:
                if s in self.spellings:
                    return s[0]
        return None


# --- Statement and Policy ----------------------------------------------------------------------------


class _Statement:
    __slots__ = (
        "index", "sid", "label", "effect", "allow", "document",
        "action", "not_action", "resource", "not_resource", "principal", "not_principal", "conditions",
        "has_variables",
    )

    def __init__(self, index: int, doc: Any, where_policy: str, version: str):
        where = _Where(where_policy, index)
        if not isinstance(doc, dict):
            raise where.error(f"a statement must be a JSON object, got {json.dumps(doc)[:60]}")
        sid = doc.get("Sid")
        if sid is not None and not isinstance(sid, str):
            raise where.error("Sid must be a string", "Sid")
        where.sid = sid
        for key in doc:
            if key not in _STATEMENT_KEYS:
                raise where.error(f"unknown element {key!r}{_suggest(key, _STATEMENT_KEYS)}", key)
        self.index, self.sid, self.document = index, sid, doc
        self.label = sid if sid else f"Statement[{index}]"
        effect = doc.get("Effect")
        if effect not in ("Allow", "Deny"):
            if effect is None:
                raise where.error("missing required element Effect (\"Allow\" or \"Deny\")", "Effect")
            raise where.error(f"Effect must be \"Allow\" or \"Deny\" (case-sensitive), got {json.dumps(effect)}", "Effect")
        self.effect, self.allow = effect, effect == "Allow"
        # "Statements must include either an Action or NotAction element" (*Action*)
        if ("Action" in doc) == ("NotAction" in doc):
            raise where.error("a statement needs exactly one of Action or NotAction", "Action")
        a_key = "Action" if "Action" in doc else "NotAction"
        actions = _strings(doc[a_key], where, a_key)
        for a in actions:
            if a != "*" and ":" not in a:
                raise where.error(f"action {a!r} must be prefaced by a service namespace, e.g. 's3:GetObject' (or be '*')", a_key)
        pats = _Patterns(actions, lower=True, version=version)
        self.action, self.not_action = (pats, None) if a_key == "Action" else (None, pats)
        self.resource = self.not_resource = None
        if "Resource" in doc and "NotResource" in doc:
            raise where.error("a statement can have Resource or NotResource, not both", "Resource")
        for r_key in ("Resource", "NotResource"):
            if r_key in doc:
                resources = _strings(doc[r_key], where, r_key)
                for r in resources:
                    if r != "*" and not r.startswith("arn:") and not r.startswith("${"):
                        raise where.error(f"resource {r!r} must be in ARN format or \"*\"", r_key)
                pats = _Patterns(resources, lower=False, version=version)
                setattr(self, "resource" if r_key == "Resource" else "not_resource", pats)
        self.principal = self.not_principal = None
        if "Principal" in doc and "NotPrincipal" in doc:
            raise where.error("a statement can have Principal or NotPrincipal, not both", "Principal")
        if "Principal" in doc:
            self.principal = _Principals(doc["Principal"], where, "Principal")
        if "NotPrincipal" in doc:
            self.not_principal = _Principals(doc["NotPrincipal"], where, "NotPrincipal")
        conditions = []
        block = doc.get("Condition")
        if block is not None:
            if not isinstance(block, dict):
                raise where.error('must be an object such as {"StringEquals": {"aws:username": "alice"}}', "Condition")
            for operator, pairs in block.items():
                if not isinstance(pairs, dict) or not pairs:
                    raise where.error(f'{operator} must map condition keys to values, e.g. {{"aws:username": "alice"}}', f"Condition.{operator}")
                for key, values in pairs.items():
                    conditions.append(_Condition(operator, key, values, where, version))
        self.conditions = tuple(conditions)
        self.has_variables = bool(
            any(p is not None and p.templates for p in (self.resource, self.not_resource)) or any(c.templates for c in conditions)
        )

    # Elements are tested in the order Action, Resource, Principal, Condition; the first that does not
    # match is the one the trace reports.
    def applies(self, ctx: _Ctx, trace: list | None, policy: str, kind: str) -> str | None:
        """None when the statement does not apply, else how it named the principal ("" if no Principal)."""
        seen: dict | None = {} if (trace is not None and self.has_variables) else None
        # Action / NotAction (case-insensitive)
        if self.action is not None:
            if not self.action.match(ctx.action, ctx, None, None):
                if trace is not None:
                    trace.append(StatementTrace(policy, kind, self.label, self.effect, False, "Action", self.action.written, (), ctx.request.action))
                return None
        elif self.not_action.match(ctx.action, ctx, None, None):
            if trace is not None:
                trace.append(StatementTrace(policy, kind, self.label, self.effect, False, "NotAction", self.not_action.written, (), ctx.request.action))
            return None
        # Resource / NotResource (case-sensitive); a statement without either names the resource the
        # resource-based policy is attached to.
        pats = self.resource if self.resource is not None else self.not_resource
        if pats is not None:
            became: list | None = [] if trace is not None else None
            hit = pats.match(ctx.resource, ctx, seen, became)
            if hit != (pats is self.resource):
                if trace is not None:
                    trace.append(StatementTrace(
                        policy, kind, self.label, self.effect, False,
                        "Resource" if pats is self.resource else "NotResource",
                        pats.written, tuple(became or ()), ctx.resource, variables=seen or {},
                    ))
                return None
        # Principal / NotPrincipal
        named = ""
        if self.principal is not None:
            named = self.principal.match_kind(ctx.principal) or None
            if named is None:
                if trace is not None:
                    trace.append(StatementTrace(policy, kind, self.label, self.effect, False, "Principal", (json.dumps(self.principal.written),), (), ctx.request.principal_arn or "(anonymous)"))
                return None
        elif self.not_principal is not None:
            np = self.not_principal
            levels = np.levels_named(ctx.principal)
            # Deny: exempt only when every level AWS may check (session, role, account) is listed, as
            # the NotPrincipal page advises; Allow: excluded when any level is listed. Both err on the
            # side of not granting.
            if np.anyone:
                excluded = True
            elif self.allow:
                excluded = any(levels)
            else:
                excluded = bool(levels) and all(levels)
            if excluded:
                if trace is not None:
                    trace.append(StatementTrace(policy, kind, self.label, self.effect, False, "NotPrincipal", (json.dumps(np.written),), (), ctx.request.principal_arn or "(anonymous)"))
                return None
            named = "any"
        # Condition: operators ANDed, keys ANDed, values ORed
        for cond in self.conditions:
            notes: list | None = [] if trace is not None else None
            if not cond.evaluate(ctx, seen, notes):
                if trace is not None:
                    note = notes[0] if notes else ("mismatch", ctx.keys.get(cond.key_lower), [])
                    became = note[2] if len(note) > 2 and note[2] else []
                    trace.append(StatementTrace(
                        policy, kind, self.label, self.effect, False, "Condition", cond.written, tuple(became),
                        note[1], operator=cond.operator, key=cond.key, variables=seen or {},
                        problem=note[0] if note[0] != "unparseable" else f"unparseable: {note[3]}",
                    ))
                return None
        if trace is not None:
            trace.append(StatementTrace(policy, kind, self.label, self.effect, True, None, (), (), None, variables=seen or {}))
        return named


class Policy:
    """A parsed, validated and compiled IAM policy document.

    ``Policy.parse(text_or_dict, name="")`` -- parsing is cached by the document's JSON text (and name),
    so parsing the same text again costs a dictionary look-up. Instances are immutable and shared;
    :func:`evaluate` accepts a ``Policy``, a JSON string or a ``dict``.

    ``Version``: ``"2012-10-17"`` or ``"2008-10-17"``; without it (or with 2008) policy variables are
    literal text (*Version*). ``Statement`` is one object or a list; each statement is checked as IAM
    would (unknown elements, Effect spelling, Action/NotAction, ARN-or-``*`` resources, condition
    operators and value types, unique Sids) and a :class:`PolicyError` names the statement and element.
    """

    __slots__ = ("name", "version", "id", "document", "text", "_statements", "_has_principal", "_all_principal", "_all_resource")

    def __init__(self, document: Mapping, *, name: str = "", text: str = ""):
        where = _Where(name)
        if not isinstance(document, dict):
            raise where.error(f"a policy must be a JSON object, got {type(document).__name__}")
        for key in document:
            if key not in _TOP_KEYS:
                raise where.error(f"unknown top-level element {key!r}{_suggest(key, _TOP_KEYS)}; a policy has Version, Id and Statement", key)
        version = document.get("Version", "")
        if version and version not in _VERSIONS:
            raise where.error(f"Version must be \"2012-10-17\" (or the legacy \"2008-10-17\"), got {json.dumps(version)}", "Version")
        if "Statement" not in document:
            raise where.error("missing required element Statement", "Statement")
        raw = document["Statement"]
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise where.error("Statement must not be empty", "Statement")
        statements = [_Statement(i, st, name, version) for i, st in enumerate(items)]
        sids: dict[str, int] = {}
        for st in statements:
            if st.sid:
                if st.sid in sids:
                    raise PolicyError(f"Sid {st.sid!r} is used by Statement[{sids[st.sid]}] too; Sids must be unique within a policy", policy=name, statement=st.index, element="Sid")
                sids[st.sid] = st.index
        self.name = name
        self.version = version
        self.id = document.get("Id")
        self.document = document
        self.text = text
        self._statements = tuple(statements)
        self._has_principal = any(s.principal is not None or s.not_principal is not None for s in statements)
        self._all_principal = all(s.principal is not None or s.not_principal is not None for s in statements)
        self._all_resource = all(s.resource is not None or s.not_resource is not None for s in statements)

    @classmethod
    def parse(cls, doc: str | Mapping | Policy, name: str = "") -> Policy:
        """Parse (or fetch from the cache) a policy given as JSON text or as a ``dict``."""
        if isinstance(doc, Policy):
            return doc if not name or name == doc.name else _parse_text(doc.text or json.dumps(doc.document, sort_keys=True), name)
        if isinstance(doc, (bytes, bytearray)):
            doc = doc.decode("utf-8")
        if isinstance(doc, str):
            return _parse_text(doc, name)
        if isinstance(doc, Mapping):
            try:
                text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
            except (TypeError, ValueError) as exc:
                raise PolicyError(f"the policy is not JSON-serializable: {exc}", policy=name) from None
            return _parse_text(text, name)
        raise PolicyError(f"a policy must be JSON text or a dict, got {type(doc).__name__}", policy=name)

    def __repr__(self) -> str:
        label = self.name or self.id or "policy"
        return f"<Policy {label!r}: {len(self._statements)} statement(s), Version {self.version or '(none)'}>"

    def _check(self, kind: str, label: str) -> None:
        """The element rules that depend on where a policy is used (raised at evaluation time)."""
        if kind == "resource":
            if not self._all_principal:
                st = next(s for s in self._statements if s.principal is None and s.not_principal is None)
                raise PolicyError("a resource-based policy statement must name a Principal or NotPrincipal", policy=label, statement=st.index, sid=st.sid, element="Principal")
        else:
            if self._has_principal:
                st = next(s for s in self._statements if s.principal is not None or s.not_principal is not None)
                raise PolicyError(f"a {_KIND_NAMES[kind]} policy must not specify a principal (Principal/NotPrincipal belong in resource-based policies)", policy=label, statement=st.index, sid=st.sid, element="Principal")
            if not self._all_resource:
                st = next(s for s in self._statements if s.resource is None and s.not_resource is None)
                raise PolicyError(f"a {_KIND_NAMES[kind]} policy statement needs Resource or NotResource", policy=label, statement=st.index, sid=st.sid, element="Resource")


@functools.lru_cache(maxsize=1024)
def _parse_text(text: str, name: str) -> Policy:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", policy=name) from None
    return Policy(document, name=name, text=text)


def _as_policy(p: Any) -> Policy:
    return p if isinstance(p, Policy) else Policy.parse(p)


def _as_policies(ps: Any) -> list[Policy]:
    if ps is None:
        return []
    if isinstance(ps, (Policy, str, bytes, Mapping)):
        return [_as_policy(ps)]
    return [_as_policy(p) for p in ps]

