"""Whose access key is it? The secrets the sandbox's account knows, as AWS knows its own.

"Every request ... must be signed ... with an access key ID and a secret access key" and "temporary
security credentials ... consist of an access key ID, a secret access key, and a security token"
(*AWS security credentials*, IAM/latest/UserGuide/security-creds.html; *Temporary security credentials
in IAM*, IAM/latest/UserGuide/id_credentials_temp.html). The keys known here:

* the sandbox's administrator key pair (``sb.admin_credentials``), long-term, no token;
* temporary credentials the sandbox issued (``sb.issued``: identity pools, labkit's STS), and those
  moto's own STS issued (operations labkit does not implement itself);
* long-term access keys of IAM users (``iam.create_access_key``), kept by moto's IAM.

Any other key id is unknown, as on AWS.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownKey:
    access_key: str
    secret_key: str
    token: str | None = None  # the session token that belongs to a temporary key
    expiration: float | None = None  # epoch seconds on the sandbox's clock
    active: bool = True  # an IAM user's key may be made Inactive
    kind: str = "admin"  # "admin" | "issued" | "moto-sts" | "iam-user"


def admin(sandbox) -> KnownKey:
    from ..sandbox import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY

    return KnownKey(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY)


def find(sandbox, access_key: str | None) -> KnownKey | None:
    """The key ``access_key`` names in this sandbox's account, or ``None``."""
    if not access_key:
        return None
    known = admin(sandbox)
    if access_key == known.access_key:
        return known
    issued = sandbox.issued.get(access_key) if sandbox.issued is not None else None
    if issued is not None:
        return KnownKey(issued.access_key_id, issued.secret_access_key, issued.session_token, issued.expiration, kind="issued")
    return _moto_sts(sandbox, access_key) or _iam_user(sandbox, access_key)


def _moto_sts(sandbox, access_key: str) -> KnownKey | None:
    from .. import moto_adapter

    for backend in moto_adapter.loaded_backends("sts", sandbox.account_id):
        for role in backend.assumed_roles:
            if role.access_key_id == access_key:
                expiration = role.expiration
                if expiration.tzinfo is None:
                    expiration = expiration.replace(tzinfo=_dt.timezone.utc)
                return KnownKey(access_key, role.secret_access_key, role.session_token, expiration.timestamp(), kind="moto-sts")
    return None


def _iam_user(sandbox, access_key: str) -> KnownKey | None:
    from .. import moto_adapter

    try:
        backend = moto_adapter.backend("iam", sandbox.account_id, moto_adapter.GLOBAL)
    except KeyError:
        return None
    key = backend.access_keys.get(access_key)
    if key is None:
        return None
    return KnownKey(access_key, key.secret_access_key, active=key.status == "Active", kind="iam-user")
