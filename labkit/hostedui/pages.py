"""The HTML of the hosted UI (managed login's classic pages) and of the mock IdPs' sign-in pages.

Plain HTML forms that work without JavaScript (the SAML POST binding's auto-submit aside, which also has a
button). Every value is escaped. The look follows Cognito's classic hosted UI: a white card on grey, the
app's name on top, "Sign in with your username and password".
"""

from __future__ import annotations

from html import escape

STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f4f4f4;font-family:"Amazon Ember","Helvetica Neue",Roboto,Arial,sans-serif;color:#16191f}
.banner{background:#232f3e;color:#fff;padding:10px 24px;font-size:14px;display:flex;justify-content:space-between}
.banner b{color:#ff9900}
.card{max-width:380px;margin:40px auto;background:#fff;border:1px solid #d5dbdb;border-radius:4px;
      box-shadow:0 1px 4px rgba(0,28,36,.15);padding:28px 32px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:15px;font-weight:normal;color:#545b64;margin:0 0 20px}
label{display:block;font-size:14px;font-weight:bold;margin:14px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;padding:9px 10px;font-size:15px;
      border:1px solid #aab7b8;border-radius:2px}
input:focus{outline:2px solid #0073bb;border-color:#0073bb}
button,.button{display:block;width:100%;margin-top:20px;padding:10px;font-size:15px;font-weight:bold;color:#fff;
      background:#0073bb;border:1px solid #0073bb;border-radius:2px;cursor:pointer;text-align:center;text-decoration:none}
button:hover,.button:hover{background:#005a94}
.button.idp{background:#fff;color:#16191f;border-color:#aab7b8;font-weight:normal;margin-top:8px}
.or{text-align:center;color:#687078;font-size:13px;margin:22px 0 4px;border-top:1px solid #eaeded;padding-top:14px}
.links{font-size:14px;margin-top:16px}
a{color:#0073bb}
.error{background:#fdf3f1;border:1px solid #d13212;color:#d13212;padding:8px 10px;font-size:14px;margin-bottom:12px}
.note{background:#f1faff;border:1px solid #0073bb;color:#16191f;padding:8px 10px;font-size:14px;margin-bottom:12px}
.foot{text-align:center;color:#687078;font-size:12px;margin-top:-24px}
"""


def layout(title: str, body: str, *, brand: str = "Amazon Cognito", footer: str = "") -> str:
    foot = f'<p class="foot">{escape(footer)}</p>' if footer else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f'<div class="banner"><span>{escape(brand)}</span><span><b>labkit sandbox</b> &middot; no real AWS account</span></div>'
            f'<main class="card">{body}</main>{foot}</body></html>')


def hidden(fields: dict) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(str(v))}">' for k, v in fields.items() if v is not None)


def messages(error: str | None = None, note: str | None = None) -> str:
    out = ""
    if error:
        out += f'<div class="error" role="alert">{escape(error)}</div>'
    if note:
        out += f'<div class="note">{escape(note)}</div>'
    return out


def login(*, app: str, action: str, csrf: str, params: dict, providers: list, show_password: bool, signup_url: str | None,
          forgot_url: str, error: str | None = None, note: str | None = None, username: str = "", footer: str = "") -> str:
    """The login endpoint's page: federated IdP buttons, then the user pool's username/password form."""
    body = f"<h1>{escape(app)}</h1>{messages(error, note)}"
    if providers:
        body += "<h2>Sign in with your corporate ID or social account</h2>"
        for label, url in providers:
            body += f'<a class="button idp" href="{escape(url)}">{escape(label)}</a>'
        if show_password:
            body += '<div class="or">or</div>'
    if show_password:
        body += (f'<h2>Sign in with your username and password</h2>'
                 f'<form method="post" action="{escape(action)}" name="cognitoSignInForm">'
                 f'{hidden({"_csrf": csrf, **params})}'
                 f'<label for="signInFormUsername">Username</label>'
                 f'<input id="signInFormUsername" name="username" type="text" autocomplete="username" autocapitalize="none" '
                 f'required value="{escape(username)}">'
                 f'<label for="signInFormPassword">Password</label>'
                 f'<input id="signInFormPassword" name="password" type="password" autocomplete="current-password" required>'
                 f'<div class="links"><a href="{escape(forgot_url)}">Forgot your password?</a></div>'
                 f'<button type="submit" name="signInSubmitButton">Sign in</button></form>')
        if signup_url:
            body += f'<div class="links">Need an account? <a href="{escape(signup_url)}">Sign up</a></div>'
    return layout(f"Signin - {app}", body, footer=footer)


def form_page(*, title: str, app: str, heading: str, action: str, csrf: str, params: dict, fields: list, submit: str,
              error: str | None = None, note: str | None = None, links: str = "", footer: str = "") -> str:
    """A one-form page (sign up, confirm, forgot password, reset): ``fields`` are (name, label, type, value)."""
    inputs = ""
    for name, label, kind, value in fields:
        auto = {"password": "new-password", "email": "email"}.get(kind, "off")
        inputs += (f'<label for="{escape(name)}">{escape(label)}</label>'
                   f'<input id="{escape(name)}" name="{escape(name)}" type="{escape(kind)}" autocomplete="{auto}" '
                   f'value="{escape(value or "")}" required>')
    body = (f"<h1>{escape(app)}</h1><h2>{escape(heading)}</h2>{messages(error, note)}"
            f'<form method="post" action="{escape(action)}">{hidden({"_csrf": csrf, **params})}{inputs}'
            f'<button type="submit">{escape(submit)}</button></form>{links}')
    return layout(f"{title} - {app}", body, footer=footer)


def error_page(error: str, description: str | None = None) -> str:
    """Cognito's error endpoint page."""
    body = (f"<h1>An error was encountered with the requested page.</h1>"
            f'<div class="error" role="alert">{escape(error)}</div>'
            + (f"<p>{escape(description)}</p>" if description else ""))
    return layout("Error", body)


def signed_out(app: str) -> str:
    return layout(f"Signed out - {app}", f"<h1>{escape(app)}</h1><h2>You are signed out.</h2>")


# ---------------------------------------------------------------------------------------------- the IdPs
def idp_login(*, brand: str, heading: str, action: str, params: dict, error: str | None = None, method: str = "get") -> str:
    """The mock OpenID Connect provider's sign-in (Google: an email address; no password is asked)."""
    body = (f"<h1>{escape(heading)}</h1><h2>to continue to the app</h2>{messages(error)}"
            f'<form method="{method}" action="{escape(action)}">{hidden(params)}'
            f'<label for="identifierId">Email</label>'
            f'<input id="identifierId" name="login_hint" type="email" autocomplete="username" required>'
            f'<button type="submit">Next</button></form>'
            f'<p class="links">A labkit mock of {escape(brand)}: it asks no password.</p>')
    return layout(f"Sign in - {brand}", body, brand=brand)


def adfs_login(*, domain: str, action: str, params: dict, error: str | None = None, username: str = "") -> str:
    """The AD FS sign-in page of a simulated Active Directory."""
    body = (f"<h1>{escape(domain)}</h1><h2>Sign in with your organizational account</h2>{messages(error)}"
            f'<form method="post" action="{escape(action)}">{hidden(params)}'
            f'<label for="userNameInput">User name</label>'
            f'<input id="userNameInput" name="UserName" type="text" placeholder="someone@{escape(domain)}" '
            f'value="{escape(username)}" required>'
            f'<label for="passwordInput">Password</label>'
            f'<input id="passwordInput" name="Password" type="password" required>'
            f'<button type="submit" id="submitButton">Sign in</button></form>')
    return layout(f"Sign In - {domain}", body, brand=f"AD FS - {domain}")


def saml_post(*, acs_url: str, saml_response: str, relay_state: str | None) -> str:
    """The SAML HTTP-POST binding (saml-bindings-2.0-os §3.5.4): a form the browser posts to the SP."""
    body = (f'<h1>Signing you in...</h1><form method="post" action="{escape(acs_url)}" id="samlform">'
            f'{hidden({"SAMLResponse": saml_response, "RelayState": relay_state})}'
            f'<button type="submit">Continue</button></form>'
            f'<script>document.getElementById("samlform").submit()</script>')
    return layout("Working...", body, brand="AD FS")
