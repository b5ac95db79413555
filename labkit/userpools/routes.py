"""HTTP endpoints of a user pool that are not API operations: its JWKS and OpenID configuration.

``GET https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json`` (developer guide,
"Verifying a JSON web token"), the same path on ``sb.endpoint_url``, and
``/.well-known/openid-configuration`` beside it. A pool that does not exist gets 404, as on AWS.
"""

from __future__ import annotations

import json
import re

from ..wire.request import Response

_PATH = re.compile(r"^/(?P<pool>(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+)/\.well-known/(?P<doc>jwks\.json|openid-configuration)$")


def _json(status: int, doc: dict) -> Response:
    return Response.of(status, json.dumps(doc), "application/json;charset=UTF-8", **{"Access-Control-Allow-Origin": "*"})


class WellKnownRoute:
    def __init__(self, component):
        self.component = component

    def __call__(self, request) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        m = _PATH.match(request.path or "")
        if not m:
            return None
        if request.transport == "in-process" and "cognito-idp." not in request.url:
            return None
        pool = self.component.find_pool(m.group("pool"))
        if pool is None:
            return _json(404, {"message": f"User pool {m.group('pool')} does not exist."})
        if m.group("doc") == "jwks.json":
            return _json(200, self.component.jwks(pool.id))
        return _json(200, self.component.openid_configuration(pool))
