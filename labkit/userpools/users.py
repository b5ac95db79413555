"""What a user pool keeps about a user beyond moto's record: password verifier, codes, MFA secret.

moto's ``CognitoIdpUser`` is the storage of a user (username, sub, attributes, status, groups);
labkit hangs a :class:`UserSecrets` on it. moto's plain-text ``password`` field is emptied: the pool
keeps an SRP verifier instead (users put straight into moto's storage are converted on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import moto_adapter
from ..moto_adapter import flatten_attrs

from .codes import CodeBook
from .passwords import Verifier

_ATTR = "secrets"  # labkit's attribute on moto's user (moto_adapter.extra)


@dataclass
class UserSecrets:
    verifier: Verifier | None = None
    temporary_expires: float | None = None  # a temporary password (AdminCreateUser) stops working then
    codes: CodeBook = field(default_factory=CodeBook.empty)
    totp_secret: str | None = None  # verified authenticator-app secret
    totp_pending: str | None = None  # associated, not yet verified
    totp_last_step: int | None = None  # the 30-second step of the last code accepted (each code works once)
    wrong_passwords: int = 0
    last_wrong_password: float = 0.0
    code_sent_to: dict = field(default_factory=dict)  # purpose -> attribute name the code went to


def secrets(pool, user, random) -> UserSecrets:
    s = moto_adapter.extra(user, _ATTR)
    if s is None:
        s = UserSecrets()
        moto_adapter.set_extra(user, _ATTR, s)
        if user.password:  # made directly in moto's storage: keep a verifier, forget the password
            s.verifier = Verifier.make(pool.id, user.username, user.password, random)
            user.password = None
    return s


def set_password(pool, user, password: str, random, *, temporary_for: float | None = None, now: float = 0.0) -> None:
    s = secrets(pool, user, random)
    s.verifier = Verifier.make(pool.id, user.username, password, random)
    s.temporary_expires = (now + temporary_for) if temporary_for else None
    s.wrong_passwords = 0
    user.password = None


def attribute(user, name: str) -> str | None:
    return user.attribute_lookup.get(name)


def verified(user, name: str) -> bool:
    return str(attribute(user, f"{name}_verified") or "").lower() == "true"


def find(pool, name: str | None):
    """A user by username, by a UsernameAttributes/AliasAttributes value, or by sub (USER_ID_FOR_SRP).

    Lookups by email, phone or sub go through an index kept on the pool; each hit is re-checked
    against the user's current attributes, and a miss rebuilds the index (one scan).
    """
    if not name:
        return None
    user = pool.users.get(name)
    if user is not None:
        return user
    count, index = moto_adapter.extra(pool, _INDEX) or (-1, None)
    if index is not None:
        hit = pool.users.get(index.get(name, ""))
        if hit is not None and _answers_to(pool, hit, name):
            return hit
        if hit is None and count == len(pool.users):
            return None  # nobody joined or changed a sign-in attribute since the index was built
    index = {}
    found = None
    for u in pool.users.values():
        for key in _names_of(pool, u):
            index.setdefault(key, u.username)
            if key == name and found is None:
                found = u
    moto_adapter.set_extra(pool, _INDEX, (len(pool.users), index))
    return found


def changed(pool) -> None:
    """A user's sign-in attributes changed (email, phone, their verification): rebuild the index."""
    moto_adapter.drop_extra(pool, _INDEX)


_INDEX = "alias_index"  # labkit's attribute on moto's pool


def _names_of(pool, user):
    """The names other than its username a user signs in with: sub, UsernameAttributes, verified aliases."""
    cfg = pool.extended_config
    lookup = user.attribute_lookup or flatten_attrs(user.attributes)
    yield user.id
    for a in cfg.get("UsernameAttributes") or []:
        if lookup.get(a):
            yield lookup[a]
    for a in cfg.get("AliasAttributes") or []:
        if lookup.get(a) and (a == "preferred_username" or str(lookup.get(f"{a}_verified", "")).lower() == "true"):
            yield lookup[a]


def _answers_to(pool, user, name: str) -> bool:
    return any(key == name for key in _names_of(pool, user))
