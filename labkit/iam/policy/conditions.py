"""The ``Condition`` element: condition operators, ``...IfExists``, ``Null``, and multivalued keys.

Follows *IAM JSON policy elements: Condition operators* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and *Creating a condition with multiple keys or values*
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import functools
import ipaddress
import math
import re
from typing import Any

from .context import _Ctx
from .grammar import _compile, _glob_source, _strings, _suggest, _Where
from .variables import _substitute, _template

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


