"""Policy variables: ``${aws:username}``, ``${key, 'default'}``, ``${*}``.

Follows *IAM policy elements: Variables and tags* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html) and, for which
policy language substitutes them at all, *IAM JSON policy elements: Version*
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import _Ctx
from .grammar import _glob_source

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

