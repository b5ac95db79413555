"""Password policy and password storage of a user pool.

Policy: the pool's ``Policies.PasswordPolicy`` (API reference, PasswordPolicyType), checked on every
path that sets a password. Storage: an SRP verifier (salt, v), never the password (see :mod:`.srp`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import srp
from .exceptions import InvalidPassword

# "Password requirements" in the Cognito developer guide: the characters that count as symbols.
SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")

DEFAULT_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}


def policy_of(pool) -> dict:
    policy = dict(DEFAULT_POLICY)
    policy.update(((pool.extended_config.get("Policies") or {}).get("PasswordPolicy")) or {})
    return policy


def problem(policy: dict, password: str) -> str | None:
    """The first rule ``password`` breaks, in Cognito's words, or None."""
    if len(password) < int(policy.get("MinimumLength", 8)):
        return "Password not long enough"
    if policy.get("RequireLowercase") and not re.search(r"[a-z]", password):
        return "Password must have lowercase characters"
    if policy.get("RequireUppercase") and not re.search(r"[A-Z]", password):
        return "Password must have uppercase characters"
    if policy.get("RequireNumbers") and not re.search(r"[0-9]", password):
        return "Password must have numeric characters"
    if policy.get("RequireSymbols") and not any(c in SYMBOLS for c in password):
        return "Password must have symbol characters"
    return None


def check(pool, password: str, *, admin: bool = False) -> None:
    """Raise InvalidPasswordException as Cognito words it (AdminCreateUser says "password policy")."""
    if not isinstance(password, str):
        raise InvalidPassword("Password did not conform with policy: Password not long enough")
    why = problem(policy_of(pool), password)
    if why:
        word = "password policy" if admin else "policy"
        raise InvalidPassword(f"Password did not conform with {word}: {why}")


def temporary_password(pool, random) -> str:
    """A temporary password that satisfies the pool's policy (AdminCreateUser without one)."""
    policy = policy_of(pool)
    length = max(int(policy.get("MinimumLength", 8)), 12)
    pools = ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "^$*.!@#%&"]
    chars = [random.choice(p) for p in pools]
    alphabet = "".join(pools)
    chars += [random.choice(alphabet) for _ in range(length - len(chars))]
    random.shuffle(chars)
    return "".join(chars)


@dataclass
class Verifier:
    """What the pool keeps of a password: SRP salt and v = g^x mod N, for the user id it was made with."""

    user_id: str
    salt_hex: str
    v: int

    @classmethod
    def make(cls, pool_id: str, user_id: str, password: str, random) -> "Verifier":
        salt_hex = random.getrandbits(128).to_bytes(16, "big").hex()
        return cls(user_id, salt_hex, srp.make_verifier(pool_id, user_id, password, salt_hex))

    def matches(self, pool_id: str, password: str) -> bool:
        return srp.make_verifier(pool_id, self.user_id, password, self.salt_hex) == self.v
