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


STEP = 30  # seconds per code (RFC 6238's default, what authenticator apps and Cognito use)


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code ``code`` is: this 30-second step, or the one before or after it (the
    tolerance Cognito documents for clock drift); None for a wrong code."""
    if not secret or not code or not str(code).isdigit():
        return None
    totp, step = pyotp.TOTP(secret), int(now // STEP)
    for candidate in (step, step - 1, step + 1):
        if totp.verify(str(code), for_time=candidate * STEP, valid_window=0):
            return candidate
    return None


def totp_is_valid(secret: str, code: str, now: float) -> bool:
    return totp_step(secret, code, now) is not None


def accept_totp(secrets, secret: str, code: str, now: float) -> bool:
    """Accept ``code`` once: RFC 6238 section 5.2, "the verifier MUST NOT accept the second attempt of the
    same OTP after the successful validation has been issued for the first OTP". A code of a step no later
    than the last one accepted for this user (VerifySoftwareToken or a sign-in) is refused like a wrong code
    (AWS documents no separate message for a replay, so none is invented)."""
    step = totp_step(secret, code, now)
    if step is None or (secrets.totp_last_step is not None and step <= secrets.totp_last_step):
        return False
    secrets.totp_last_step = step
    return True


def pool_allows(pool) -> bool:
    return (pool.mfa_config or "OFF") in ("ON", "OPTIONAL")
