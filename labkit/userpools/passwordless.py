"""Signing up without a password, where AWS allows it.

Developer guide, "Signing up and confirming user accounts", *Passwords at sign-up*: "Amazon Cognito requires
passwords from all users when they sign up, except under the following conditions. If all of these
conditions are met, you can omit passwords in sign-up operations": passwordless sign-in is active in the user
pool and the app client (``SignInPolicy.AllowedFirstAuthFactors`` has EMAIL_OTP or SMS_OTP, the client allows
``ALLOW_USER_AUTH``), the app signs up through the API (managed login always asks for a password), and the
user gives the attribute the passwordless factor sends its code to (``email`` for EMAIL_OTP,
``phone_number`` for SMS_OTP). API reference, SignUp ``Password``: "To create a user with no password, omit
this parameter or submit a blank value. You can only create a passwordless user when passwordless sign-in is
available."

Where a password is required and none is given, Cognito answers as it does for a password that does not meet
the policy (InvalidPasswordException, ``passwords.check``): labkit's reconstruction, AWS publishes no other text.
"""

from __future__ import annotations

from . import clients, plans

#: The passwordless first factors and the attribute each one's code goes to.
FACTOR_ATTRIBUTE = {"EMAIL_OTP": "email", "SMS_OTP": "phone_number"}


def may_sign_up_without_password(pool, client, attributes: dict) -> bool:
    """True when a SignUp without Password is allowed for this pool, app client and these attributes."""
    from .signin import allowed_first_factors

    if not plans.has(plans.tier_of(pool), "passwordless sign-in"):
        return False
    if "ALLOW_USER_AUTH" not in clients.flows(client):
        return False
    factors = allowed_first_factors(pool)
    return any(attributes.get(attr) for factor, attr in FACTOR_ATTRIBUTE.items() if factor in factors)
