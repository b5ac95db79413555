"""IAM policy evaluation, in plain Python: does this request get through these policies, and why not?

    from labkit.policy import Policy, RequestContext, evaluate

    ctx = RequestContext(
        action="s3:GetObject",
        resource="arn:aws:s3:::photos/private/us-east-1:abc/cat.jpg",
        principal_arn="arn:aws:sts::123456789012:assumed-role/Cognito_Auth/CognitoIdentityCredentials",
        keys={"cognito-identity.amazonaws.com:sub": "us-east-1:abc"},
    )
    decision = evaluate(ctx, identity_policies=[auth_role_policy])
    decision.allowed          # True / False
    print(decision.explain()) # plain English, for the learner

No boto3, no moto, no HTTP: the sandbox calls :func:`evaluate` on every request it authorizes, so
policies are parsed and compiled once (:meth:`Policy.parse` is cached by the policy's text) and an
evaluation of a typical three-statement policy costs about 15 microseconds.

The module follows the IAM User Guide, in the order the guide tells it (section titles in quotes are
the guide's; every URL is under https://docs.aws.amazon.com/IAM/latest/UserGuide/):

1. "Processing the request context" (reference_policies_evaluation-logic.html#policy-eval-reqcontext)
   -- :class:`RequestContext`.
2. "IAM JSON policy element reference" (reference_policies_elements.html): ``Version``, ``Statement``,
   ``Sid``, ``Effect``, ``Principal``/``NotPrincipal``, ``Action``/``NotAction``,
   ``Resource``/``NotResource``, ``Condition`` -- :class:`Policy`, :class:`PolicyError`.
3. "IAM policy elements: Variables and tags" (reference_policies_variables.html).
4. "IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html)
   and "Creating a condition with multiple keys or values" (reference_policies_multi-value-conditions.html).
5. "Determining whether a request is allowed or denied within an account"
   (reference_policies_evaluation-logic.html#policy-eval-denyallow), with "Session policies"
   (access_policies.html#policies_session) and "Evaluating effective permissions with boundaries"
   (access_policies_boundaries.html#access_policies_boundaries-eval-logic) -- :func:`evaluate`,
   :class:`Decision`.

Not modelled (see :func:`evaluate`): AWS Organizations SCPs and RCPs, ACLs, VPC endpoint policies,
and the services whose resource policy must itself allow (KMS key policies); a role trust policy is
evaluated as the resource-based policy of ``sts:AssumeRole*`` with no identity policy, which gives the
same answer for web-identity federation.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import difflib
import functools
import ipaddress
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

__all__ = [
    "PolicyError",
    "Policy",
    "RequestContext",
    "evaluate",
    "Decision",
    "StatementMatch",
    "StatementTrace",
]

USER_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"


# ---------------------------------------------------------------------------------------------------
# 1. "Processing the request context"
# ---------------------------------------------------------------------------------------------------


@dataclass
class RequestContext:
    """What AWS knows about a request when it authorizes it.

    "AWS processes the request to gather the following information into a *request context*:
    Actions, Resources, Principal, Environment data, Resource data" -- *Policy evaluation logic,
    Processing the request context*. Environment and resource data are condition keys, in ``keys``.

    ``action``
        ``"service:Operation"``, e.g. ``"s3:GetObject"`` (matched case-insensitively).
    ``resource``
        The ARN the action is performed on (matched case-sensitively); ``"*"`` for actions that take
        no resource.
    ``principal_arn``
        Who asks: an IAM user ``arn:aws:iam::111122223333:user/alice``, a role session
        ``arn:aws:sts::111122223333:assumed-role/Role/session``, a federated user
        ``arn:aws:sts::111122223333:federated-user/bob``, the root user ``arn:aws:iam::111122223333:root``,
        a service or web-identity provider (``"cognito-identity.amazonaws.com"``, for a role trust
        policy), or ``""`` for an anonymous request.
    ``account_id``
        The principal's account (taken from ``principal_arn`` when that has one).
    ``keys``
        Condition context keys. Names are case-insensitive ("Key names are case-insensitive" --
        *Variables and tags*); values are ``str`` or, for multivalued keys such as
        ``dynamodb:LeadingKeys``, ``dynamodb:Attributes``, ``aws:TagKeys`` and
        ``cognito-identity.amazonaws.com:amr``, a list of ``str``. ``bool`` and numbers are turned into
        their policy spelling (``True`` -> ``"true"``); ``bytes`` are kept for ``BinaryEquals``; a
        ``None`` value is the same as an absent key. When not given, ``aws:PrincipalArn``,
        ``aws:PrincipalAccount``, ``aws:PrincipalType`` and (for IAM users) ``aws:username`` are
        derived from ``principal_arn``, as AWS does.
    ``resource_account``
        The account that owns the resource, when it differs from the principal's: the request is then
        cross-account and needs an allow from both sides. ``None`` (the default) means same account.
    """

    action: str
    resource: str = "*"
    principal_arn: str = ""
    account_id: str = ""
    keys: Mapping[str, Any] = field(default_factory=dict)
    resource_account: str | None = None


@dataclass(frozen=True)
class _Principal:
    """The requester, as the levels AWS may check it at: session, then role, then account.

    ``levels`` is a tuple of levels; each level a tuple of ``(kind, value)`` spellings that name it.
    """

    kind: str  # "user" | "role-session" | "federated-user" | "role" | "root" | "named" | "anonymous"
    account: str
    levels: tuple
    derived: tuple  # (key, value) condition keys AWS fills in for this principal


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


@functools.lru_cache(maxsize=1024)
def _principal(principal_arn: str, account_id: str) -> _Principal:
    arn = principal_arn.strip()
    if arn in ("", "*", "anonymous"):
        return _Principal("anonymous", account_id, (), (("aws:principaltype", "Anonymous"),))
    parts = _arn_parts(arn)
    if parts is None:  # a service principal or a web-identity provider, e.g. cognito-identity.amazonaws.com
        level = (("service", arn), ("federated", arn), ("canonical", arn), ("arn", arn))
        return _Principal("named", account_id, (level,), ())
    service, account, res = parts[2], parts[4] or account_id, parts[5]
    acct_level = (("account", account),)
    derived = [("aws:principalaccount", account)] if account else []
    if service == "iam" and res == "root":
        derived += [("aws:principalarn", arn), ("aws:principaltype", "Account")]
        return _Principal("root", account, (acct_level + (("arn", arn),),), tuple(derived))
    if service == "iam" and res.startswith("user/"):
        derived += [("aws:principalarn", arn), ("aws:principaltype", "User"), ("aws:username", res.rsplit("/", 1)[1])]
        return _Principal("user", account, ((("user", arn), ("arn", arn)), acct_level), tuple(derived))
    if service == "iam" and res.startswith("role/"):
        name = res.rsplit("/", 1)[1]
        derived += [("aws:principalarn", arn), ("aws:principaltype", "AssumedRole")]
        return _Principal("role", account, ((("role", f"{account}/{name}"), ("arn", arn)), acct_level), tuple(derived))
    if service == "iam" and (res.startswith("saml-provider/") or res.startswith("oidc-provider/")):
        return _Principal("named", account, ((("federated", arn), ("arn", arn)),), tuple(derived))
    if service == "sts" and res.startswith("assumed-role/"):
        _, role, *_session = res.split("/")
        role_arn = f"arn:{parts[1]}:iam::{account}:role/{role}"
        derived += [("aws:principalarn", role_arn), ("aws:principaltype", "AssumedRole")]
        levels = ((("session", arn), ("arn", arn)), (("role", f"{account}/{role}"), ("arn", role_arn)), acct_level)
        return _Principal("role-session", account, levels, tuple(derived))
    if service == "sts" and res.startswith("federated-user/"):
        derived += [("aws:principalarn", arn), ("aws:principaltype", "FederatedUser")]
        return _Principal("federated-user", account, ((("session", arn), ("arn", arn)), acct_level), tuple(derived))
    return _Principal("named", account, ((("arn", arn),), acct_level) if account else ((("arn", arn),),), tuple(derived))


def _normalize(value: Any) -> Any:
    """A context value as the evaluator compares it: ``str``, ``bytes``, a tuple of them, or None."""
    if isinstance(value, str) or value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v if isinstance(v, (str, bytes)) else _normalize(v) for v in value if v is not None)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


class _Ctx:
    """A :class:`RequestContext` prepared for one evaluation (lower-cased key lookup)."""

    __slots__ = ("request", "action", "resource", "principal", "keys", "cross_account")

    def __init__(self, request: RequestContext):
        self.request = request
        self.action = request.action.lower()
        self.resource = request.resource
        self.principal = who = _principal(request.principal_arn or "", request.account_id or "")
        keys = {k.lower(): _normalize(v) for k, v in request.keys.items()}
        for k, v in who.derived:
            keys.setdefault(k, v)
        self.keys = keys
        owner = request.resource_account
        self.cross_account = bool(owner and who.account and owner != who.account)


# ---------------------------------------------------------------------------------------------------
# 2. "IAM JSON policy element reference"
# ---------------------------------------------------------------------------------------------------


class PolicyError(ValueError):
    """A policy document IAM would refuse: the message says what is wrong and where.

    Like IAM's ``MalformedPolicyDocument`` error, but naming the policy, the statement (``Statement[i]``
    and its ``Sid``) and the element, e.g.
    ``MalformedPolicyDocument: policy 'cognito-auth', Statement[1] (Sid 'OwnPrefix'), Condition:
    unknown condition operator 'StringEqual' (did you mean 'StringEquals'?)``.
    """

    def __init__(self, message: str, *, policy: str = "", statement: int | None = None, sid: str | None = None, element: str = ""):
        where = []
        if policy:
            where.append(f"policy {policy!r}")
        if statement is not None:
            where.append(f"Statement[{statement}]" + (f" (Sid {sid!r})" if sid else ""))
        if element:
            where.append(element)
        super().__init__("MalformedPolicyDocument: " + (", ".join(where) + ": " if where else "") + message)
        self.policy, self.statement, self.sid, self.element = policy, statement, sid, element


_VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
_PRINCIPAL_TYPES = {"AWS", "Federated", "Service", "CanonicalUser"}


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _glob_source(text: str, *, arn: bool = False) -> str:
    """Regex source for an IAM wildcard string: ``*`` any run of characters, ``?`` any one character.

    With ``arn=True`` the wildcards of the first five ARN components do not cross a ``:`` -- "Each of
    the six colon-delimited components of the ARN is checked separately" (*Condition operators, ARN*),
    so a pattern with fewer than six components matches only values with as few (``"*"`` alone
    matches anything).
    """
    if not arn:
        return re.escape(text).replace(r"\*", ".*").replace(r"\?", ".")
    if text == "*":
        return ".*"
    pieces = text.split(":", 5)
    out = []
    for i, piece in enumerate(pieces):
        if i == 5:
            out.append(_glob_source(piece))
        else:
            out.append(re.escape(piece).replace(r"\*", "[^:]*").replace(r"\?", "[^:]"))
    return ":".join(out)


@functools.lru_cache(maxsize=8192)
def _compile(source: str) -> re.Pattern:
    return re.compile(source, re.DOTALL)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


class _Where:
    """Where in a document a value comes from, to raise a :class:`PolicyError` that says so."""

    __slots__ = ("policy", "index", "sid")

    def __init__(self, policy: str, index: int | None = None, sid: str | None = None):
        self.policy, self.index, self.sid = policy, index, sid

    def error(self, message: str, element: str = "") -> PolicyError:
        return PolicyError(message, policy=self.policy, statement=self.index, sid=self.sid, element=element)


def _strings(value: Any, where: _Where, element: str, *, allow_scalars: bool = False) -> list[str]:
    """An element that is a string or a list of strings (the policy grammar's ``<value_list>``)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise where.error("must not be an empty list", element)
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif allow_scalars and isinstance(item, bool):
            out.append("true" if item else "false")
        elif allow_scalars and isinstance(item, (int, float)):
            out.append(str(item))
        else:
            raise where.error(f"expected a string or a list of strings, got {json.dumps(item)}", element)
    return out


# --- 3. "IAM policy elements: Variables and tags" ---------------------------------------------------

_VARIABLE = re.compile(
    r"""\$\{(?:(?P<special>[*?$])|\s*(?P<key>[^\s,}']+)\s*(?:,\s*'(?P<default>(?:[^']|'')*)'\s*)?)\}"""
)


@dataclass(frozen=True)
class _Var:
    """``${key}`` or ``${key, 'default'}`` in a Resource or Condition value."""

    text: str  # as written, for explanations
    key: str  # lower-cased
    default: str | None


def _template(text: str, version: str) -> tuple | None:
    """Split ``text`` into literal pieces (``str``, wildcards active), ``_Var``s and escaped characters.

    Returns ``None`` when there is nothing to substitute. "Variables were introduced in version
    2012-10-17 ... If you don't include the Version element ..., variables like ${aws:username} are
    treated as literal strings in the policy" (*Variables and tags, Using variables in policies*), and
    the same holds for ``Version: 2008-10-17`` (*Version*).

    ``${*}``, ``${?}`` and ``${$}`` stand for a literal ``*``, ``?`` and ``$`` (*Special characters*),
    represented here as a one-element tuple so that they are not taken as wildcards.

    AWS allows a variable in a Resource only after the ARN's fifth colon (*Where you can use policy
    variables*); labkit substitutes it wherever it is, and does not reject the policy.
    """
    if version != "2012-10-17" or "${" not in text:
        return None
    parts: list = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        if m.group("special"):
            parts.append((m.group("special"),))
        else:
            default = m.group("default")
            parts.append(_Var(m.group(0), m.group("key").lower(), default.replace("''", "'") if default is not None else None))
        pos = m.end()
    if not parts:
        return None  # a "${" that is no variable is literal text
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _substitute(parts: tuple, ctx: _Ctx, seen: dict | None, *, glob: bool, arn: bool = False) -> tuple[str, str] | None:
    """Fill a template from the request context: ``(display text, regex source or plain text)``.

    A substituted value is literal text (its own ``*`` or ``?`` are not wildcards). "When policy
    variables reference a condition context key that has no value or is not present in an
    authorization context for a request, the value is effectively null. There is no equal or like
    value" (*Policy variables with no value*): the whole value then becomes ``None``, which matches
    nothing -- unless the variable has a default ("To add a default value to a variable, surround the
    default value with single quotes ... and separate the variable text and the default value with a
    comma and space" -- *Specifying default values*). "You can't use a multivalued condition key as a
    variable" (*Using variables in policies*): a list with more than one value counts as no value.
    """
    display: list[str] = []
    chunks: list[tuple[str, bool]] = []  # (text, wildcards active?) -- substituted text is literal
    null = False
    for part in parts:
        if isinstance(part, str):
            display.append(part)
            chunks.append((part, True))
            continue
        if isinstance(part, tuple):  # ${*} ${?} ${$}
            value = part[0]
        else:
            value = ctx.keys.get(part.key)
            if isinstance(value, tuple):
                value = value[0] if len(value) == 1 and isinstance(value[0], str) else None
            elif not isinstance(value, str):
                value = None
            if value is None:
                value = part.default
            if seen is not None:
                seen[part.text] = value
            if value is None:
                null = True
                continue
        display.append(value)
        chunks.append((value, False))
    if null:
        return None
    text = "".join(display)
    if not glob:
        return text, text
    pattern: list[str] = []
    if not arn:
        for chunk, wild in chunks:
            pattern.append(_glob_source(chunk) if wild else re.escape(chunk))
        return text, "".join(pattern)
    # ARN operators: a wildcard in the first five components stops at ':'.
    component = 0
    for chunk, wild in chunks:
        if not wild:
            pattern.append(re.escape(chunk))
            component += chunk.count(":")
            continue
        for ch in chunk:
            if ch == ":":
                component += 1
                pattern.append(":")
            elif ch == "*":
                pattern.append(".*" if component >= 5 else "[^:]*")
            elif ch == "?":
                pattern.append("." if component >= 5 else "[^:]")
            else:
                pattern.append(re.escape(ch))
    return text, "".join(pattern)


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


# --- 4. "IAM JSON policy elements: Condition operators" -------------------------------------------

# operator -> (family, negated, comparison)
_OPERATORS: dict[str, tuple[str, bool, str]] = {
    "StringEquals": ("string", False, ""),
    "StringNotEquals": ("string", True, ""),
    "StringEqualsIgnoreCase": ("string-ic", False, ""),
    "StringNotEqualsIgnoreCase": ("string-ic", True, ""),
    "StringLike": ("like", False, ""),
    "StringNotLike": ("like", True, ""),
    "NumericEquals": ("numeric", False, "=="),
    "NumericNotEquals": ("numeric", True, "=="),
    "NumericLessThan": ("numeric", False, "<"),
    "NumericLessThanEquals": ("numeric", False, "<="),
    "NumericGreaterThan": ("numeric", False, ">"),
    "NumericGreaterThanEquals": ("numeric", False, ">="),
    "DateEquals": ("date", False, "=="),
    "DateNotEquals": ("date", True, "=="),
    "DateLessThan": ("date", False, "<"),
    "DateLessThanEquals": ("date", False, "<="),
    "DateGreaterThan": ("date", False, ">"),
    "DateGreaterThanEquals": ("date", False, ">="),
    "Bool": ("bool", False, ""),
    "BinaryEquals": ("binary", False, ""),
    "IpAddress": ("ip", False, ""),
    "NotIpAddress": ("ip", True, ""),
    "ArnEquals": ("arn", False, ""),
    "ArnLike": ("arn", False, ""),
    "ArnNotEquals": ("arn", True, ""),
    "ArnNotLike": ("arn", True, ""),
    "Null": ("null", False, ""),
}
_OPERATORS_CI = {k.lower(): k for k in _OPERATORS}
# "You can use a policy variable for Condition values in any condition that involves the string
# operators or the ARN operators" (*Variables and tags, Condition element*); *Condition operators*
# also lists Bool as accepting variables. Numeric, Date, Binary, IP address and Null do not.
_VARIABLE_FAMILIES = frozenset({"string", "string-ic", "like", "arn", "bool"})
_COMPARE = {
    "==": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_EPOCH = re.compile(r"^-?\d+(?:\.\d+)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@functools.lru_cache(maxsize=4096)
def _parse_date(text: str) -> float | None:
    """Seconds since the epoch for a W3C ISO 8601 date/time or an epoch number, else None.

    "You must specify date/time values with one of the W3C implementations of the ISO 8601 date
    formats or in epoch (UNIX) time" (*Condition operators, Date*). A value without a time zone is UTC;
    a bare number is epoch seconds (write a year alone as ``2024-01-01``).
    """
    t = text.strip()
    if _EPOCH.match(t):
        return float(t)
    m = _YEAR_MONTH.match(t)
    if m:
        try:
            return _dt.datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=_dt.timezone.utc).timestamp()
        except ValueError:
            return None
    if t[-1:] in ("Z", "z"):
        t = t[:-1] + "+00:00"
    try:
        d = _dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return d.timestamp()


@functools.lru_cache(maxsize=4096)
def _parse_number(text: str) -> float | None:
    try:
        n = float(text.strip())
    except ValueError:
        return None
    return n if math.isfinite(n) else None


@functools.lru_cache(maxsize=4096)
def _parse_ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class _Unparseable(Exception):
    """A context value that the operator's family cannot read (e.g. ``"abc"`` for NumericEquals)."""


class _Condition:
    """One ``"Operator": {"key": values}`` pair of a ``Condition`` block, compiled."""

    __slots__ = ("operator", "family", "negated", "compare", "if_exists", "qualifier", "key", "key_lower", "written", "static", "templates")

    def __init__(self, operator: str, key: str, raw: Any, where: _Where, version: str):
        element = f"Condition.{operator}.{key}"
        name = operator
        qualifier = ""
        if ":" in name:
            prefix, name = name.split(":", 1)
            qualifier = {"forallvalues": "all", "foranyvalue": "any"}.get(prefix.lower(), "")
            if not qualifier:
                raise where.error(
                    f"unknown set operator {prefix!r}{_suggest(prefix, ['ForAllValues', 'ForAnyValue'])}; use ForAllValues or ForAnyValue",
                    f"Condition.{operator}",
                )
        if_exists = False
        base = _OPERATORS_CI.get(name.lower())
        if base is None and name.lower().endswith("ifexists"):
            base = _OPERATORS_CI.get(name[: -len("IfExists")].lower())
            if_exists = base is not None
        if base is None:
            raise where.error(
                f"unknown condition operator {name!r}{_suggest(name, list(_OPERATORS) + [o + 'IfExists' for o in _OPERATORS if o != 'Null'])}",
                "Condition",
            )
        if base == "Null" and if_exists:
            raise where.error("Null cannot take IfExists (it already tests whether the key exists)", f"Condition.{operator}")
        self.operator = operator
        self.family, self.negated, cmp = _OPERATORS[base]
        self.compare = _COMPARE.get(cmp)
        self.if_exists = if_exists
        self.qualifier = qualifier
        self.key = key
        self.key_lower = key.lower()
        values = _strings(raw, where, element, allow_scalars=True)
        self.written = tuple(values)
        templates = []
        static: list = []
        for v in values:
            t = _template(v, version) if self.family in _VARIABLE_FAMILIES else None
            if t is not None:
                templates.append((v, t))
            else:
                static.append(self._prepare(v, where, element))
        self.templates = tuple(templates)
        self.static = self._pack(static)

    def _prepare(self, v: str, where: _Where | None, element: str) -> Any:
        """A policy value in the form the family compares (raises PolicyError if it cannot be read)."""
        fam = self.family
        if fam in ("string", "like"):
            return v
        if fam == "string-ic":
            return v.casefold()
        if fam == "arn":
            return v
        if fam in ("bool", "null"):
            low = v.lower()
            if low not in ("true", "false") and where is not None:
                raise where.error(f"{self.operator} value {v!r} must be true or false", element)
            return low
        if fam == "numeric":
            n = _parse_number(v)
            if n is None and where is not None:
                hint = " (policy variables cannot be used with Numeric operators)" if "${" in v else ""
                raise where.error(f"{self.operator} value {v!r} is not a number{hint}", element)
            return n
        if fam == "date":
            d = _parse_date(v)
            if d is None and where is not None:
                hint = " (policy variables cannot be used with Date operators)" if "${" in v else ""
                raise where.error(f"{self.operator} value {v!r} is not an ISO 8601 date/time or epoch seconds{hint}", element)
            return d
        if fam == "ip":
            try:
                return ipaddress.ip_network(v.strip(), strict=False)
            except ValueError:
                if where is None:
                    return None
                raise where.error(f"{self.operator} value {v!r} is not an IPv4/IPv6 address or CIDR range", element) from None
        if fam == "binary":
            try:
                return base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError):
                if where is None:
                    return None
                raise where.error(f"{self.operator} value {v!r} is not base64", element) from None
        raise AssertionError(fam)

    def _pack(self, prepared: list) -> Any:
        """Prepared values, in the fastest form to test one context value against."""
        fam = self.family
        if fam in ("string", "string-ic", "bool", "binary"):
            return frozenset(p for p in prepared if p is not None)
        if fam in ("like", "arn"):
            if not prepared:
                return None
            return _compile("|".join(f"(?:{_glob_source(p, arn=fam == 'arn')})" for p in prepared))
        return tuple(p for p in prepared if p is not None)

    def _values_for(self, ctx: _Ctx, seen: dict | None, became: list | None) -> list:
        """The static values plus the templated ones, substituted for this request."""
        if not self.templates:
            return [self.static]
        out = [self.static]
        fam = self.family
        dyn: list = []
        for written, parts in self.templates:
            glob = fam in ("like", "arn")
            sub = _substitute(parts, ctx, seen, glob=glob, arn=fam == "arn")
            if became is not None:
                became.append((written, None if sub is None else sub[0]))
            if sub is None:
                continue  # "effectively null. There is no equal or like value"
            if glob:
                dyn.append(_compile(sub[1]))
            else:
                dyn.append(self._prepare(sub[0], None, ""))
        if fam in ("like", "arn"):
            out.extend(dyn)
        else:
            out.append(frozenset(dyn))
        return out

    def _hit(self, c: Any, packs: list) -> bool:
        """Does one context value match any policy value (the un-negated test)?"""
        fam = self.family
        if fam == "string":
            if not isinstance(c, str):
                raise _Unparseable("not a string")
            return any(c in p for p in packs)
        if fam == "string-ic":
            if not isinstance(c, str):
                raise _Unparseable("not a string")
            c = c.casefold()
            return any(c in p for p in packs)
        if fam in ("like", "arn"):
            if not isinstance(c, str):
                raise _Unparseable("not a string")
            return any(p is not None and p.fullmatch(c) is not None for p in packs)
        if fam == "bool":
            if not isinstance(c, str):
                raise _Unparseable("not true/false")
            c = c.lower()
            return any(c in p for p in packs)
        if fam == "numeric":
            n = _parse_number(c) if isinstance(c, str) else None
            if n is None:
                raise _Unparseable("not a number")
            return any(self.compare(n, v) for v in packs[0])
        if fam == "date":
            d = _parse_date(c) if isinstance(c, str) else None
            if d is None:
                raise _Unparseable("not an ISO 8601 date/time or epoch seconds")
            return any(self.compare(d, v) for v in packs[0])
        if fam == "ip":
            a = _parse_ip(c) if isinstance(c, str) else None
            if a is None:
                raise _Unparseable("not an IP address")
            # compare only like with like: ipaddress answers wrongly for an IPv4 address in an IPv6 net
            return any(a.version == n.version and a in n for n in packs[0])
        if fam == "binary":
            if isinstance(c, str):
                try:
                    c = base64.b64decode(c, validate=True)
                except (binascii.Error, ValueError):
                    raise _Unparseable("not base64") from None
            if not isinstance(c, bytes):
                raise _Unparseable("not binary")
            return any(c in p for p in packs)
        raise AssertionError(fam)

    def evaluate(self, ctx: _Ctx, seen: dict | None, notes: list | None) -> bool:
        """True when this operator/key pair holds for the request.

        * Missing key: "If the key that you specify in a policy condition is not present in the request
          context, the values do not match and the condition is false. If the policy condition
          requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right key
          is not present, the condition is true. This logic applies to all condition operators except
          ...IfExists and Null check" (*Condition operators*, Important). With ``...IfExists`` a missing
          key makes the condition true ("If the key is not present, evaluate the condition element as
          true" -- *...IfExists condition operators*), negated or not.
        * ``Null``: ``true`` -- the key is absent; ``false`` -- it is present (*Condition operator to
          check existence of condition keys*). An empty list counts as absent.
        * Several values for one key are ORed; for a negated operator the key must match none of them
          ("the effective permissions work like a logical AND" -- *Creating a condition with multiple
          keys or values*).
        * ``ForAllValues``: true when every request value matches at least one policy value, "also ...
          true if there are no keys in the request, or if the key values resolve to a null data set,
          such as an empty string". ``ForAnyValue``: true when at least one request value matches;
          "For no matching key or a null dataset, the condition returns false" (*ibid.*). With a
          negated operator the per-value test is negated (``ForAllValues:StringNotEquals``: no request
          value is in the list).
        * A multivalued key used without a set operator is tested like ``ForAnyValue`` (any request
          value matching any policy value), and the negated operators negate that; AWS advises against
          this form, so labkit only promises it is deterministic.
        * A context value the family cannot read (``"abc"`` for a Numeric operator) makes the condition
          false, negated operator or not.
        """
        raw = ctx.keys.get(self.key_lower)
        if self.family == "null":
            absent = raw is None or raw == ()
            ok = any((v == "true") == absent for v in self.static)
            if not ok and notes is not None:
                notes.append(("null", raw))
            return ok
        became: list | None = [] if notes is not None else None
        if self.qualifier:
            values = () if raw is None else (raw if isinstance(raw, tuple) else (raw,))
            values = tuple(v for v in values if v != "")
            if not values:
                ok = self.if_exists or self.qualifier == "all"
                if not ok and notes is not None:
                    notes.append(("missing", raw, became))
                return ok
        elif raw is None or raw == ():
            ok = self.if_exists or self.negated
            if not ok and notes is not None:
                notes.append(("missing", raw, became))
            return ok
        else:
            values = raw if isinstance(raw, tuple) else (raw,)
        packs = self._values_for(ctx, seen, became)
        try:
            if self.qualifier == "all":
                ok = all(self._hit(c, packs) != self.negated for c in values)
            elif self.qualifier == "any":
                ok = any(self._hit(c, packs) != self.negated for c in values)
            else:
                ok = any(self._hit(c, packs) for c in values) != self.negated
        except _Unparseable as exc:
            if notes is not None:
                notes.append(("unparseable", raw, became, str(exc)))
            return False
        if not ok and notes is not None:
            notes.append(("mismatch", raw, became))
        return ok


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


# ---------------------------------------------------------------------------------------------------
# 5. "Determining whether a request is allowed or denied within an account"
# ---------------------------------------------------------------------------------------------------

# "IAM role trust policies and KMS key policies are exceptions to this logic, because they must
# explicitly allow access for principals" (*Determining whether a request is allowed or denied*).
_TRUST_ACTIONS = frozenset({
    "sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml", "sts:tagsession", "sts:setsourceidentity",
})
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
