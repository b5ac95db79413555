"""The hosted UI (managed login) and the OAuth 2.0 / OpenID Connect endpoints of user pools, in the sandbox.

On AWS a user pool with a domain (``create_user_pool_domain``) serves, at
``https://<domain>.auth.<region>.amazoncognito.com``, the endpoints of the Amazon Cognito Developer Guide's
"User pool endpoints and managed login reference": ``/oauth2/authorize``, ``/login``, ``/oauth2/token``,
``/oauth2/userInfo``, ``/oauth2/revoke``, ``/logout``, and ``/oauth2/idpresponse`` / ``/saml2/idpresponse`` for
sign-in through Google, OIDC and SAML identity providers (the pool as identity broker). moto has none of them.

In a sandbox served over HTTP (``labkit.Sandbox(serve=True)``) they are at the same address with ``https://``
replaced by the sandbox's endpoint::

    import labkit.hostedui
    base = labkit.hostedui.base_url(sb, pool_id)
    # http://127.0.0.1:<port>/<domain>.auth.us-east-1.amazoncognito.com
    print(f"{base}/oauth2/authorize?client_id={client_id}&response_type=code&redirect_uri=...")

Layout: :mod:`.oauth` (the authorization server's decisions), :mod:`.pkce` (RFC 7636), :mod:`.broker`
(federation), :mod:`.upstream` (the IdPs' side of a brokered sign-in), :mod:`.routes` (HTTP), :mod:`.pages` (HTML).
"""

from __future__ import annotations

from ..errors import LabkitError
from .broker import Broker
from .oauth import AuthorizationServer, OAuthError
from .pkce import s256 as code_challenge

__all__ = ["install", "HostedUI", "base_url", "aws_base_url", "code_challenge", "OAuthError"]


class HostedUI:
    """The hosted-UI component of one sandbox (``sb.components["hostedui"]``)."""

    def __init__(self, sandbox, userpools):
        from .routes import HostedUIRoutes

        self.sandbox = sandbox
        self.userpools = userpools
        self.server = AuthorizationServer(sandbox, userpools)
        self.broker = Broker(sandbox, self.server)
        self.routes = HostedUIRoutes(self)

    def domain_of(self, pool_id: str) -> str:
        """``<domain>.auth.<region>.amazoncognito.com`` (or the custom domain) of a pool; LabkitError without one."""
        pool = self.userpools.find_pool(pool_id) if isinstance(pool_id, str) else None
        if pool is None:
            raise LabkitError(f"There is no user pool {pool_id!r} in this sandbox. Use the Id that create_user_pool "
                              "returned (resp['UserPool']['Id']).")
        domain = pool.domain
        if domain is None:
            raise LabkitError(f"The user pool {pool_id} has no domain, so it has no hosted UI. Give it one first: "
                              f"boto3.client('cognito-idp').create_user_pool_domain(Domain='my-prefix', UserPoolId='{pool_id}')")
        name = domain.domain
        return name if "." in name else f"{name}.auth.{pool.region}.amazoncognito.com"

    def aws_base_url(self, pool_id: str) -> str:
        """Where the pool's hosted UI lives on AWS: ``https://<domain>.auth.<region>.amazoncognito.com``."""
        return f"https://{self.domain_of(pool_id)}"

    def base_url(self, pool_id: str) -> str:
        """Where the pool's hosted UI lives in this sandbox (needs ``serve=True``)."""
        from ..wire.addressing import served_url

        return served_url(self.sandbox.endpoint_url, self.aws_base_url(pool_id))  # the one addressing rule


def _component(sandbox) -> HostedUI:
    comp = getattr(sandbox, "components", {}).get("hostedui")
    if comp is None or not getattr(sandbox, "running", False):
        raise LabkitError("This sandbox is not running (or has no hosted UI). Start one: "
                          "sb = labkit.Sandbox.fresh(serve=True)")
    return comp


def base_url(sandbox, pool_id: str) -> str:
    """The base URL of a user pool's hosted UI in the sandbox: AWS's ``https://<domain>.auth.<region>.amazoncognito.com``
    with ``https://`` replaced by ``sb.endpoint_url + "/"``. The pool needs a domain; the sandbox ``serve=True``."""
    return _component(sandbox).base_url(pool_id)


def aws_base_url(sandbox, pool_id: str) -> str:
    """The same hosted UI's address on AWS (``https://<domain>.auth.<region>.amazoncognito.com``)."""
    return _component(sandbox).aws_base_url(pool_id)


def install(sandbox) -> HostedUI:
    """Register the hosted UI's routes (and the mock IdPs' code-flow pages, before labkit.idps's own)."""
    userpools = sandbox.components.get("userpools")
    if userpools is None:  # LABKIT_COMPONENTS left the user pools out: no hosted UI either
        return None
    component = HostedUI(sandbox, userpools)
    sandbox.dispatcher.routes.insert(0, component.routes.upstream)
    sandbox.dispatcher.routes.append(component.routes)
    return component
