"""labkit.show: the widgets' state and behaviour, driven from Python as a learner's clicks would.

Clicks go through the widget API (``button.click()``, setting ``.value``), which runs the same
callbacks the browser's clicks run through the kernel (tests/test_browser.py checks that round trip in
a real JupyterLab).
"""

import json
import re
from html import unescape

import boto3
import pytest

import labkit
from labkit import show
from labkit.policy import RequestContext, evaluate
from labkit.show import static
from labkit.show.decision import label_of
from labkit.show.flow import lifelines_of
from labkit.wire.dispatch import Call

PASSWORD = "Corr3ct-Horse-Battery!"
EMAIL = "alice@example.com"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# What the notebook sanitizer masks (JWTs, UUIDs, ISO times, ASIA keys): everything else must repeat.
_MASKS = [
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "<JWT>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<UUID>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<TIME>"),
    (re.compile(r"ASIA[A-Z0-9]{16}"), "<ASIA>"),
]


def masked(text: str) -> str:
    for rx, sub in _MASKS:
        text = rx.sub(sub, text)
    return text


def make_pool(mfa: bool = False):
    idp = boto3.client("cognito-idp")
    kwargs = {"PoolName": "lab", "AutoVerifiedAttributes": ["email"], "UsernameAttributes": ["email"]}
    if mfa:
        kwargs["MfaConfiguration"] = "OPTIONAL"
        kwargs["SmsConfiguration"] = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "lab"}
    pool = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return idp, pool, client


def signed_up_user(idp, pool, client, sb):
    idp.sign_up(ClientId=client, Username=EMAIL, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": EMAIL}])
    idp.confirm_sign_up(ClientId=client, Username=EMAIL, ConfirmationCode=sb.inbox(EMAIL).latest.code)


def sign_in(idp, client):
    return idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD})["AuthenticationResult"]


# ------------------------------------------------------------------------------------------- flow
def run_sign_in_flow(sb):
    idp, pool, client = make_pool()
    mark = sb.calls.last_seq
    signed_up_user(idp, pool, client, sb)
    try:
        idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": EMAIL, "PASSWORD": "wrong"})
    except idp.exceptions.NotAuthorizedException:
        pass
    sign_in(idp, client)
    return mark


def test_flow_draws_the_calls_since_the_mark(sb):
    boto3.client("cognito-idp").list_user_pools(MaxResults=5)  # before the mark: not shown
    mark = run_sign_in_flow(sb)
    player = show.flow(sb, since=mark)
    labels = [s.label for s in player.steps]
    assert labels == ["SignUp", "ConfirmSignUp", "InitiateAuth", "InitiateAuth"]
    assert {s.caller for s in player.steps} == {"App"} and {s.target for s in player.steps} == {"User pool"}
    wrong = player.steps[2]
    assert wrong.status == 400 and wrong.error_code == "NotAuthorizedException"
    assert wrong.error_message == "Incorrect username or password."
    assert player.steps[3].reply == "200 AuthenticationResult"
    # the whole log (since=0) starts with the set-up calls
    assert [s.label for s in show.flow(sb).steps[:2]] == ["ListUserPools", "CreateUserPool"]


def test_flow_player_steps_with_next_previous_and_slider(sb):
    player = show.flow(sb, since=run_sign_in_flow(sb))
    assert player.step == 0 and player.prev_button.disabled and not player.next_button.disabled
    assert "The whole flow: 4 calls" in player.detail.value
    player.next_button.click()
    assert player.step == 1
    assert "Step 1 of 4" in player.detail.value and "SignUp" in player.detail.value
    assert "font-weight=\"700\"" in player.diagram.value  # the current arrow is drawn bold
    player.next_button.click()
    player.next_button.click()
    assert "Step 3 of 4" in player.detail.value and "NotAuthorizedException" in player.detail.value
    player.prev_button.click()
    assert player.step == 2 and "ConfirmSignUp" in player.detail.value
    player.slider.value = 4
    assert player.next_button.disabled and "Step 4 of 4" in player.detail.value
    player.next_button.click()  # disabled in the browser; from Python it must stay in range
    assert player.step == 4


def test_flow_shortens_tokens_and_masks_passwords(sb):
    player = show.flow(sb, since=run_sign_in_flow(sb))
    last = player.steps[-1]
    result = last.response["AuthenticationResult"]
    assert re.fullmatch(r"eyJ[A-Za-z0-9_-]{4}…\(\d+ chars\)", result["IdToken"])
    assert last.request["AuthParameters"]["PASSWORD"].startswith("••••••")
    snapshot = player._repr_mimebundle_()["text/html"]
    assert not re.search(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.", snapshot), "a full token in the stored output"
    assert PASSWORD not in snapshot
    # the live widget can expand a shortened token to its full text
    player.slider.value = 4
    full = player.live_steps[-1].response["AuthenticationResult"]["IdToken"].full
    assert full.count(".") == 2 and full in player.detail.value and "<details" in player.detail.value


def test_flow_snapshot_repeats_with_the_seed():
    """Stored outputs must be deterministic: two runs with the same seed give the same snapshot once the
    sanitizer's masks (JWT, UUID, ISO time, ASIA key) are applied."""
    snaps = []
    for _ in range(2):
        with labkit.Sandbox(seed=7) as sb:
            bundle = show.flow(sb, since=run_sign_in_flow(sb))._repr_mimebundle_()
            snaps.append((masked(bundle["text/html"]), masked(bundle["text/plain"])))
    assert snaps[0] == snaps[1]


def test_flow_mimebundle_has_widget_html_and_text(sb):
    bundle = show.flow(sb, since=run_sign_in_flow(sb))._repr_mimebundle_()
    assert set(bundle) >= {WIDGET_VIEW, "text/html", "text/plain"}
    assert "<svg" in bundle["text/html"] and "<script" not in bundle["text/html"]
    assert bundle["text/plain"].splitlines()[1].split() == ["1.", "App", "->", "User", "pool", "SignUp", "200", "UserConfirmed,", "UserSub,", "…"]


def _call(seq, start, end, service, operation, status=200, path="/", handled_by="labkit", request=b"{}", response=b"{}"):
    return Call(seq=seq, time=end, transport="in-process", service=service, operation=operation, method="POST",
                path=path, status=status, handled_by=handled_by, request_body=request, response_body=response,
                duration_ms=(end - start) * 1000)


def test_flow_draws_a_nested_call_from_the_outer_calls_lifeline():
    """A call answered while another was being answered (the identity pool fetching an IdP's keys) is
    logged first (it finishes first) but drawn inside the outer call, from the outer lifeline."""
    calls = [
        _call(1, 10.0, 10.1, "cognito-idp", "InitiateAuth"),
        _call(3, 10.25, 10.3, "s3", None, path="/idp/google/jwks", handled_by="route"),  # inside GetId
        _call(4, 10.2, 10.4, "cognito-identity", "GetId", response=b'{"IdentityId": "us-east-1:x"}'),
        _call(5, 10.5, 10.6, "sts", "AssumeRoleWithWebIdentity", status=403,
              request=b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FR"
                      b"&WebIdentityToken=eyJraWQiOiJrIn0.eyJzdWIiOiJ4In0.c2ln",
              response=b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                       b'<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>'
                       b'</Error></ErrorResponse>'),
    ]
    player = show.flow(calls)
    got = [(s.number, s.caller, s.target, s.label, s.depth) for s in player.steps]
    assert got == [
        (1, "App", "User pool", "InitiateAuth", 0),
        (2, "App", "Identity pool", "GetId", 0),
        (3, "Identity pool", "External IdP", "POST /idp/google/jwks", 1),
        (4, "App", "STS", "AssumeRoleWithWebIdentity", 0),
    ]
    sts = player.steps[3]
    assert sts.error_code == "AccessDenied" and sts.error_message.startswith("Not authorized")
    assert sts.request["RoleArn"] == "arn:aws:iam::123456789012:role/R"  # a query-protocol form, decoded
    assert sts.request["WebIdentityToken"] == "eyJraWQ…(36 chars)"
    assert lifelines_of(player.steps) == ["App", "User pool", "External IdP", "Identity pool", "STS"]
    # drawing order: GetId's reply comes after the nested call and its reply
    svg = player.diagram.value
    assert svg.index("3  POST /idp/google/jwks") < svg.index("200 IdentityId")


def test_flow_with_no_calls_says_how_to_get_some(sb):
    player = show.flow(sb, since=sb.calls.last_seq)
    assert player.steps == [] and "No calls since the mark" in player.detail.value
    assert "no calls since the mark" in repr(player)


def test_flow_refuses_a_mark_that_is_not_a_call_number(sb):
    with pytest.raises(labkit.LabkitError, match="sb.calls.last_seq"):
        show.flow(sb, since="yesterday")


# ------------------------------------------------------------------------------------------- token
def test_token_inspector_explains_claims_and_verifies(sb):
    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    tokens = sign_in(idp, client)
    inspector = show.token(tokens["IdToken"], client_id=client)
    ok, title, detail = inspector.verdict
    assert ok and title.startswith("Verified") and client in detail
    html = unescape(inspector.view.value)
    assert "ID token" in html and f"user pool {pool}" in html
    assert "expires in 60 min" in html and "(sandbox clock)" in html
    assert "the user's unique, permanent id in this pool" in html  # labkit.tokens.explain's meaning of sub
    assert "RS256 signature: 256 bytes" in html


def test_token_inspector_check_again_sees_expiry_on_the_sandbox_clock(sb):
    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    inspector = show.token(sign_in(idp, client)["AccessToken"], client_id=client)
    assert inspector.verdict[0]
    sb.advance(3601)
    inspector.check_button.click()
    ok, title, detail = inspector.verdict
    assert not ok and title == "Expired (reason: expired)" and "expired" in detail
    assert re.search(r"expired \d+ s ago", inspector.view.value)
    inspector.clock.value = 5  # the live clock's tick re-checks too
    assert not inspector.verdict[0]


def test_token_inspector_refuses_edited_wrong_client_and_garbage(sb):
    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    id_token = sign_in(idp, client)["IdToken"]
    head, payload, sig = id_token.split(".")
    forged = ".".join([head, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), sig])
    inspector = show.token(forged)
    assert not inspector.verdict[0]
    assert inspector.verdict[1].split(" ")[0] in ("InvalidSignature", "Malformed")
    assert show.token(id_token, client_id="someone-else").verdict[1] == "WrongAudience (reason: wrong_audience)"
    garbage = show.token("not-a-jwt")
    assert "Malformed" in garbage.view.value and "three base64url parts" in garbage.view.value
    garbage.paste.value = id_token  # pasting a token inspects it
    assert garbage.verdict[0]


def test_token_snapshot_is_stable(sb):
    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    id_token = sign_in(idp, client)["IdToken"]
    bundle = show.token(id_token, client_id=client)._repr_mimebundle_()
    html, text = bundle["text/html"], bundle["text/plain"]
    _, payload = labkit.tokens.decode_unverified(id_token)
    for claim in ("exp", "iat", "auth_time"):
        assert str(payload[claim]) not in html and str(payload[claim]) not in text  # only dates (masked) + durations
    assert id_token not in html and id_token.split(".")[2][:20] not in html
    assert "✔ Verified" in text and "exp" in text


def test_token_refuses_what_is_not_a_string():
    with pytest.raises(labkit.LabkitError, match="token string"):
        show.token({"IdToken": "x"})


# ------------------------------------------------------------------------------------------- sign-in panel
def test_signin_panel_signs_up_confirms_and_signs_in(sb):
    _, pool, client = make_pool()
    panel = show.signin_panel(sb, pool, client, email=EMAIL)
    assert panel.username.value == EMAIL and "Nothing delivered yet" in panel.inbox_view.value
    panel.password.value = PASSWORD
    panel.sign_up_button.click()
    assert panel.last_error is None and "Cognito sent a code by EMAIL to a***@e***" in panel.status.value
    code = sb.inbox(EMAIL).latest.code
    assert code in panel.inbox_view.value  # "your inbox" pane shows the message and its code
    panel.code.value = code
    panel.confirm_button.click()
    assert panel.last_error is None and "Confirmed" in panel.status.value
    panel.sign_in_button.click()
    assert panel.last_error is None and panel.result is not None
    assert "Signed in" in panel.status.value
    assert labkit.tokens.verify(panel.result["IdToken"], client_id=client)["email"] == EMAIL
    assert panel.inspect_button.layout.display == "flex"
    panel.inspect_button.click()  # the ID token, explained, under the panel
    (inspector,) = panel.inspector_box.children
    assert isinstance(inspector, show.TokenInspector) and inspector.verdict[0]
    panel.inspect_button.click()
    assert panel.inspector_box.children == ()


def test_signin_panel_wrong_password_shows_aws_error_and_meaning_not_traceback(sb):
    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    panel = show.signin_panel(sb, pool, client, email=EMAIL)
    panel.password.value = "not-the-password"
    panel.sign_in_button.click()
    assert panel.last_error == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}
    assert "NotAuthorizedException" in panel.status.value and "Incorrect username or password." in panel.status.value
    assert "What it means" in panel.status.value and "same answer for both on purpose" in panel.status.value
    assert "Traceback" not in panel.status.value and panel.result is None


def test_signin_panel_other_refusals(sb):
    idp, pool, client = make_pool()
    panel = show.signin_panel(sb, pool, client, email=EMAIL)
    panel.password.value = "short"
    panel.sign_up_button.click()
    assert panel.last_error["Code"] == "InvalidPasswordException" and "password policy" in panel.status.value
    panel.password.value = PASSWORD
    panel.sign_up_button.click()
    panel.sign_in_button.click()
    assert panel.last_error["Code"] == "UserNotConfirmedException" and "press Confirm" in panel.status.value
    panel.code.value = "000000" if sb.inbox(EMAIL).latest.code != "000000" else "111111"
    panel.confirm_button.click()
    assert panel.last_error["Code"] == "CodeMismatchException"
    panel.username.value = ""
    panel.sign_in_button.click()  # boto3 refuses to send it: shown, not raised
    assert panel.last_error["Code"] in ("ParamValidationError", "InvalidParameterException")
    assert "Traceback" not in panel.status.value


def test_signin_panel_answers_the_sms_mfa_challenge(sb):
    idp, pool, client = make_pool(mfa=True)
    phone = "+15555550100"
    idp.sign_up(ClientId=client, Username=EMAIL, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "phone_number", "Value": phone}])
    idp.admin_confirm_sign_up(UserPoolId=pool, Username=EMAIL)
    idp.admin_update_user_attributes(UserPoolId=pool, Username=EMAIL, UserAttributes=[{"Name": "phone_number_verified", "Value": "true"}])
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username=EMAIL, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    panel = show.signin_panel(sb, pool, client, email=EMAIL, phone=phone)
    panel.password.value = PASSWORD
    panel.sign_in_button.click()
    assert panel.last_error is None and panel.result is None
    assert panel.challenge_box.layout.display == "flex" and "SMS_MFA" in panel.challenge_label.value
    code = sb.inbox(phone).latest.code
    assert code in panel.inbox_view.value  # the "phone" pane shows the text message
    panel.answer.value = code
    panel.respond_button.click()
    assert panel.last_error is None and panel.result is not None
    assert panel.challenge_box.layout.display == "none"


def test_signin_panel_snapshot_and_bad_ids(sb):
    _, pool, client = make_pool()
    panel = show.signin_panel(sb, pool, client)
    bundle = panel._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and "Sign-up / sign-in panel" in bundle["text/html"] and pool in bundle["text/plain"]
    with pytest.raises(labkit.LabkitError, match="user pool id"):
        show.signin_panel(sb, "not a pool", client)


def test_secret_hash_is_the_documented_hmac():
    # Cognito developer guide, "Computing secret hash values": Base64(HMAC_SHA256(secret, username + client id))
    import base64, hashlib, hmac

    want = base64.b64encode(hmac.new(b"s3cr3t", b"alice" + b"client1", hashlib.sha256).digest()).decode()
    assert show.signin.secret_hash("alice", "client1", "s3cr3t") == want


# ------------------------------------------------------------------------------------------- decisions
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "OwnPrefix", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::photos/private/${cognito-identity.amazonaws.com:sub}/*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        {"Sid": "OnlyFromOffice", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    ],
}
ROLE = "arn:aws:sts::123456789012:assumed-role/Cognito_Auth/CognitoIdentityCredentials"


def _decide(action, resource, **keys):
    ctx = RequestContext(action=action, resource=resource, principal_arn=ROLE,
                         keys={"cognito-identity.amazonaws.com:sub": "us-east-1:abc", **keys})
    return evaluate(ctx, identity_policies=[POLICY])


def test_decision_explorer_shows_the_statement_that_allowed():
    ex = show.decision(_decide("s3:GetObject", "arn:aws:s3:::photos/private/us-east-1:abc/cat.jpg"))
    html = unescape(ex.view.value)
    assert "ALLOWED" in html and "OwnPrefix" in html
    assert "${cognito-identity.amazonaws.com:sub}" in html and "us-east-1:abc" in html  # the variable and its value
    assert "Statements that did not apply (2)" in html


def test_decision_explorer_explicit_deny_and_failed_condition():
    deny = show.decision(_decide("s3:DeleteObject", "arn:aws:s3:::photos/x"))
    assert "DENIED: an explicit Deny statement applied" in deny.view.value and "NoDeletes" in deny.view.value
    cond = show.decision(_decide("s3:PutObject", "arn:aws:s3:::photos/x", **{"aws:SourceIp": "198.51.100.7"}))
    html = unescape(cond.view.value)
    assert "implicit deny" in html and "OnlyFromOffice" in html
    assert "IpAddress" in html and "aws:SourceIp" in html and "198.51.100.7" in html and "203.0.113.0/24" in html
    assert "DENIED" in repr(cond)


def test_decision_explorer_lists_the_sandboxs_decisions(sb):
    from labkit.identitypools import quick_identity_pool

    idp, pool, client = make_pool()
    signed_up_user(idp, pool, client, sb)
    ids = quick_identity_pool(sb, "Lab", allow_guests=False, user_pool=(pool, client))
    logins = {f"cognito-idp.{sb.region}.amazonaws.com/{pool}": sign_in(idp, client)["IdToken"]}
    ci = boto3.client("cognito-identity")
    identity = ci.get_id(IdentityPoolId=ids["IdentityPoolId"], Logins=logins)["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
    boto3.client("s3").create_bucket(Bucket="photos")
    mark = sb.calls.last_seq
    s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                      aws_session_token=creds["SessionToken"])
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_object(Bucket="photos", Key="cat.jpg")
    ex = show.decision(sb)
    assert len(ex.items) >= 1 and not ex.current.allowed
    assert "s3:GetObject" in ex.view.value and "Cognito_LabAuth_Role" in ex.view.value
    assert "Statements that did not apply" in ex.view.value
    # the flow names the REST call's operation and says IAM refused it
    step = show.flow(sb, since=mark).steps[-1]
    assert step.label == "GetObject" and step.reply == "403 AccessDenied (IAM)"
    bundle = ex._repr_mimebundle_()
    assert "aws:CurrentTime" not in bundle["text/plain"] or "(the time of the call)" in bundle["text/html"]


def test_decision_explorer_chooser_and_denied_filter():
    items = [_decide("s3:GetObject", "arn:aws:s3:::photos/private/us-east-1:abc/a"), _decide("s3:DeleteObject", "arn:aws:s3:::p/x")]
    ex = show.decision(items)
    assert "ALLOWED" in ex.view.value
    ex.chooser.value = 1
    assert "explicit Deny" in ex.view.value
    ex.denied_only.value = True
    assert [label for label, _ in ex.chooser.options] == [label_of(items[1])]
    with pytest.raises(labkit.LabkitError, match="Decision"):
        show.decision(["not a decision"])


# ------------------------------------------------------------------------------------------- static helpers
def test_shorten_keeps_nothing_random_in_stable_mode():
    value = {"Credentials": {"AccessKeyId": "ASIAABCDEFGHIJKLMNOP", "SecretKey": "x" * 40, "SessionToken": "y" * 300,
                             "Expiration": 1_800_000_000.0},
             "Session": "z" * 500, "Password": "hunter2", "IdToken": "eyJraWQiOiJ4In0.e30.c2ln"}
    out = static.shorten(value, at=1_800_000_000.0 - 3600)
    assert out["Credentials"]["SecretKey"] == "…(40 chars)" and out["Session"] == "…(500 chars)"
    assert out["Credentials"]["Expiration"] == "<time of the call + 60 min>"
    assert out["Password"] == "••••••(7 chars)" and out["IdToken"] == "eyJraWQ…(24 chars)"
    assert out["Credentials"]["AccessKeyId"] == "ASIAABCDEFGHIJKLMNOP"  # the sanitizer masks ASIA keys
    live = static.shorten(value, stable=False)
    assert live["Credentials"]["SecretKey"].startswith("xxxx…") and live["Credentials"]["SecretKey"].full == "x" * 40
    assert json.loads(static.json_text(out))["Session"] == "…(500 chars)"


def test_keep_snapshots_only_drops_widget_views_and_state(tmp_path, sb):
    import nbformat

    bundle = show.flow(sb, since=run_sign_in_flow(sb))._repr_mimebundle_()
    other = {WIDGET_VIEW: {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}, "text/plain": "IntSlider(value=0)"}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data=bundle), nbformat.v4.new_output("display_data", data=other)])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, str(path))
    assert static.keep_snapshots_only(str(path)) == 1
    back = nbformat.read(str(path), as_version=4)
    first, second = (o["data"] for o in back.cells[0].outputs)
    assert WIDGET_VIEW not in first and "labkit-snapshot" in first["text/html"] and "text/plain" in first
    assert WIDGET_VIEW in second  # not a labkit widget: left alone
    assert "widgets" not in back.metadata


def test_token_inspector_checks_an_external_idps_token_as_cognito_would(sb):
    google_token = sb.idp("google").sign_in("alice@gmail.com", client_id="photos.apps.googleusercontent.com")
    inspector = show.token(google_token)
    ok, title, detail = inspector.verdict
    assert ok and title.startswith("Verified: Google signed this token")
    wrong = show.token(google_token, client_id="another-app")
    assert not wrong.verdict[0] and wrong.verdict[1].startswith("IncorrectAudience: Invalid login token.")
    sb.advance(3601)
    inspector.check_button.click()
    assert not inspector.verdict[0] and inspector.verdict[1].startswith("Expired")
