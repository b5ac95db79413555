"""The user's authenticator app (Google Authenticator, Authy, 1Password...), as labkit plays it.

A lesson on TOTP MFA needs a phone that shows codes. ``pyotp.TOTP(secret).now()`` follows the wall
clock, so after ``sb.advance(...)`` its codes are from the wrong time and Cognito (rightly) refuses
them. This app reads the sandbox's clock instead::

    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    phone = sb.authenticator_app(secret)      # Alice scans the QR code
    idp.verify_software_token(AccessToken=access, UserCode=phone.code())

Each code works once (RFC 6238, section 5.2; the sandbox refuses a replay as Cognito does), so a second
sign-in needs the next code: :meth:`next_code` waits for it on the sandbox's clock, as a person waits
for the app to show a new one. The codes are RFC 6238's (HMAC-SHA1, 6 digits, 30-second steps), made
by pyotp.
"""

from __future__ import annotations

import pyotp

STEP = 30


class AuthenticatorApp:
    """An authenticator app holding one secret, showing the code of the sandbox's current time."""

    def __init__(self, secret: str, clock):
        if not isinstance(secret, str) or not secret:
            raise ValueError("An authenticator app needs the SecretCode that AssociateSoftwareToken returned.")
        try:
            self._totp = pyotp.TOTP(secret)
            self._totp.at(0)
        except Exception:
            raise ValueError("That is not a base32 secret such as AssociateSoftwareToken returns.") from None
        self._clock = clock

    def code(self) -> str:
        """The 6-digit code the app shows now (on the sandbox's clock)."""
        return self._totp.at(self._clock.time())

    def seconds_left(self) -> int:
        """How long the current code stays on screen."""
        return STEP - int(self._clock.time()) % STEP

    def next_code(self) -> str:
        """Wait for the app's next code (the sandbox's clock moves to the next 30-second step) and return
        it: what a user does when a code was just used."""
        self._clock.advance(self.seconds_left())
        return self.code()

    def uri(self, account: str, issuer: str = "cognito-lab") -> str:
        """The ``otpauth://`` URI a QR code carries (Key URI Format of Google Authenticator)."""
        return self._totp.provisioning_uri(name=account, issuer_name=issuer)

    def __repr__(self):
        return f"<AuthenticatorApp showing {self.code()} for {self.seconds_left()} s>"
