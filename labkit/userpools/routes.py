"""HTTP endpoints of a user pool that are not API operations: its JWKS and OpenID configuration.

``GET https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json`` (developer guide,
"Verifying a JSON web token"), and ``/.well-known/openid-configuration`` beside it; over HTTP at
``<endpoint>/cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/...`` (the rule of
:mod:`labkit.wire.addressing`; ``<endpoint>/<pool id>/.well-known/...`` too). Served over HTTP, the
discovery document names served endpoints and AWS's issuer. A pool that does not exist gets 404, as on AWS.
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
        from ..wire import addressing

        address = addressing.address_of(request)  # cognito-idp.<region>.amazonaws.com, in any form of the rule
        if address is not None and not address.host.startswith("cognito-idp."):
            return None
        if address is None and request.transport != "http":
            return None
        m = _PATH.match(address.path if address is not None else (request.path or ""))
        if not m:
            return None
        pool = self.component.find_pool(m.group("pool"))
        if pool is None:
            return _json(404, {"message": f"User pool {m.group('pool')} does not exist."})
        if m.group("doc") == "jwks.json":
            return _json(200, self.component.jwks(pool.id))
        # The document names the endpoints where this caller reaches them (AWS's hosts in-process, served URLs
        # over HTTP); the issuer stays AWS's, the one in the tokens (see labkit.wire.addressing).
        return _json(200, self.component.openid_configuration(pool, served=lambda host: addressing.served(request, host)))
