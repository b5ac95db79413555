"""The identity service's HTTP endpoint besides the API: its signing keys.

``GetOpenIdToken*`` tokens are verified with the keys at
``https://cognito-identity.amazonaws.com/.well-known/jwks_uri`` (the ``jwks_uri`` of
``https://cognito-identity.amazonaws.com/.well-known/openid-configuration``).
"""

from __future__ import annotations

import json

from ..wire.request import Response

JWKS_PATH = "/.well-known/jwks_uri"


def jwks_route(sandbox):
    """A dispatcher route answering ``GET /.well-known/jwks_uri`` (unsigned) with the service's JWKS."""

    def route(request):
        if request.method == "GET" and request.path == JWKS_PATH and not request.header("Authorization"):
            return Response.of(200, json.dumps(sandbox.components["identitypools"].jwks()), "application/json")
        return None

    return route
