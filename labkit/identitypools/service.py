"""``cognito-identity`` (awsJson1.1): each operation unpacks its parameters, asks :mod:`.models`, packs the answer.

Operations and members as the API reference names them
(https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_Operations.html).
"""

from __future__ import annotations

from ..wire.dispatch import Service, operation
from .exceptions import InvalidParameterException, ValidationException
from .models import IdentityPools, _date

MAX_RESULTS = 60
MAX_DELETE = 60


def _paginate(items: list, params: dict, limit_key: str = "MaxResults") -> tuple[list, str | None]:
    limit = params.get(limit_key)
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS):
        raise InvalidParameterException(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy constraint: "
                                        "Member must have value between 1 and 60")
    start = 0
    if params.get("NextToken"):
        try:
            start = int(params["NextToken"])
        except ValueError:
            raise InvalidParameterException("Invalid NextToken.") from None
    end = start + (limit or MAX_RESULTS)
    return items[start:end], (str(end) if end < len(items) else None)


def _page(params: dict, items: list, key: str, pack, **head) -> dict:
    page, token = _paginate(items, params)
    out = dict(head)
    out[key] = [pack(i) for i in page]
    if token:
        out["NextToken"] = token
    return out


def _pool_config(params: dict) -> dict:
    return {
        "allow_classic_flow": params.get("AllowClassicFlow"),
        "supported_login_providers": params.get("SupportedLoginProviders"),
        "developer_provider_name": params.get("DeveloperProviderName"),
        "open_id_connect_provider_arns": params.get("OpenIdConnectProviderARNs"),
        "cognito_identity_providers": params.get("CognitoIdentityProviders"),
        "saml_provider_arns": params.get("SamlProviderARNs"),
        "tags": params.get("IdentityPoolTags"),
    }


class CognitoIdentityService(Service):
    """``cognito-identity`` (awsJson1.1): unpacks each operation's parameters for :class:`IdentityPools`."""

    signing_name = "cognito-identity"
    protocol = "json"
    # A user pool id where an identity pool id belongs is a ValidationException on AWS (labkit.constraints).
    checked_identifiers = frozenset({"IdentityPoolId", "IdentityId"})
    constraint_error = ValidationException

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.state = IdentityPools(sandbox)

    def jwks(self) -> dict:
        """The keys that verify ``GetOpenIdToken*`` tokens (served at ``/.well-known/jwks_uri``)."""
        from .. import webidentity as wi

        return self.sandbox.keys.jwks(wi.COGNITO_IDENTITY)

    def _pool(self, params):
        return self.state.pool(params.get("IdentityPoolId"))

    # pools
    @operation("CreateIdentityPool")
    def create_identity_pool(self, params, ctx):
        pool = self.state.create_pool(ctx.region, params.get("IdentityPoolName"), params.get("AllowUnauthenticatedIdentities"), **_pool_config(params))
        return pool.describe()

    @operation("DescribeIdentityPool")
    def describe_identity_pool(self, params, ctx):
        return self._pool(params).describe()

    @operation("UpdateIdentityPool")
    def update_identity_pool(self, params, ctx):
        pool = self._pool(params)
        return self.state.update_pool(pool, params.get("IdentityPoolName"), params.get("AllowUnauthenticatedIdentities"), **_pool_config(params)).describe()

    @operation("DeleteIdentityPool")
    def delete_identity_pool(self, params, ctx):
        self.state.delete_pool(self._pool(params))
        return {}

    @operation("ListIdentityPools")
    def list_identity_pools(self, params, ctx):
        return _page(params, self.state.pools_in(ctx.region), "IdentityPools",
                     lambda p: {"IdentityPoolId": p.id, "IdentityPoolName": p.name})

    # tags
    @operation("TagResource")
    def tag_resource(self, params, ctx):
        self.state.pool_by_arn(params.get("ResourceArn")).tags.update(params.get("Tags") or {})
        return {}

    @operation("UntagResource")
    def untag_resource(self, params, ctx):
        pool = self.state.pool_by_arn(params.get("ResourceArn"))
        for key in params.get("TagKeys") or []:
            pool.tags.pop(key, None)
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, params, ctx):
        return {"Tags": dict(self.state.pool_by_arn(params.get("ResourceArn")).tags)}

    # roles
    @operation("SetIdentityPoolRoles")
    def set_identity_pool_roles(self, params, ctx):
        self.state.set_roles(self._pool(params), params.get("Roles") or {}, params.get("RoleMappings"))
        return {}

    @operation("GetIdentityPoolRoles")
    def get_identity_pool_roles(self, params, ctx):
        pool = self._pool(params)
        out = {"IdentityPoolId": pool.id, "Roles": dict(pool.roles)}
        if pool.role_mappings:
            out["RoleMappings"] = pool.role_mappings
        return out

    # attributes for access control
    @operation("SetPrincipalTagAttributeMap")
    def set_principal_tag_attribute_map(self, params, ctx):
        return self.state.set_tag_map(self._pool(params), params.get("IdentityProviderName"), params.get("UseDefaults", False), params.get("PrincipalTags"))

    @operation("GetPrincipalTagAttributeMap")
    def get_principal_tag_attribute_map(self, params, ctx):
        return self.state.tag_map(self._pool(params), params.get("IdentityProviderName"))

    # identities
    @operation("GetId")
    def get_id(self, params, ctx):
        return {"IdentityId": self.state.get_id(self._pool(params), params.get("Logins")).id}

    @operation("GetCredentialsForIdentity")
    def get_credentials_for_identity(self, params, ctx):
        ident = self.state.identity(params.get("IdentityId"))
        ident, creds = self.state.credentials(ident, params.get("Logins"), params.get("CustomRoleArn"))
        return {"IdentityId": ident.id, "Credentials": {"AccessKeyId": creds.access_key_id, "SecretKey": creds.secret_access_key,
                                                        "SessionToken": creds.session_token, "Expiration": _date(creds.expiration)}}

    @operation("GetOpenIdToken")
    def get_open_id_token(self, params, ctx):
        ident, token = self.state.basic_flow_token(self.state.identity(params.get("IdentityId")), params.get("Logins"))
        return {"IdentityId": ident.id, "Token": token}

    @operation("GetOpenIdTokenForDeveloperIdentity")
    def get_open_id_token_for_developer_identity(self, params, ctx):
        ident, token = self.state.developer_token(self._pool(params), params.get("IdentityId"), params.get("Logins") or {},
                                                  params.get("TokenDuration"), params.get("PrincipalTags"))
        return {"IdentityId": ident.id, "Token": token}

    @operation("LookupDeveloperIdentity")
    def lookup_developer_identity(self, params, ctx):
        ident, users = self.state.lookup_developer(self._pool(params), params.get("IdentityId"), params.get("DeveloperUserIdentifier"))
        return _page(params, users, "DeveloperUserIdentifierList", lambda u: u, IdentityId=ident.id)

    @operation("MergeDeveloperIdentities")
    def merge_developer_identities(self, params, ctx):
        dest = self.state.merge_developers(self._pool(params), params.get("DeveloperProviderName"),
                                           params.get("SourceUserIdentifier"), params.get("DestinationUserIdentifier"))
        return {"IdentityId": dest.id}

    @operation("UnlinkDeveloperIdentity")
    def unlink_developer_identity(self, params, ctx):
        pool = self._pool(params)
        self.state.unlink_developer(pool, self.state.identity(params.get("IdentityId")),
                                    params.get("DeveloperProviderName"), params.get("DeveloperUserIdentifier"))
        return {}

    @operation("UnlinkIdentity")
    def unlink_identity(self, params, ctx):
        ident = self.state.identity(params.get("IdentityId"))
        self.state.unlink(ident, params.get("Logins") or {}, params.get("LoginsToRemove") or [])
        return {}

    @operation("DescribeIdentity")
    def describe_identity(self, params, ctx):
        return self.state.identity(params.get("IdentityId")).describe()

    @operation("ListIdentities")
    def list_identities(self, params, ctx):
        pool = self._pool(params)
        return _page(params, self.state.identities_of(pool, bool(params.get("HideDisabled"))), "Identities",
                     lambda i: i.describe(), IdentityPoolId=pool.id)

    @operation("DeleteIdentities")
    def delete_identities(self, params, ctx):
        ids = params.get("IdentityIdsToDelete") or []
        if not 1 <= len(ids) <= MAX_DELETE:
            raise InvalidParameterException("IdentityIdsToDelete must hold between 1 and 60 identity ids.")
        self.state.delete_identities(ids)
        return {"UnprocessedIdentityIds": []}
