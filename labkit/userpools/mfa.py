"""Multi-factor authentication with an authenticator app (TOTP, RFC 6238) or SMS.

Developer guide, "Adding MFA to a user pool": AssociateSoftwareToken gives the user a base32 secret
for the app; VerifySoftwareToken proves the app is set up; SetUserMFAPreference turns it on. At
sign-in Cognito asks for the app's current code (SOFTWARE_TOKEN_MFA challenge) or texts a code
(SMS_MFA challenge, only to a verified phone number).
"""

from __future__ import annotations

import base64

import pyotp


def new_secret(random) -> str:
    """A 32-character base32 secret (160 bits), the shape AssociateSoftwareToken returns."""
    return base64.b32encode(random.randbytes(20)).decode().rstrip("=")


def totp_is_valid(secret: str, code: str, now: float) -> bool:
    """The code of this 30-second step, or the one before or after it (valid_window=1)."""
    if not secret or not code or not str(code).isdigit():
        return False
    return pyotp.TOTP(secret).verify(str(code), for_time=now, valid_window=1)


def pool_allows(pool) -> bool:
    return (pool.mfa_config or "OFF") in ("ON", "OPTIONAL")
