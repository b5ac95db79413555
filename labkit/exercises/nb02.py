"""Exercises of notebook 02 · Tokens: read a claim, verify an ID token, see revocation.

AWS: "Verifying JSON web tokens" and "Ending user sessions with token revocation" (Cognito Developer Guide).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "02-tokens"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _rebuild(token: str, header: dict | None = None, payload: dict | None = None) -> str:
    h, p, s = token.split(".")
    h = _b64(json.dumps(header).encode()) if header is not None else h
    p = _b64(json.dumps(payload).encode()) if payload is not None else p
    return f"{h}.{p}.{s}"


# ---------------------------------------------------------------------------------------------- 02.1
def _check_claim(claim, run):
    from labkit import tokens

    if not isinstance(claim, str):
        run.stop(f"Your answer is a {type(claim).__name__}; write the claim's name as a string, e.g. \"sub\".")
    pool_id, client_id = fx.user_pool(run, "ex0201-pool")
    result = fx.sign_in(run, client_id, "alice")
    _, access = tokens.decode_unverified(result["AccessToken"])
    _, id_claims = tokens.decode_unverified(result["IdToken"])
    name = claim.strip()
    if name not in access:
        why = f"The access token's claims are: {', '.join(sorted(access))}."
        if name == "aud":
            why = "aud holds the app client id in the ID token; the access token has no aud claim. " + why
        run.stop(f"A fresh access token has no claim {name!r}.", why)
    if access[name] != client_id:
        run.stop(f"The access token's {name!r} is {access[name]!r}, not the app client's id.",
                 "Sign in, decode the access token (tokens.decode_unverified) and find the claim whose value is the app client id.")
    run.passed(f"The access token's {name!r} claim is the app client id ({client_id}).")
    if id_claims.get("aud") == client_id:
        run.passed("In the ID token the same id is in aud: a verifier checks the right claim for each kind of token.")


# ---------------------------------------------------------------------------------------------- 02.2
def _forgeries(run, pool_id: str, client_id: str, result: dict) -> list[tuple[str, str, str]]:
    """(name, token, why it must be refused) for the notebook's gallery of forged tokens, and an expired one."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    from labkit import tokens

    id_token = result["IdToken"]
    header, payload = tokens.decode_unverified(id_token)
    forged = []
    edited = _rebuild(id_token, payload={**payload, "cognito:username": "admin", "cognito:groups": ["admins"]})
    forged.append(("a token whose payload was edited", edited, "its signature no longer matches: check the RS256 signature with the pool's public key."))
    alg_none = _rebuild(id_token, header={**header, "alg": "none"}).rsplit(".", 1)[0] + "."
    forged.append(("a token with alg 'none' and no signature", alg_none, "Cognito signs only with RS256: fix algorithms=['RS256'] yourself."))
    key = run.sb.keys.for_owner(pool_id)
    pem = key.private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = _rebuild(id_token, header={**header, "alg": "HS256"}).rsplit(".", 1)[0]
    hs256 = signing_input + "." + _b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    forged.append(("an HS256 token 'signed' with the pool's public key", hs256, "never let the header choose the algorithm: only RS256."))
    other_pool, other_client = fx.user_pool(run, "ex0202-other-pool")
    forged.append(("a genuine ID token of another user pool", fx.sign_in(run, other_client, "alice")["IdToken"],
                   "check iss is your pool (https://cognito-idp.<region>.amazonaws.com/<pool id>) and take keys only from your pool's JWKS."))
    idp = fx.client(run, "cognito-idp")
    mobile = idp.create_user_pool_client(UserPoolId=pool_id, ClientName=run.name("ex0202-mobile"),
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    forged.append(("a genuine ID token issued to another app client", fx.sign_in(run, mobile, "alice")["IdToken"],
                   "check the ID token's aud is your app client id."))
    forged.append(("the access token of the same sign-in", result["AccessToken"], "check token_use is 'id'."))
    now = run.sb.clock.time()
    expired = jwt.encode({**payload, "iat": int(now) - 7200, "auth_time": int(now) - 7200, "exp": int(now) - 3600},
                         key.private_key, algorithm="RS256", headers={"kid": key.kid})
    forged.append(("a token signed by the pool that expired an hour ago", expired, "check exp against the current time."))
    unknown_kid = _rebuild(id_token, header={**header, "kid": "attacker-key-1"})
    forged.append(("a token whose kid the pool never published", unknown_kid, "find the key by kid in your pool's JWKS; no key, no trust."))
    return forged


def _check_verify(verify_id_token, run):
    if not callable(verify_id_token):
        run.stop(f"verify_id_token is a {type(verify_id_token).__name__}, not a function.",
                 "Define it with def verify_id_token(token, pool_id, client_id): ...")
    # At the computer's time: a verifier with its own clock (PyJWT's) and tokens.verify agree on "now".
    with run.at_wall_clock():
        _check_gallery(verify_id_token, run)
        _check_other_region(verify_id_token, run)


def _check_other_region(verify_id_token, run):
    """A genuine token of a pool in another region: the issuer comes from the pool id, not the notebook."""
    region = run.other_region()
    pool_id, client_id = fx.user_pool(run, "ex0202-far-pool", region=region)
    token = fx.sign_in(run, client_id, "alice", region=region)["IdToken"]
    outcome = run.attempt(verify_id_token, token, pool_id, client_id)
    accepted = not outcome.raised and isinstance(outcome.value, dict) and outcome.value.get("cognito:username") == "alice"
    run.expect(accepted, f"A genuine ID token of a pool in {region} was refused"
               + (f" ({type(outcome.error).__name__})." if outcome.raised else "."),
               "Your function must work for any pool it is given: take everything you compare with from its "
               "arguments, not from the notebook's pool or region.",
               passed_text=f"A genuine ID token of a pool in another region ({region}) is accepted too.")


def _check_gallery(verify_id_token, run):
    pool_id, client_id = fx.user_pool(run, "ex0202-pool")
    result = fx.sign_in(run, client_id, "alice")
    claims = run.call(verify_id_token, result["IdToken"], pool_id, client_id, doing="verifying a genuine ID token of alice")
    if not isinstance(claims, dict) or claims.get("cognito:username") != "alice":
        run.stop(f"For a genuine ID token your function returned {_show(claims)}.",
                 "Return the token's verified claims (a dict with cognito:username 'alice').")
    run.passed("A genuine ID token is accepted and its claims returned.")
    for name, token, why in _forgeries(run, pool_id, client_id, result):
        outcome = run.attempt(verify_id_token, token, pool_id, client_id)
        refused = outcome.raised or not outcome.value
        run.expect(refused, f"{name[0].upper()}{name[1:]} was accepted.", f"Refuse it: {why}",
                   passed_text=f"Refused {name}.")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------------------- 02.3
def _check_still_signed_in(still_signed_in, run):
    if not callable(still_signed_in):
        run.stop(f"still_signed_in is a {type(still_signed_in).__name__}, not a function.",
                 "Define it with def still_signed_in(access_token): ...")
    pool_id, client_id = fx.user_pool(run, "ex0203-pool", users=("alice", "bob"))
    idp = fx.client(run, "cognito-idp")
    revoked = fx.sign_in(run, client_id, "alice")["AccessToken"]
    idp.global_sign_out(AccessToken=revoked)
    # Revoked, fresh, fresh, revoked: an answer that depends on how often it was called shows.
    for token, want, what in ((revoked, False, "an access token revoked by GlobalSignOut"),
                              (fx.sign_in(run, client_id, "bob")["AccessToken"], True, "a fresh access token"),
                              (fx.sign_in(run, client_id, "alice")["AccessToken"], True, "a fresh access token of a user who signed out before"),
                              (revoked, False, "the revoked token again")):
        answer = run.call(still_signed_in, token, doing=f"asking about {what}")
        why = ("The user just signed in: the token is valid and not revoked." if want else
               "A revoked token still has a valid signature and exp: only Cognito knows whether it was revoked.")
        run.expect(answer is want, f"For {what} your function returned {_show(answer)}, not {want}.", why,
                   passed_text=f"{what[0].upper()}{what[1:]}: {want}.")


EXERCISES = [
    Exercise(
        id="02.1", notebook=NOTEBOOK, level="read", kind="value",
        title="Read a claim",
        prompt="Which claim of an **access token** holds the id of the app client it was issued to? "
               "(In an ID token it is `aud`.) Put the claim's name in `claim`.",
        starter='claim = ...   # the claim\'s name, e.g. "sub"\n\ncheck("02.1", claim)',
        hints=["Look at the access token's claims in Step 2 (show(access_token)).",
               "The claim is named after what it holds: the id of the app *client*."],
        checker=_check_claim,
    ),
    Exercise(
        id="02.2", notebook=NOTEBOOK, level="write", kind="function",
        title="Verify an ID token",
        prompt="Write `verify_id_token(token, pool_id, client_id)`: it returns the claims of a genuine **ID** token "
               "that user pool `pool_id` issued to app client `client_id`, and raises an exception (or returns `None`) "
               "for anything else. The check signs alice in at a new pool and then hands your function the gallery of "
               "Step 4: an edited payload, `alg: none`, HS256, another pool's token, another app client's token, the "
               "access token, an expired token and an unknown `kid`. (Step 4 moved the sandbox's clock an hour ahead of "
               "your computer's: `tokens.verify` uses the sandbox's clock; plain PyJWT would think the tokens come from "
               "the future.)",
        starter=("def verify_id_token(token, pool_id, client_id):\n"
                 '    """The claims of a genuine ID token of pool_id for client_id; raise for anything else."""\n'
                 "    ...\n\n"
                 'check("02.2", verify_id_token)'),
        hints=["The issuer of a pool's tokens is f\"https://cognito-idp.{pool_id.split('_')[0]}.amazonaws.com/{pool_id}\".",
               "tokens.verify(token, client_id=..., token_use=..., issuer=...) performs every step of Step 3 (or use "
               "PyJWT with the pool's JWKS and algorithms=[\"RS256\"]).",
               "Four things to pin: the algorithm (RS256), the issuer (your pool), the audience (your app client) and "
               "token_use ('id')."],
        checker=_check_verify,
    ),
    Exercise(
        id="02.3", notebook=NOTEBOOK, level="use", kind="function",
        title="Signed out?",
        prompt="Write `still_signed_in(access_token)`: `True` while the token is valid, `False` once the user signed "
               "out with `GlobalSignOut`. Remember what Step 4 showed: a revoked token still verifies.",
        starter=("def still_signed_in(access_token):\n"
                 '    """True if Cognito still accepts this access token, False if it was revoked."""\n'
                 "    ...\n\n"
                 'check("02.3", still_signed_in)'),
        hints=["Signature checks cannot see revocation: ask Cognito.",
               "idp.get_user(AccessToken=access_token) succeeds for a valid token and raises ClientError "
               "NotAuthorizedException for a revoked one."],
        checker=_check_still_signed_in,
    ),
]
