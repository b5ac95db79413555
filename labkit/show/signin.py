"""The sign-up / sign-in panel: a small form that drives the real user pool flow with boto3.

    labkit.show.signin_panel(sb, pool_id, client_id)

Sign up -> the code arrives in "your inbox / phone" (the sandbox's :meth:`labkit.Sandbox.inbox`) ->
confirm -> sign in (``InitiateAuth`` with ``USER_PASSWORD_AUTH``) -> answer Cognito's challenge
(``SMS_MFA``, ``SOFTWARE_TOKEN_MFA``, ``EMAIL_OTP``, ``NEW_PASSWORD_REQUIRED``) when it asks. Every call is plain
boto3, as an app would make it on AWS; every refusal shows AWS's error code and message and what it
means, never a traceback.
"""

from __future__ import annotations


import ipywidgets as widgets

from . import static
from .static import esc

# What AWS's error codes mean for someone filling this form (Cognito API reference, "Errors" of
# SignUp, ConfirmSignUp, InitiateAuth, RespondToAuthChallenge, ResendConfirmationCode).
MEANINGS = {
    "NotAuthorizedException": "Cognito did not accept these credentials: wrong password, or (when user-existence "
    "errors are prevented) no such user. It gives the same answer for both on purpose, so nobody can probe which "
    "usernames exist. Also sent when the app client does not allow this sign-in flow or the session expired.",
    "UserNotFoundException": "No user with this username exists in the pool (this pool reveals that; with "
    "PreventUserExistenceErrors=ENABLED it would answer NotAuthorizedException instead).",
    "UserNotConfirmedException": "The user signed up but has not confirmed the account yet: enter the code from "
    "the inbox and press Confirm.",
    "UsernameExistsException": "A user with this username already exists in the pool: sign in instead, or choose "
    "another username.",
    "InvalidPasswordException": "The password does not meet the pool's password policy (length, and the kinds of "
    "characters it requires).",
    "CodeMismatchException": "The code is not the one Cognito sent: check the latest message in the inbox.",
    "ExpiredCodeException": "The code has expired (or was already used): ask for a new one with Resend code.",
    "InvalidParameterException": "A parameter is missing or has the wrong form (for example an email attribute "
    "that is not an email address, or a sign-in flow the app client does not allow).",
    "LimitExceededException": "Too many attempts of this action for now: wait, then try again.",
    "TooManyRequestsException": "Too many requests in a short time: wait, then try again.",
    "TooManyFailedAttemptsException": "Too many wrong attempts: Cognito blocks this user for a while.",
    "PasswordResetRequiredException": "An administrator requires this user to reset the password before signing in.",
    "ResourceNotFoundException": "The user pool or app client does not exist (check the ids).",
    "CodeDeliveryFailureException": "Cognito could not deliver the code to the email address or phone number.",
    "AliasExistsException": "Another account already uses this email address or phone number as an alias.",
    "EnableSoftwareTokenMFAException": "The authenticator app is not set up for this user yet.",
}


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """SECRET_HASH: Base64(HMAC-SHA256(client secret, username + client id)) -- Cognito developer guide,
    "Computing secret hash values" (the user pool's own function, :func:`labkit.userpools.clients.secret_hash`)."""
    from ..userpools.clients import secret_hash as compute

    return compute(username, client_id, client_secret)


class SignInPanel(static.Snapshot, widgets.VBox):
    """Sign up, confirm, sign in and answer MFA challenges against a user pool, with real boto3 calls."""

    def __init__(self, sandbox, pool_id: str, client_id: str, client_secret: str | None = None,
                 username: str = "", email: str = "", phone: str = ""):
        import boto3

        self.sandbox, self.pool_id, self.client_id, self.client_secret = sandbox, pool_id, client_id, client_secret
        region = getattr(sandbox, "region", None) or pool_id.split("_", 1)[0]
        self.client = boto3.client("cognito-idp", region_name=region)
        self.result: dict | None = None  # AuthenticationResult of the last successful sign-in
        self.last_error: dict | None = None  # {"Code": ..., "Message": ...} of the last refusal
        self.history: list[str] = []
        self._challenge: dict | None = None

        text = dict(layout=widgets.Layout(width="330px"), style={"description_width": "90px"})
        self.username = widgets.Text(value=username or email, description="Username", placeholder="alice@example.com", **text)
        self.email = widgets.Text(value=email, description="Email", placeholder="alice@example.com", **text)
        self.phone = widgets.Text(value=phone, description="Phone", placeholder="+15555550100 (optional)", **text)
        self.password = widgets.Password(description="Password", **text)
        self.code = widgets.Text(description="Code", placeholder="from your inbox / phone", **text)
        self.sign_up_button = widgets.Button(description="Sign up", icon="user-plus", button_style="")
        self.confirm_button = widgets.Button(description="Confirm", icon="check")
        self.resend_button = widgets.Button(description="Resend code", icon="envelope")
        self.sign_in_button = widgets.Button(description="Sign in", icon="sign-in", button_style="primary")
        self.challenge_label = widgets.HTML()
        self.answer = widgets.Text(description="Answer", placeholder="the code Cognito asks for", **text)
        self.respond_button = widgets.Button(description="Send answer", icon="key")
        self.challenge_box = widgets.VBox([self.challenge_label, widgets.HBox([self.answer, self.respond_button])],
                                          layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.inbox_view = widgets.HTML()
        self.inspect_button = widgets.Button(description="Inspect ID token", icon="search",
                                             layout=widgets.Layout(display="none"))
        self.inspector_box = widgets.VBox()

        self.sign_up_button.on_click(lambda _: self._run(self.sign_up))
        self.confirm_button.on_click(lambda _: self._run(self.confirm))
        self.resend_button.on_click(lambda _: self._run(self.resend_code))
        self.sign_in_button.on_click(lambda _: self._run(self.sign_in))
        self.respond_button.on_click(lambda _: self._run(self.respond))
        self.inspect_button.on_click(lambda _: self._run(self.inspect))

        form = widgets.VBox([
            widgets.HTML(f"<b>Your app</b> <span style='color:{static.MUTED}'>user pool {esc(pool_id)}, "
                         f"app client {esc(client_id)}</span>"),
            self.username, self.email, self.phone, self.password,
            widgets.HBox([self.sign_up_button, self.sign_in_button]),
            widgets.HBox([self.code, self.confirm_button, self.resend_button]),
            self.challenge_box, self.status, self.inspect_button,
        ], layout=widgets.Layout(flex="1 1 420px"))
        phone_pane = widgets.VBox([widgets.HTML("<b>Your inbox / phone</b> <span style='color:#57606a'>(what Cognito sends)</span>"), self.inbox_view],
                                  layout=widgets.Layout(flex="1 1 300px", border="1px solid #d0d7de", padding="6px"))
        super().__init__(children=[widgets.HBox([form, phone_pane], layout=widgets.Layout(flex_flow="row wrap")),
                                   self.inspector_box])
        self.add_class("labkit-signin")
        self._show_inbox()

    # -------------------------------------------------------------- the flow (each a real boto3 call)
    def _hash(self) -> dict:
        if not self.client_secret:
            return {}
        return {"SecretHash": secret_hash(self.username.value.strip(), self.client_id, self.client_secret)}

    def sign_up(self) -> None:
        attrs = []
        if self.email.value.strip():
            attrs.append({"Name": "email", "Value": self.email.value.strip()})
        if self.phone.value.strip():
            attrs.append({"Name": "phone_number", "Value": self.phone.value.strip()})
        r = self.client.sign_up(ClientId=self.client_id, Username=self.username.value.strip(),
                                Password=self.password.value, UserAttributes=attrs, **self._hash())
        where = r.get("CodeDeliveryDetails") or {}
        if r.get("UserConfirmed"):
            self._ok("Signed up; the user is already confirmed. Sign in.")
        else:
            self._ok(f"Signed up (UserConfirmed: false). Cognito sent a code by {where.get('DeliveryMedium', '?')} to "
                     f"{where.get('Destination', '?')}: type it in Code and press Confirm.")

    def confirm(self) -> None:
        self.client.confirm_sign_up(ClientId=self.client_id, Username=self.username.value.strip(),
                                    ConfirmationCode=self.code.value.strip(), **self._hash())
        self._ok("Confirmed: the account is active. Sign in.")

    def resend_code(self) -> None:
        r = self.client.resend_confirmation_code(ClientId=self.client_id, Username=self.username.value.strip(), **self._hash())
        where = r.get("CodeDeliveryDetails") or {}
        self._ok(f"A new code went by {where.get('DeliveryMedium', '?')} to {where.get('Destination', '?')}.")

    def sign_in(self) -> None:
        params = {"USERNAME": self.username.value.strip(), "PASSWORD": self.password.value}
        if self.client_secret:
            params["SECRET_HASH"] = self._hash()["SecretHash"]
        r = self.client.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
        self._answered(r)

    def respond(self) -> None:
        ch = self._challenge or {}
        name = ch.get("ChallengeName")
        username = (ch.get("ChallengeParameters") or {}).get("USER_ID_FOR_SRP") or self.username.value.strip()
        responses = {"USERNAME": username}
        key = {"SMS_MFA": "SMS_MFA_CODE", "SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE",
               "NEW_PASSWORD_REQUIRED": "NEW_PASSWORD", "SMS_OTP": "SMS_OTP_CODE"}.get(name, "ANSWER")
        responses[key] = self.answer.value.strip()
        if self.client_secret:
            responses["SECRET_HASH"] = secret_hash(username, self.client_id, self.client_secret)
        r = self.client.respond_to_auth_challenge(ClientId=self.client_id, ChallengeName=name,
                                                  Session=ch.get("Session"), ChallengeResponses=responses)
        self._answered(r)

    def inspect(self) -> None:
        """Show (or hide) the token inspector for the ID token of the last sign-in."""
        from .token import token

        if self.inspector_box.children:
            self.inspector_box.children = ()
            self.inspect_button.description = "Inspect ID token"
        elif self.result and self.result.get("IdToken"):
            self.inspector_box.children = (token(self.result["IdToken"], client_id=self.client_id, sandbox=self.sandbox),)
            self.inspect_button.description = "Hide ID token"

    def _answered(self, r: dict) -> None:
        if "AuthenticationResult" in r:
            self.result = r["AuthenticationResult"]
            self._challenge = None
            self.challenge_box.layout.display = "none"
            self.inspect_button.layout.display = "flex"
            self.inspector_box.children = ()
            self.inspect_button.description = "Inspect ID token"
            res = self.result
            tokens = ", ".join(f"{k} {static.short_token(res[k])}" for k in ("IdToken", "AccessToken", "RefreshToken") if res.get(k))
            self._ok(f"Signed in. Cognito returned {tokens}; they expire in {res.get('ExpiresIn', '?')} s. "
                     "(panel.result holds them; labkit.show.token(panel.result['IdToken']) explains one.)")
            return
        self._challenge = r
        name = r.get("ChallengeName", "?")
        params = r.get("ChallengeParameters") or {}
        ask = {
            "SMS_MFA": f"Cognito texted a code to {params.get('CODE_DELIVERY_DESTINATION', 'your phone')}: type it below.",
            "EMAIL_OTP": f"Cognito emailed a code to {params.get('CODE_DELIVERY_DESTINATION', 'your inbox')}: type it below.",
            "SOFTWARE_TOKEN_MFA": "Type the 6-digit code your authenticator app shows now.",
            "NEW_PASSWORD_REQUIRED": "This user must choose a new password: type it below.",
        }.get(name, f"Cognito asks for the {name} challenge: answer it below.")
        self.challenge_label.value = f"<b>Challenge {esc(name)}</b>: {esc(ask)}"
        self.challenge_box.layout.display = "flex"
        self.answer.value = ""
        self._ok(f"Password accepted; Cognito answered with the challenge {name} instead of tokens.")

    # -------------------------------------------------------------- showing
    def _run(self, action) -> None:
        """Run one step; a refusal shows as AWS's code, its message and what it means (never a traceback)."""
        from botocore.exceptions import ClientError, ParamValidationError

        from ..errors import LabkitError

        try:
            action()
            self.last_error = None
        except ClientError as err:
            e = err.response.get("Error", {})
            self.last_error = {"Code": e.get("Code", "?"), "Message": e.get("Message", "")}
            self._fail(self.last_error["Code"], self.last_error["Message"], MEANINGS.get(self.last_error["Code"], ""))
        except ParamValidationError as err:
            self.last_error = {"Code": "ParamValidationError", "Message": str(err)}
            self._fail("ParamValidationError", str(err), "boto3 refused to send the call: a required field is empty or has "
                       "the wrong type. Fill in the form and try again.")
        except LabkitError as err:
            self.last_error = {"Code": type(err).__name__, "Message": str(err)}
            self._fail(type(err).__name__, str(err), "")
        except Exception as err:  # a widget callback must never leave a traceback in front of the learner
            self.last_error = {"Code": type(err).__name__, "Message": str(err)}
            self._fail(type(err).__name__, str(err), "An unexpected error in the panel (please report it).")
        self._show_inbox()

    def _ok(self, text: str) -> None:
        self.history.append("✔ " + text)
        self.status.value = static.live(static.verdict(True, text))

    def _fail(self, code: str, message: str, meaning: str) -> None:
        self.history.append(f"✘ {code}: {message}")
        body = f'<div><code>{esc(code)}</code>: {esc(message)}</div>'
        if meaning:
            body += f'<div style="margin-top:3px">What it means: {esc(meaning)}</div>'
        color = static.BAD_COLOR
        self.status.value = static.live(f'<div style="{static.BOX}; border-left:4px solid {color}; border-color:{color}">'
                                          f'<b style="color:{color}">✘ AWS said {esc(code)}</b>{body}</div>')

    def _addresses(self) -> list[str]:
        return [a for a in (self.email.value.strip(), self.phone.value.strip()) if a] or (
            [self.username.value.strip()] if "@" in self.username.value else [])

    def inbox_html(self) -> str:
        parts = []
        for address in self._addresses():
            try:
                box = self.sandbox.inbox(address)
            except Exception:
                continue
            for m in list(box)[-3:][::-1]:
                code = f'<div style="font-size:20px; letter-spacing:3px"><b>{esc(m.code)}</b></div>' if m.code else ""
                parts.append(f'<div style="{static.BOX}; font-size:12px"><div style="color:{static.MUTED}">'
                             f'{esc(m.medium)} to {esc(m.to)}</div><div><b>{esc(m.subject)}</b></div>'
                             f'<div>{esc(m.body)}</div>{code}</div>')
        return "".join(parts) or f"<i style='color:{static.MUTED}'>Nothing delivered yet.</i>"

    def _show_inbox(self) -> None:
        self.inbox_view.value = static.live(self.inbox_html())

    @property
    def status_text(self) -> str:
        """The last outcome as plain text (what the status line says)."""
        return self.history[-1] if self.history else ""

    # -------------------------------------------------------------- static fallbacks
    def snapshot_html(self) -> str:
        steps = "".join(f"<li>{esc(h)}</li>" for h in self.history) or "<li><i>nothing yet</i></li>"
        return (
            f'<div style="{static.BOX}"><b>Sign-up / sign-in panel</b> for user pool {esc(self.pool_id)}, app client '
            f"{esc(self.client_id)}: sign up, read the code in the inbox, confirm, sign in (USER_PASSWORD_AUTH), "
            f"answer an MFA challenge. <i>Interactive: run the notebook to use it.</i><ol>{steps}</ol></div>"
        )

    def snapshot_text(self) -> str:
        lines = [f"Sign-up / sign-in panel: user pool {self.pool_id}, app client {self.client_id} (run the notebook to use it)"]
        lines += [f"  {h}" for h in self.history]
        return "\n".join(lines)


def signin_panel(sandbox, pool_id: str, client_id: str, client_secret: str | None = None, *,
                 username: str = "", email: str = "", phone: str = "") -> SignInPanel:
    """A sign-up / sign-in form for ``pool_id`` and ``client_id`` (the client must allow USER_PASSWORD_AUTH;
    pass ``client_secret`` if it has one). ``username``, ``email``, ``phone`` prefill the form."""
    from ..errors import LabkitError

    if not isinstance(pool_id, str) or "_" not in pool_id:
        raise LabkitError(f"pool_id must be a user pool id like 'us-east-1_AbC123xyz' (from create_user_pool), not {pool_id!r}.")
    if not isinstance(client_id, str) or not client_id:
        raise LabkitError(f"client_id must be an app client id (from create_user_pool_client), not {client_id!r}.")
    return SignInPanel(sandbox, pool_id, client_id, client_secret, username=username, email=email, phone=phone)
