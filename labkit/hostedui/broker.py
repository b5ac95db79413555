"""The user pool as identity broker: sign-in through Google, an OIDC provider or a SAML IdP (no HTTP here).

Amazon Cognito Developer Guide, "User pool sign-in with third party identity providers"
(``cognito-user-pools-identity-federation.html``), "Adding social identity providers", "Using OIDC identity
providers with a user pool", "Using SAML identity providers with a user pool", and "Mapping IdP attributes to
profiles and tokens" (``cognito-user-pools-specifying-attribute-mapping.html``):

1. ``/oauth2/authorize?identity_provider=<ProviderName>`` (or the button on the login page) sends the browser to
   the IdP: for Google and OIDC an authorization-code request whose ``redirect_uri`` is the pool's
   ``/oauth2/idpresponse``; for SAML an ``AuthnRequest`` whose assertion consumer service is the pool's
   ``/saml2/idpresponse`` and whose issuer (the SP entity ID) is ``urn:amazon:cognito:sp:<user pool ID>``.
2. The IdP signs the user in and sends the browser back. The pool redeems the code for the IdP's ID token and
   verifies it (issuer, audience = the ``client_id`` of ProviderDetails, signature, expiry, nonce), or verifies
   the SAML response's signature against the IdP's metadata, its audience and its time window.
3. The pool creates (first time) or updates the federated user ``<ProviderName>_<user id>`` (status
   ``EXTERNAL_PROVIDER``, the ``identities`` attribute, a member of the group ``<user pool ID>_<ProviderName>``)
   and writes the mapped attributes (``AttributeMapping``: user pool attribute -> IdP claim) at every sign-in.
4. The sign-in continues as a managed-login one: a code (or tokens) for the app's redirect URI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt

from .. import moto_adapter
from ..errors import LabkitError
from .oauth import AuthorizationRequest, AuthorizationServer, OAuthError
from .upstream import OpenIdCodeFlow, authn_request, new_request_id

#: How long the pool waits for the IdP to send the user back.
FEDERATION_LIFETIME = 900
SP_ENTITY_ID = "urn:amazon:cognito:sp:{pool_id}"
SIMULATED_TYPES = ("Google", "OIDC", "SAML")


class FederationFailed(Exception):
    """The IdP's answer was refused; ``request`` is the app's, so the error goes to its redirect URI."""

    def __init__(self, request: AuthorizationRequest | None, error: OAuthError):
        super().__init__(str(error))
        self.request = request
        self.error = error


@dataclass
class PendingFederation:
    """A user sent to an IdP, whom the pool expects back (the ``state`` / ``RelayState`` it gave the IdP)."""

    request: AuthorizationRequest
    provider_name: str
    expires: float
    nonce: str | None = None
    saml_request_id: str | None = None


@dataclass
class Broker:
    sandbox: object
    server: AuthorizationServer
    pending: dict = field(default_factory=dict)
    flows: OpenIdCodeFlow = None

    def __post_init__(self):
        if self.flows is None:
            self.flows = OpenIdCodeFlow(self.sandbox)

    # ------------------------------------------------------------------ which IdPs
    def identity_providers(self, pool, client) -> list:
        """The federated IdPs the login page offers: the client's ``SupportedIdentityProviders`` that exist."""
        out = []
        for name in self.server.config(client, "SupportedIdentityProviders") or []:
            provider = pool.identity_providers.get(name)
            if name != "COGNITO" and provider is not None:
                out.append(provider)
        return out

    @staticmethod
    def provider_type(provider) -> str:
        return provider.extended_config.get("ProviderType") or ""

    @staticmethod
    def details(provider) -> dict:
        return provider.extended_config.get("ProviderDetails") or {}

    def openid_provider(self, provider):
        """The mock OIDC provider (``labkit.idps``) behind a Google or OIDC identity provider of a pool."""
        idps = self.sandbox.components.get("idps")
        if idps is None:
            raise LabkitError("This sandbox has no mock identity providers (labkit.idps).")
        if self.provider_type(provider) == "Google":
            return idps.google
        issuer = self.details(provider).get("oidc_issuer") or ""
        if not issuer:
            raise LabkitError(f"The OIDC identity provider {provider.name} has no oidc_issuer in its ProviderDetails.")
        return idps.openid(issuer)

    def directory(self, provider):
        """The simulated Active Directory whose metadata a SAML identity provider of a pool was given."""
        from .. import saml

        component = self.sandbox.components.get("saml")
        metadata = self.details(provider).get("MetadataFile") or ""
        entity_id, _ = saml._read_metadata(metadata)
        for ad in (component.directories.values() if component else []):
            if ad.entity_id == entity_id:
                return ad
        raise LabkitError(f"The SAML identity provider {provider.name}'s metadata names {entity_id or 'no entityID'}, "
                          "which is not a simulated Active Directory of this sandbox (use sb.idp('active-directory').metadata).")

    # ------------------------------------------------------------------ 1. to the IdP
    def start(self, request: AuthorizationRequest, provider_name: str, *, pool_base: str, idp_base: str) -> str:
        """The URL of the IdP's sign-in page for this authorization request.

        ``pool_base``: where this pool's hosted UI is served (its ``/oauth2/idpresponse``); ``idp_base``: where
        the sandbox serves the mock IdPs' pages.
        """
        pool = self.server.userpools.find_pool(request.pool_id)
        provider = pool.identity_providers.get(provider_name)
        kind = self.provider_type(provider) if provider else ""
        if provider is None or kind not in SIMULATED_TYPES:
            why = (f"{provider_name} is a {kind} identity provider, which the sandbox does not simulate in the hosted UI "
                   f"(it simulates {', '.join(SIMULATED_TYPES)})." if provider else f"There is no identity provider {provider_name}.")
            raise OAuthError("invalid_request", why, redirect=True)
        state = _state(self.sandbox.random)
        pending = PendingFederation(request, provider.name, self.sandbox.clock.time() + FEDERATION_LIFETIME)
        self.pending[state] = pending
        if kind == "SAML":
            ad = self.directory(provider)
            pending.saml_request_id = new_request_id(self.sandbox.random)
            destination = f"{idp_base}/adfs/{ad.name}/ls/"
            saml_request = authn_request(request_id=pending.saml_request_id, issuer=SP_ENTITY_ID.format(pool_id=pool.id),
                                         acs_url=f"{pool_base}/saml2/idpresponse", destination=destination,
                                         now=self.sandbox.clock.time())
            return f"{destination}?{urlencode({'SAMLRequest': saml_request, 'RelayState': state})}"
        details = self.details(provider)
        idp = self.openid_provider(provider)
        pending.nonce = _state(self.sandbox.random)
        query = {"client_id": details.get("client_id", ""), "redirect_uri": f"{pool_base}/oauth2/idpresponse",
                 "response_type": "code", "scope": details.get("authorize_scopes") or "openid email profile",
                 "state": state, "nonce": pending.nonce}
        path = "/o/oauth2/v2/auth" if kind == "Google" else "/authorize"
        return f"{idp_base}{idp.route}{path}?{urlencode(query)}"

    def _take(self, state: str | None) -> PendingFederation:
        pending = self.pending.pop(state or "", None)
        if pending is None or self.sandbox.clock.time() > pending.expires:
            raise FederationFailed(None, OAuthError("invalid_request", "Invalid state: the sign-in at the identity provider "
                                                    "was not started by this user pool, or took too long."))
        return pending

    # ------------------------------------------------------------------ 2. back from the IdP
    def finish_openid(self, state: str | None, code: str | None, error: str | None, *, pool_base: str):
        """``/oauth2/idpresponse``: redeem the IdP's code, verify its ID token, sign the user in to the pool."""
        pending = self._take(state)
        request = pending.request
        pool = self.server.userpools.find_pool(request.pool_id)
        provider = pool.identity_providers.get(pending.provider_name)
        if error or not code:
            raise FederationFailed(request, OAuthError("access_denied" if error == "access_denied" else "invalid_request",
                                                       error or "The identity provider returned no code.", redirect=True))
        details = self.details(provider)
        idp = self.openid_provider(provider)
        try:
            id_token = self.flows.redeem(code, client_id=details.get("client_id", ""), redirect_uri=f"{pool_base}/oauth2/idpresponse")
            header = jwt.get_unverified_header(id_token)
            claims = jwt.decode(id_token, idp.public_key(header.get("kid")), algorithms=["RS256"],
                                audience=details.get("client_id", ""), issuer=idp.issuer,
                                options={"verify_iat": False, "verify_exp": False})
        except (LabkitError, jwt.PyJWTError, TypeError, ValueError):
            raise FederationFailed(request, OAuthError("invalid_request", "Invalid token from the identity provider.", redirect=True)) from None
        if self.sandbox.clock.time() >= claims.get("exp", 0) or claims.get("nonce") != pending.nonce:
            raise FederationFailed(request, OAuthError("invalid_request", "Invalid token from the identity provider.", redirect=True))
        user = self.federated_user(pool, provider, claims)
        return request, user

    def finish_saml(self, relay_state: str | None, saml_response: str | None):
        """``/saml2/idpresponse``: verify the SAML response (signature by a certificate of the provider's metadata,
        issuer, audience ``urn:amazon:cognito:sp:<pool id>``, time window), sign the user in to the pool."""
        from .. import saml

        pending = self._take(relay_state)
        request = pending.request
        pool = self.server.userpools.find_pool(request.pool_id)
        provider = pool.identity_providers.get(pending.provider_name)
        metadata = self.details(provider).get("MetadataFile") or ""
        entity_id, certificates = saml._read_metadata(metadata)

        def refuse(why: str):
            return FederationFailed(request, OAuthError("invalid_request", f"Invalid SAML response received: {why}", redirect=True))

        try:
            root = saml._parse(saml_response or "")
            status = root.find(f"{{{saml.PROTOCOL}}}Status/{{{saml.PROTOCOL}}}StatusCode")
            if status is None or status.get("Value") != saml.SUCCESS:
                raise refuse("the identity provider did not sign the user in")
            checked = saml.Provider("", provider.name, self.sandbox.account_id, entity_id, certificates)
            now = self.sandbox.clock.time()
            assertion = saml._verified_assertion(root, checked, now)
        except saml.AssertionRefused as exc:
            raise refuse(getattr(exc, "reason", None) or str(exc)) from None
        A = lambda tag: f"{{{saml.ASSERTION}}}{tag}"  # noqa: E731
        if (assertion.findtext(A("Issuer")) or "").strip() != entity_id:
            raise refuse("the issuer is not the identity provider's entityID")
        audiences = [(a.text or "").strip() for a in assertion.iterfind(f"{A('Conditions')}/{A('AudienceRestriction')}/{A('Audience')}")]
        if SP_ENTITY_ID.format(pool_id=pool.id) not in audiences:
            raise refuse(f"Audience does not match, expected urn:amazon:cognito:sp:{pool.id}")
        conditions = assertion.find(A("Conditions"))
        until = saml._epoch(conditions.get("NotOnOrAfter"), "NotOnOrAfter") if conditions is not None else None
        data = assertion.find(f"{A('Subject')}/{A('SubjectConfirmation')}/{A('SubjectConfirmationData')}")
        confirm = saml._epoch(data.get("NotOnOrAfter"), "NotOnOrAfter") if data is not None else None
        if any(t is not None and now >= t for t in (until, confirm)):
            raise refuse("the assertion has expired")
        name_id = (assertion.findtext(f"{A('Subject')}/{A('NameID')}") or "").strip()
        if not name_id:
            raise refuse("the Subject has no NameID")
        claims = {"sub": name_id}
        for attr in assertion.iterfind(f"{A('AttributeStatement')}/{A('Attribute')}"):
            values = [(v.text or "").strip() for v in attr.iterfind(A("AttributeValue"))]
            if values:
                claims[attr.get("Name") or ""] = values[0] if len(values) == 1 else ",".join(values)
        user = self.federated_user(pool, provider, claims, issuer=entity_id)
        return request, user

    # ------------------------------------------------------------------ 3. the federated user
    def federated_user(self, pool, provider, claims: dict, issuer: str | None = None):
        """Create or update ``<ProviderName>_<user id>`` with the mapped attributes ("Mapping IdP attributes")."""
        mapping = dict(provider.extended_config.get("AttributeMapping") or {"username": "sub"})
        user_id = str(claims.get(mapping.get("username") or "sub") or claims.get("sub") or "")
        username = f"{provider.name}_{user_id}"
        attrs = {}
        for pool_attr, idp_claim in mapping.items():
            if pool_attr == "username" or idp_claim not in claims:
                continue
            value = claims[idp_claim]
            attrs[pool_attr] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        user = pool.users.get(username)
        if user is None:
            identities = [{"userId": user_id, "providerName": provider.name, "providerType": self.provider_type(provider),
                           "issuer": issuer, "primary": True, "dateCreated": int(self.sandbox.clock.time() * 1000)}]
            user = moto_adapter.new_user(pool.id, username, None, "EXTERNAL_PROVIDER",
                                         [{"Name": k, "Value": v} for k, v in {**attrs, "identities": json.dumps(identities)}.items()])
            user.id = str(_uuid(self.sandbox.random))
            user.update_attributes([{"Name": "sub", "Value": user.id}])
            pool.users[username] = user
            self._join_provider_group(pool, provider, user)
        elif attrs:
            user.update_attributes([{"Name": k, "Value": v} for k, v in attrs.items()])
        user.attribute_lookup = moto_adapter.flatten_attrs(user.attributes)
        return user

    def _join_provider_group(self, pool, provider, user) -> None:
        """Cognito puts federated users in the group ``<user pool ID>_<ProviderName>`` (made on first use)."""
        backend = self.server.backend(pool.region)
        name = f"{pool.id}_{provider.name}"
        if name not in pool.groups:
            backend.create_group(pool.id, name, f"Autogenerated group for users who sign in using {provider.name}", None, None)
        backend.admin_add_user_to_group(pool.id, name, user.username)


def _state(random) -> str:
    import base64

    return base64.urlsafe_b64encode(random.randbytes(24)).rstrip(b"=").decode()


def _uuid(random):
    import uuid

    return uuid.UUID(int=random.getrandbits(128), version=4)


