"""The grammar of an IAM policy document: top-level and statement elements, value lists, wildcards.

Follows *Grammar of the IAM JSON policy language* (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html): ``<value_list>``
(a string or a list of strings), the element names a policy and a statement may have, and the
``*``/``?`` wildcards of *IAM JSON policy element reference* (reference_policies_elements.html).
The elements themselves are compiled in :mod:`.elements`.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from typing import Any, Iterable

from ..exceptions import PolicyError

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

