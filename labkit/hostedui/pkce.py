"""Proof Key for Code Exchange (RFC 7636) as Amazon Cognito's authorization server applies it.

* RFC 7636 §4.2: ``code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`` for ``S256``.
* RFC 7636 §4.6: the server recomputes the challenge from the ``code_verifier`` of the token request and
  compares it with the one it kept with the code.
* Amazon Cognito Developer Guide, "The redirect and authorization endpoint", ``code_challenge_method``:
  the RFC defines ``S256`` and ``plain``; Amazon Cognito supports only ``S256``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

#: The methods Cognito accepts (``plain`` is refused with ``invalid_request``).
METHODS = ("S256",)
#: RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def s256(code_verifier: str) -> str:
    """RFC 7636 §4.2, S256: the code challenge of ``code_verifier``."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(code_verifier: str, code_challenge: str, method: str = "S256") -> bool:
    """RFC 7636 §4.6: does ``code_verifier`` answer ``code_challenge``?"""
    if not isinstance(code_verifier, str) or not VERIFIER.match(code_verifier):
        return False
    if method != "S256":
        return False
    return hmac.compare_digest(s256(code_verifier), code_challenge or "")
