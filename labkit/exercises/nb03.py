"""Exercises of notebook 03 · Modern sign-in: the plan that has passkeys, an email-code sign-in, a passkey sign-in.

AWS: "User pool feature plans", "Authentication with choice-based sign-in", "Passwordless sign-in" and
"Passkey sign-in" (Cognito Developer Guide).
"""

from __future__ import annotations

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "03-modern-sign-in"
FACTORS = ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _modern_pool(run, name: str, *, users=("alice",), region: str | None = None):
    """A pool (Essentials) that allows passwords, email codes and passkeys, with a domain (its RP ID) and a
    USER_AUTH app client. Returns ``(pool_id, client_id, rp_id)``."""
    pool_id, client_id = fx.user_pool(run, name, users=users, flows=("ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
                                      region=region, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": FACTORS}})
    idp = fx.client(run, "cognito-idp", region)
    prefix = run.name(f"{name}-d").lower()
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=pool_id)
    return pool_id, client_id, f"{prefix}.auth.{fx.region_of(pool_id)}.amazoncognito.com"


def _tokens_of(run, result, username: str, what: str, region: str | None = None) -> bool:
    """Whether ``result`` is an AuthenticationResult whose access token Cognito accepts for ``username``."""
    if not isinstance(result, dict) or "AccessToken" not in result:
        hint = ""
        if isinstance(result, dict) and "ChallengeName" in result:
            hint = (f" It looks like a step of the sign-in (ChallengeName {result['ChallengeName']!r}): answer it with "
                    "respond_to_auth_challenge and return that call's AuthenticationResult.")
        run.stop(f"For {what} your function returned {_show(result)}, not the tokens.",
                 "Return the AuthenticationResult (a dict with AccessToken, IdToken, RefreshToken)." + hint)
    from botocore.exceptions import ClientError

    try:
        who = fx.client(run, "cognito-idp", region).get_user(AccessToken=result["AccessToken"])["Username"]
    except ClientError as err:
        run.stop(f"For {what} the access token you returned is refused by Cognito ({err.response['Error']['Code']}).")
    return run.expect(who == username, f"For {what} the tokens you returned belong to {who!r}, not {username!r}.",
                      "Sign in the user you were given (the username argument).",
                      passed_text=f"{what[0].upper()}{what[1:]}: signed in, and Cognito accepts the access token.")


# ---------------------------------------------------------------------------------------------- 03.1
def _check_plan(tier, run):
    from botocore.exceptions import ClientError

    if not isinstance(tier, str):
        run.stop(f"Your answer is a {type(tier).__name__}; write the plan's name as a string, as UserPoolTier takes it.")
    idp = fx.client(run, "cognito-idp")
    name = tier.strip()

    def create(plan):
        return idp.create_user_pool(PoolName=run.name("ex0301-pool"), UserPoolTier=plan,
                                    Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})

    try:
        create(name)
    except ClientError as err:
        code = err.response["Error"]["Code"]
        if code == "FeatureUnavailableInTierException":
            run.stop(f"A pool on the {name} plan cannot allow passkeys: CreateUserPool answered {code}.",
                     "Look at the plan table in Step 1: passkeys are not a feature of every plan.")
        run.stop(f"CreateUserPool refused UserPoolTier={name!r} ({code}).",
                 "Write the plan exactly as the API spells it (the values of UserPoolTier, in capitals).")
    run.passed(f"A pool on the {name} plan allows WEB_AUTHN as a first factor.")
    tiers = ["LITE", "ESSENTIALS", "PLUS"]
    cheaper = tiers[:tiers.index(name)] if name in tiers else []
    for plan in cheaper:
        try:
            create(plan)
        except ClientError:
            continue
        run.stop(f"The {name} plan has passkeys, but so does a cheaper plan.",
                 "The question asks for the lowest plan that has them: try the plans below yours.")
    run.passed(f"No cheaper plan than {name} has passkeys: it is the lowest one.")


# ---------------------------------------------------------------------------------------------- 03.2
def _check_email_code(sign_in_with_email_code, run):
    if not callable(sign_in_with_email_code):
        run.stop(f"sign_in_with_email_code is a {type(sign_in_with_email_code).__name__}, not a function.",
                 "Define it with def sign_in_with_email_code(client_id, username, email): ...")
    pool_id, client_id, _ = _modern_pool(run, "ex0302-pool", users=())
    first, second = run.name("dora"), run.name("eve")
    fx.add_user(run, pool_id, first)
    fx.add_user(run, pool_id, second)
    # Two users, then the first one again: a code kept from an earlier call is no longer valid.
    for username, what in ((first, f"a new user ({first})"), (second, f"another user ({second})"),
                           (first, f"{first} a second time")):
        email = f"{username}@example.com"
        inbox = run.sb.inbox(email)
        before = len(inbox)
        result = run.call(sign_in_with_email_code, client_id, username, email, doing=f"signing in {what}")
        if len(inbox) == before:
            run.stop(f"For {what} no sign-in code was sent to {email}.",
                     "Start the sign-in with AuthFlow USER_AUTH and ask for the email code (PREFERRED_CHALLENGE, or "
                     "ANSWER in SELECT_CHALLENGE): Cognito sends it to the user's verified email address.")
        _tokens_of(run, result, username, what)
        if run.sb.inbox(email).latest.purpose != "sign-in":
            run.failed(f"For {what} the last message to {email} is not a sign-in code.")


# ---------------------------------------------------------------------------------------------- 03.3
def _register(run, pool_id: str, client_id: str, username: str, origin: str, region: str | None = None):
    """A device with a passkey of ``username`` at that pool (registered as the notebook does)."""
    from labkit import passkey_authenticator

    idp = fx.client(run, "cognito-idp", region)
    device = passkey_authenticator(origin=origin)
    at = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH", AuthParameters={
        "USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": fx.PASSWORD})["AuthenticationResult"]["AccessToken"]
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=at, Credential=device.create(options))
    return device


def _check_passkey(sign_in_with_passkey, run):
    if not callable(sign_in_with_passkey):
        run.stop(f"sign_in_with_passkey is a {type(sign_in_with_passkey).__name__}, not a function.",
                 "Define it with def sign_in_with_passkey(client_id, username, device): ...")
    pool_id, client_id, rp_id = _modern_pool(run, "ex0303-pool", users=())
    username = run.name("frank")
    fx.add_user(run, pool_id, username)
    device = _register(run, pool_id, client_id, username, f"https://{rp_id}")
    # Three sign-ins with the same passkey: each must use the fresh challenge (a kept assertion is a replay).
    for n in (1, 2, 3):
        what = f"{username}'s sign-in #{n}"
        counter = device.credentials[0].sign_count
        result = run.call(sign_in_with_passkey, client_id, username, device, doing=f"signing in {username} (#{n})")
        if device.credentials[0].sign_count == counter:
            run.stop(f"For {what} the passkey device was not used.",
                     "Ask for the WEB_AUTHN challenge (USER_AUTH with PREFERRED_CHALLENGE) and give its "
                     "CREDENTIAL_REQUEST_OPTIONS to device.get().")
        _tokens_of(run, result, username, what)
    # Another pool (another relying party: its own domain), another user.
    pool_id, client_id, rp_id = _modern_pool(run, "ex0303-other", users=())
    other = run.name("grace")
    fx.add_user(run, pool_id, other)
    other_device = _register(run, pool_id, client_id, other, f"https://{rp_id}")
    result = run.call(sign_in_with_passkey, client_id, other, other_device, doing=f"signing in {other} at another pool")
    _tokens_of(run, result, other, f"{other} at another pool (another relying party)")


EXERCISES = [
    Exercise(
        id="03.1", notebook=NOTEBOOK, level="read", kind="value",
        title="The plan that has passkeys",
        prompt="Which is the **lowest** feature plan (`UserPoolTier`) on which a user pool may allow passkeys "
               "(`WEB_AUTHN` in `AllowedFirstAuthFactors`)? Put the plan's name in `tier`, spelled as the API spells it.",
        starter='tier = ...   # a UserPoolTier value\n\ncheck("03.1", tier)',
        hints=["Step 1 tried the same configuration on each plan.",
               "The free plan has the classic features only; choice-based sign-in and passkeys start one plan up."],
        checker=_check_plan,
    ),
    Exercise(
        id="03.2", notebook=NOTEBOOK, level="use", kind="function",
        title="Sign in with an email code",
        prompt="Write `sign_in_with_email_code(client_id, username, email)`: it signs `username` in with a one-time "
               "code sent to `email` (choice-based sign-in, `USER_AUTH`) and returns the `AuthenticationResult`. Read "
               "the code where the user would: `sb.inbox(email)`. The check calls it for new users of a new pool, "
               "and for the same user twice.",
        starter=("def sign_in_with_email_code(client_id, username, email):\n"
                 '    """Sign username in with the code Cognito emails; return the AuthenticationResult."""\n'
                 "    ...\n\n"
                 'check("03.2", sign_in_with_email_code)'),
        hints=["Two calls: initiate_auth(AuthFlow=\"USER_AUTH\", ...) starts it, respond_to_auth_challenge answers it.",
               "AuthParameters can name the factor the user prefers (PREFERRED_CHALLENGE); the answer's key is the "
               "challenge's name followed by _CODE.",
               "Read the code after you started the sign-in: sb.inbox(email).latest.code is the newest message's code."],
        checker=_check_email_code,
    ),
    Exercise(
        id="03.3", notebook=NOTEBOOK, level="write", kind="function",
        title="Sign in with a passkey",
        prompt="Write `sign_in_with_passkey(client_id, username, device)`: it signs `username` in with the passkey on "
               "`device` (a `labkit.passkey_authenticator`, the user's phone or laptop) and returns the "
               "`AuthenticationResult`. The check registers a passkey for a new user of a new pool (and of another "
               "pool, with its own relying party) and signs in with it several times.",
        starter=("def sign_in_with_passkey(client_id, username, device):\n"
                 '    """Sign username in with the passkey on device; return the AuthenticationResult."""\n'
                 "    ...\n\n"
                 'check("03.3", sign_in_with_passkey)'),
        hints=["The challenge is WEB_AUTHN; ChallengeParameters hold the options for the device.",
               "device.get(options) returns the assertion to send back as the CREDENTIAL response.",
               "Each sign-in has a new challenge: ask the device again every time, never reuse an assertion."],
        checker=_check_passkey,
    ),
]
