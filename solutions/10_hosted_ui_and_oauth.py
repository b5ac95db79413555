"""Model solutions of notebook 10 · Hosted UI and OAuth 2.0 (exercises 10.1-10.3), written as a learner writes them."""

import base64
import hashlib
from urllib.parse import urlencode


# 10.1 · A PKCE challenge
def s256_challenge(verifier):
    """The S256 PKCE challenge of a code verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


# 10.2 · What the authorization server answers
predictions = {
    "code used twice": "invalid_grant",
    "another verifier": "invalid_grant",
    "unregistered redirect_uri": "redirect_mismatch",
}


# 10.3 · Your own authorize request
def build_authorize_url(base, client_id, redirect_uri, verifier, state):
    """The /oauth2/authorize URL of a code grant with PKCE."""
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
              "scope": "openid email profile", "state": state,
              "code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    return f"{base}/oauth2/authorize?{urlencode(params)}"


ANSWERS = {"10.1": s256_challenge, "10.2": predictions, "10.3": build_authorize_url}
