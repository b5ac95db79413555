"""Exercises of notebook 01 · User pools: read an error, sign up and confirm, write a PreSignUp trigger.

AWS: SignUp, ConfirmSignUp, InitiateAuth (Cognito user pools API reference); "Pre sign-up Lambda trigger".
"""

from __future__ import annotations

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "01-user-pools"

#: The notebook's pool: passwords of 10+ characters with upper, lower, number and symbol; email verified by code.
POLICY = {"PasswordPolicy": {"MinimumLength": 10, "RequireUppercase": True, "RequireLowercase": True,
                             "RequireNumbers": True, "RequireSymbols": True, "TemporaryPasswordValidityDays": 7}}


def lab_users(run, label: str):
    """A pool like the notebook's lab-users, with its lab-web-app client: ``(pool_id, client_id)``."""
    idp = fx.client(run, "cognito-idp")
    pool_id = idp.create_user_pool(PoolName=run.name(f"ex01{label}-lab-users"), Policies=POLICY, AutoVerifiedAttributes=["email"],
                                   Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=run.name(f"ex01{label}-lab-web-app"),
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED")["UserPoolClient"]["ClientId"]
    return pool_id, client_id


# ---------------------------------------------------------------------------------------------- 01.1
def _check_unconfirmed_code(error_code, run):
    if not isinstance(error_code, str):
        run.stop(f"error_code is a {type(error_code).__name__}; write the error code as a string, e.g. \"NotAuthorizedException\".")
    pool_id, client_id = lab_users(run, "a")
    idp = fx.client(run, "cognito-idp")
    idp.sign_up(ClientId=client_id, Username="carol", Password="Carols-pass-1!",
                UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    actual = fx.error_code(lambda: fx.sign_in(run, client_id, "carol", "Carols-pass-1!"))
    said = error_code.strip()
    why = {
        "NotAuthorizedException": "That is the answer to a wrong password (or, with PreventUserExistenceErrors, an unknown "
                                  "user). Carol's password is right.",
        "UserNotFoundException": "Carol exists: she signed up. She just never entered the code.",
        "CodeMismatchException": "That is the answer to a wrong confirmation code; carol has not sent any code yet.",
    }.get(said, "Try it: sign up a user, do not confirm them, sign in with the right password and read "
                "err.response['Error']['Code'].")
    run.expect(said == actual, f"Carol signed up, did not confirm, and signs in with the right password: Cognito does not "
                               f"answer {said!r}.",
               why, passed_text=f"An unconfirmed user's sign-in gets {actual}: the app should ask for the code (and offer "
                                "resend_confirmation_code).")


# ---------------------------------------------------------------------------------------------- 01.2
def _check_sign_up_and_confirm(sign_up_and_confirm, run):
    if not callable(sign_up_and_confirm):
        run.stop(f"sign_up_and_confirm is a {type(sign_up_and_confirm).__name__}, not a function.",
                 "Define it with def sign_up_and_confirm(client_id, username, password, email): ...")
    pool_id, client_id = lab_users(run, "b")
    for username, password in ((f"dora{run.serial}", "Explorer-2026!"), (f"diego{run.serial}", "Navigator-2027?")):
        if not _signed_up_and_confirmed(sign_up_and_confirm, run, pool_id, client_id, username, password):
            return


def _signed_up_and_confirmed(sign_up_and_confirm, run, pool_id, client_id, username, password) -> bool:
    """One call of the learner's function for a fresh user; False once something failed."""
    email = f"{username}@example.com"
    run.call(sign_up_and_confirm, client_id, username, password, email, doing=f"signing up and confirming {username}")
    idp = fx.client(run, "cognito-idp")
    try:
        user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    except Exception:
        run.stop(f"After your function the pool has no user {username!r}.", "Call idp.sign_up(ClientId=client_id, Username=username, ...).")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    if not run.expect(attributes.get("email") == email, f"{username}'s email is {attributes.get('email')!r}, not {email!r}.",
                      "Use the function's arguments: the check calls it for users the notebook never made.",
                      passed_text=f"{username} signed up with the email the check passed."):
        return False
    if not run.expect(user["UserStatus"] == "CONFIRMED", f"{username} is {user['UserStatus']}, not CONFIRMED.",
                      "Read the code Cognito sent to this user's address and confirm the sign-up with it.",
                      passed_text=f"{username} is CONFIRMED."):
        return False
    if not run.expect(attributes.get("email_verified") == "true", f"{username}'s email_verified is {attributes.get('email_verified')!r}.",
                      "Confirming with the emailed code proves the user owns the address; an administrator's confirmation does not.",
                      passed_text=f"{username}'s email is verified: the code proved the address is theirs."):
        return False
    code = fx.error_code(lambda: fx.sign_in(run, client_id, username, password))
    return run.expect(code is None, f"{username} cannot sign in with the password the check chose: {code}.",
                      "Sign the user up with the password argument.", passed_text=f"{username} signs in with that password.")


# ---------------------------------------------------------------------------------------------- 01.3
def _check_trigger(only_example_org, run):
    import labkit.userpools

    if not callable(only_example_org):
        run.stop(f"only_example_org is a {type(only_example_org).__name__}, not a function.",
                 "Define it with def only_example_org(event, context): ...")
    pool_id, client_id = lab_users(run, "c")
    labkit.userpools.attach_trigger(run.sb, pool_id, "PreSignUp", only_example_org)
    idp = fx.client(run, "cognito-idp")

    def sign_up(username, email):
        try:
            return idp.sign_up(ClientId=client_id, Username=username, Password="Staff-member-9!",
                               UserAttributes=[{"Name": "email", "Value": email}]), None
        except Exception as exc:
            return None, exc

    staff = [("bob", "bob@example.org"), (f"carol{run.serial}", f"carol{run.serial}@example.org")]
    for username, email in staff:
        if not _staff_let_in(run, idp, pool_id, sign_up, username, email):
            return
    outsiders = [("eve", "eve@example.net", "an address of another domain"),
                 (f"mallory{run.serial}", f"mallory{run.serial}@example.org.evil.com", "an address that only contains example.org"),
                 (f"trudy{run.serial}", f"trudy{run.serial}@notexample.org", "an address whose domain only ends in example.org")]
    from .explain import aws_code, name

    for username, email, what in outsiders:
        answer, error = sign_up(username, email)
        run.expect(error is not None and aws_code(error) == "UserLambdaValidationException",
                   f"{email} ({what}) was let in." if error is None else f"{email} was refused, but with {name(error)}.",
                   "Compare the whole domain, after the @: an email address belongs to example.org only if its domain is "
                   "exactly example.org." if error is None else
                   "Raise an exception in the trigger for any other domain: Cognito then refuses the sign-up with "
                   "UserLambdaValidationException.",
                   passed_text=f"{email} ({what}) is refused (UserLambdaValidationException).")


def _staff_let_in(run, idp, pool_id, sign_up, username, email) -> bool:
    from .explain import name

    answer, error = sign_up(username, email)
    if error is not None:
        run.failed(f"{email} could not sign up: {name(error)}.",
                   "Your trigger refused a staff address; when Cognito says UserLambdaValidationException, the message "
                   "after 'PreSignUp failed with error' is your exception's.")
        return False
    if not run.expect(answer["UserConfirmed"] is True, f"{email} signed up but is not confirmed at once.",
                      "A trigger tells Cognito what to do through the event's response, and returns the event.",
                      passed_text=f"{email} is confirmed at once."):
        return False
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    verified = {a["Name"]: a["Value"] for a in user["UserAttributes"]}.get("email_verified")
    return run.expect(verified == "true", f"{username}'s email is not marked verified.",
                      "No code is sent to a user confirmed by the trigger, so nothing else verifies the address: the "
                      "trigger must say so too.",
                      passed_text=f"{username}'s email is marked verified.")


EXERCISES = [
    Exercise(
        id="01.1", notebook=NOTEBOOK, level="read", kind="value",
        title="Read the error",
        prompt="Carol signed up but never typed the code from her email. She now signs in with the **right** password. "
               "Which error code does Cognito answer? Put it in `error_code`; the check reproduces the scene.",
        starter='error_code = ...   # e.g. "NotAuthorizedException"\n\ncheck("01.1", error_code)',
        hints=["Section 12's table lists the codes a user meets.", "The password is right; what is missing is the confirmation."],
        checker=_check_unconfirmed_code,
    ),
    Exercise(
        id="01.2", notebook=NOTEBOOK, level="use", kind="function",
        title="Sign up and confirm",
        prompt="Write `sign_up_and_confirm(client_id, username, password, email)`: sign the user up through the app "
               "client, read the code Cognito emails (`sb.inbox(email).latest.code`) and confirm the sign-up. The check "
               "calls it for two new users in a new pool like `lab-users`, then looks at their status and signs them in.",
        starter=("def sign_up_and_confirm(client_id, username, password, email):\n"
                 '    """Sign a user up and confirm them with the code from their inbox."""\n'
                 "    ...\n\n"
                 'check("01.2", sign_up_and_confirm)'),
        hints=["Sections 2 and 3 do exactly this for alice.",
               "idp.sign_up(ClientId=..., Username=..., Password=..., UserAttributes=[{\"Name\": \"email\", \"Value\": email}]), "
               "then idp.confirm_sign_up(ClientId=..., Username=..., ConfirmationCode=sb.inbox(email).latest.code)."],
        checker=_check_sign_up_and_confirm,
    ),
    Exercise(
        id="01.3", notebook=NOTEBOOK, level="write", kind="function",
        title="A PreSignUp trigger",
        prompt="Write the PreSignUp trigger `only_example_org(event, context)`: it refuses every sign-up whose email "
               "is not an `@example.org` address, and confirms `example.org` staff at once (no code), with their email "
               "marked verified. The check attaches it to a new pool and signs up staff and outsiders of its own choosing.",
        starter=("def only_example_org(event, context):\n"
                 '    """PreSignUp: only example.org addresses, confirmed at once."""\n'
                 "    ...\n\n"
                 'check("01.3", only_example_org)'),
        hints=["The email is in event[\"request\"][\"userAttributes\"][\"email\"].",
               "To refuse, raise an exception; to confirm at once, set event[\"response\"][\"autoConfirmUser\"] and "
               "[\"autoVerifyEmail\"] to True.",
               "Return the event."],
        checker=_check_trigger,
    ),
]
