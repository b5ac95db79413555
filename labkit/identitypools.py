"""Amazon Cognito identity pools (cognito-identity): identities, logins, roles, credentials.

"Amazon Cognito identity pools provide temporary AWS credentials for users who are guests
(unauthenticated) and for users who have been authenticated and received a token"
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-identity.html). moto stores pools and
hands out one constant key pair to anybody; here the service does what the API reference says
(https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/):

* ``GetId`` checks every login (signature, issuer, audience, expiry on the sandbox clock) against the
  providers configured on the pool, gives the same identity id to the same user every time, links several
  providers' logins to one identity, and refuses guests when the pool does not allow them.
* ``GetCredentialsForIdentity`` (the *enhanced* flow) picks the role (default roles, role mappings by
  token or rules, ``CustomRoleArn``), evaluates its trust policy as STS would and issues credentials IAM
  knows; ``GetOpenIdToken`` (the *basic* flow) returns a JWT signed by the identity service for
  STS ``AssumeRoleWithWebIdentity``. "Identity pools authentication flow"
  (https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html).
* Developer-authenticated identities, merging, unlinking, describing and listing identities.

:class:`IdentityPools` holds the state and the meaning; :class:`CognitoIdentityService` only unpacks the
wire's parameters. :func:`quick_identity_pool` is the lab's one-call set-up.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import uuid
from dataclasses import dataclass, field

import jwt

from . import webidentity as wi
from .errors import LabkitError, ServiceError
from .wire.dispatch import Service, operation
from .wire.request import Response

OPENID_TOKEN_LIFETIME = 600  # GetOpenIdToken: "The OpenID token is valid for 10 minutes."
DEVELOPER_TOKEN_LIFETIME = 900  # GetOpenIdTokenForDeveloperIdentity TokenDuration default (15 min)
ENHANCED_FLOW_DURATION = 3600  # GetCredentialsForIdentity: credentials for one hour
SESSION_NAME = "CognitoIdentityCredentials"
POOL_NAME = re.compile(r"^[\w\s+=,.@-]{1,128}$")
ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")
JWKS_PATH = "/.well-known/jwks_uri"


# ------------------------------------------------------------------------------------------------ errors
class NotAuthorized(ServiceError):
    def __init__(self, message):
        super().__init__("NotAuthorizedException", message)


class NotFound(ServiceError):
    def __init__(self, message):
        super().__init__("ResourceNotFoundException", message, status=400)


class InvalidParameter(ServiceError):
    def __init__(self, message):
        super().__init__("InvalidParameterException", message)


class Conflict(ServiceError):
    def __init__(self, message):
        super().__init__("ResourceConflictException", message)


class InvalidConfiguration(ServiceError):
    def __init__(self, message="Invalid identity pool configuration. Check assigned IAM roles for this pool."):
        super().__init__("InvalidIdentityPoolConfigurationException", message)


UNAUTHENTICATED_REFUSED = "Unauthenticated access is not supported for this identity pool."
UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
LOGINS_DONT_MATCH = "Logins don't match. Please include at least one valid login for this identity or identity pool."


# ------------------------------------------------------------------------------------------------ state
@dataclass
class IdentityPool:
    """An identity pool, as DescribeIdentityPool shows it, plus its roles."""

    id: str
    name: str
    allow_unauthenticated: bool
    allow_classic_flow: bool = False
    supported_login_providers: dict = field(default_factory=dict)
    developer_provider_name: str | None = None
    open_id_connect_provider_arns: list = field(default_factory=list)
    cognito_identity_providers: list = field(default_factory=list)
    saml_provider_arns: list = field(default_factory=list)
    tags: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)  # "authenticated" / "unauthenticated" -> role ARN
    role_mappings: dict = field(default_factory=dict)
    principal_tags: dict = field(default_factory=dict)  # provider name -> {"UseDefaults": bool, "PrincipalTags": {tag: claim}}

    @property
    def region(self) -> str:
        return self.id.split(":", 1)[0]

    def describe(self) -> dict:
        out = {
            "IdentityPoolId": self.id,
            "IdentityPoolName": self.name,
            "AllowUnauthenticatedIdentities": self.allow_unauthenticated,
            "AllowClassicFlow": self.allow_classic_flow,
            "SupportedLoginProviders": dict(self.supported_login_providers),
            "DeveloperProviderName": self.developer_provider_name,
            "OpenIdConnectProviderARNs": list(self.open_id_connect_provider_arns),
            "CognitoIdentityProviders": [dict(p) for p in self.cognito_identity_providers],
            "SamlProviderARNs": list(self.saml_provider_arns),
            "IdentityPoolTags": dict(self.tags),
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class Identity:
    """One identity: an id, and the logins (provider -> the user's subject there) linked to it."""

    id: str
    pool_id: str
    created: float
    modified: float
    logins: dict = field(default_factory=dict)  # one login per external provider
    developer_users: list = field(default_factory=list)  # DeveloperUserIdentifiers (several after a merge)
    developer_provider: str | None = None
    was_authenticated: bool = False  # once authenticated, an identity never serves guests again

    @property
    def authenticated(self) -> bool:
        return bool(self.logins) or bool(self.developer_users) or self.was_authenticated

    def describe(self) -> dict:
        logins = list(self.logins) + ([self.developer_provider] if self.developer_users else [])
        return {"IdentityId": self.id, "Logins": logins, "CreationDate": _date(self.created), "LastModifiedDate": _date(self.modified)}


def _date(epoch: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)


class IdentityPools:
    """Every identity pool and identity of one sandbox, and what Cognito does with them."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.pools: dict[str, IdentityPool] = {}
        self.identities: dict[str, Identity] = {}
        self._by_login: dict[tuple[str, str, str], str] = {}  # (pool id, provider, subject) -> identity id

    # ---------------------------------------------------------------- ids and lookups
    def _new_id(self, region: str) -> str:
        return f"{region}:{uuid.UUID(int=self.sandbox.random.getrandbits(128), version=4)}"

    def pool(self, pool_id) -> IdentityPool:
        pool = self.pools.get(pool_id) if isinstance(pool_id, str) else None
        if pool is None:
            raise NotFound(f"IdentityPool '{pool_id}' not found.")
        return pool

    def identity(self, identity_id) -> Identity:
        ident = self.identities.get(identity_id) if isinstance(identity_id, str) else None
        if ident is None:
            raise NotFound(f"Identity '{identity_id}' not found.")
        return ident

    # ---------------------------------------------------------------- pools
    @staticmethod
    def _check_name(name) -> None:
        if not isinstance(name, str) or not POOL_NAME.match(name):
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{name}' at 'identityPoolName' failed to satisfy "
                                                      "constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+")

    def create_pool(self, region: str, name: str, allow_unauthenticated: bool, **config) -> IdentityPool:
        self._check_name(name)
        pool = IdentityPool(self._new_id(region), name, bool(allow_unauthenticated))
        self._configure(pool, config)
        self.pools[pool.id] = pool
        return pool

    def update_pool(self, pool: IdentityPool, name: str, allow_unauthenticated: bool, **config) -> IdentityPool:
        """UpdateIdentityPool replaces the whole configuration (absent members are cleared, as on AWS)."""
        self._check_name(name)
        if pool.developer_provider_name and config.get("developer_provider_name") not in (None, pool.developer_provider_name):
            raise InvalidParameter("Cannot change DeveloperProviderName once it has been set.")
        pool.name = name
        pool.allow_unauthenticated = bool(allow_unauthenticated)
        config.setdefault("developer_provider_name", pool.developer_provider_name)
        self._configure(pool, config)
        return pool

    def _configure(self, pool: IdentityPool, config: dict) -> None:
        pool.allow_classic_flow = bool(config.get("allow_classic_flow") or False)
        pool.supported_login_providers = dict(config.get("supported_login_providers") or {})
        pool.developer_provider_name = config.get("developer_provider_name") or None
        pool.open_id_connect_provider_arns = list(config.get("open_id_connect_provider_arns") or [])
        providers = []
        for p in config.get("cognito_identity_providers") or []:
            entry = {"ProviderName": p.get("ProviderName"), "ClientId": p.get("ClientId"), "ServerSideTokenCheck": bool(p.get("ServerSideTokenCheck", False))}
            if not wi.USER_POOL_PROVIDER.match(entry["ProviderName"] or ""):
                raise InvalidParameter(f"Invalid Cognito Identity Provider: {entry['ProviderName']!r}. Use cognito-idp.<region>.amazonaws.com/<user pool id>.")
            providers.append(entry)
        pool.cognito_identity_providers = providers
        pool.saml_provider_arns = list(config.get("saml_provider_arns") or [])
        if config.get("tags") is not None:
            pool.tags = dict(config["tags"])

    def delete_pool(self, pool: IdentityPool) -> None:
        del self.pools[pool.id]
        for ident in [i for i in self.identities.values() if i.pool_id == pool.id]:
            self._forget(ident)

    # ---------------------------------------------------------------- roles
    def set_roles(self, pool: IdentityPool, roles: dict, mappings: dict | None) -> None:
        """SetIdentityPoolRoles: default roles and, per provider, a role mapping (Token or Rules)."""
        for kind, arn in roles.items():
            if kind not in ("authenticated", "unauthenticated"):
                raise InvalidParameter(f"Invalid role type '{kind}'. Roles keys are 'authenticated' and 'unauthenticated'.")
            if not isinstance(arn, str) or not ROLE_ARN.match(arn):
                raise NotAuthorized(f"Access to Role '{arn}' is forbidden.")
        for provider, mapping in (mappings or {}).items():
            if provider not in self._mappable_providers(pool):
                raise InvalidParameter(f"{provider} is not a valid RoleMapping ProviderName or is not a configured provider.")
            kind = mapping.get("Type")
            if kind not in ("Token", "Rules"):
                raise InvalidParameter(f"RoleMapping Type must be 'Token' or 'Rules', not {kind!r}.")
            if mapping.get("AmbiguousRoleResolution") not in ("AuthenticatedRole", "Deny"):
                raise InvalidParameter("AmbiguousRoleResolution must be 'AuthenticatedRole' or 'Deny' for Token and Rules role mappings.")
            if kind == "Rules":
                rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
                if not rules:
                    raise InvalidParameter("RulesConfiguration with at least one rule is required for a Rules role mapping.")
                for rule in rules:
                    if rule.get("MatchType") not in ("Equals", "Contains", "StartsWith", "NotEqual"):
                        raise InvalidParameter(f"Invalid MatchType {rule.get('MatchType')!r}: use Equals, Contains, StartsWith or NotEqual.")
                    if not ROLE_ARN.match(rule.get("RoleARN") or ""):
                        raise NotAuthorized(f"Access to Role '{rule.get('RoleARN')}' is forbidden.")
        pool.roles = dict(roles)
        pool.role_mappings = {k: json.loads(json.dumps(v)) for k, v in (mappings or {}).items()}

    @staticmethod
    def _mappable_providers(pool: IdentityPool) -> set:
        names = set(pool.supported_login_providers)
        names |= {f"{p['ProviderName']}:{p['ClientId']}" for p in pool.cognito_identity_providers}
        names |= {arn.split("oidc-provider/", 1)[-1] for arn in pool.open_id_connect_provider_arns}
        names |= set(pool.saml_provider_arns)
        return names

    # ---------------------------------------------------------------- logins
    def check_login(self, pool: IdentityPool, provider: str, token: str) -> wi.WebIdentity:
        """Validate one entry of ``Logins`` against the pool's configuration (NotAuthorizedException if not)."""
        sb = self.sandbox
        try:
            if provider in (wi.GOOGLE, wi.FACEBOOK, wi.AMAZON) and provider in pool.supported_login_providers:
                audiences = [a.strip() for a in str(pool.supported_login_providers[provider]).split(",") if a.strip()]
                check = {wi.GOOGLE: wi.google, wi.FACEBOOK: wi.facebook, wi.AMAZON: wi.amazon}[provider]
                return check(sb, token, audiences)
            if provider == wi.COGNITO_IDENTITY and pool.developer_provider_name:
                identity = wi.cognito_identity(sb, token)
                if identity.audience != pool.id:
                    raise wi.IncorrectAudience()
                return identity
            configured = [p for p in pool.cognito_identity_providers if p["ProviderName"] == provider]
            if configured:
                return wi.user_pool(sb, token, provider, [p["ClientId"] for p in configured],
                                    server_side_check=any(p["ServerSideTokenCheck"] for p in configured))
            arn = next((a for a in pool.open_id_connect_provider_arns if a.split("oidc-provider/", 1)[-1] == provider), None)
            if arn is not None:
                registered = wi.iam_oidc_provider_for(sb, arn)
                if registered is None:
                    raise wi.BadSignature()
                return wi.openid(sb, token, provider, registered.client_id_list)
            if provider in pool.saml_provider_arns:
                return _saml_login(sb, provider, token)
        except wi.LoginRejected as why:
            raise NotAuthorized(f"Invalid login token. {why.reason}") from None
        raise NotAuthorized(UNSUPPORTED_PROVIDER)

    def check_logins(self, pool: IdentityPool, logins: dict) -> list[wi.WebIdentity]:
        if not isinstance(logins, dict):
            raise InvalidParameter("Logins must be a map of provider name to token.")
        if len(logins) > 10:
            raise InvalidParameter("A maximum of 10 logins can be provided.")
        return [self.check_login(pool, provider, token) for provider, token in logins.items()]

    def _owner(self, pool: IdentityPool, web: wi.WebIdentity) -> Identity | None:
        if web.provider == wi.COGNITO_IDENTITY:  # our own OpenID token names its identity
            ident = self.identities.get(web.subject)
            return ident if ident is not None and ident.pool_id == pool.id else None
        ident_id = self._by_login.get((pool.id, web.provider, web.subject))
        return self.identities.get(ident_id) if ident_id else None

    def _is_developer(self, ident: Identity, provider: str) -> bool:
        pool = self.pools.get(ident.pool_id)
        return pool is not None and provider == pool.developer_provider_name

    def _link(self, ident: Identity, provider: str, subject: str) -> None:
        if self._is_developer(ident, provider):
            if subject not in ident.developer_users:
                ident.developer_users.append(subject)
            ident.developer_provider = provider
            ident.was_authenticated = True
            ident.modified = self.sandbox.clock.time()
            self._by_login[(ident.pool_id, provider, subject)] = ident.id
            return
        current = ident.logins.get(provider)
        if current is not None and current != subject:
            raise Conflict(f"Identity '{ident.id}' is already linked to a different login of provider {provider}.")
        ident.logins[provider] = subject
        ident.was_authenticated = True
        ident.modified = self.sandbox.clock.time()
        self._by_login[(ident.pool_id, provider, subject)] = ident.id

    def _merge(self, into: Identity, other: Identity) -> None:
        """Move ``other``'s logins onto ``into`` and retire ``other`` (Cognito's identity merge)."""
        for provider, subject in other.logins.items():
            if provider in into.logins and into.logins[provider] != subject:
                raise Conflict(f"Logins of identities '{into.id}' and '{other.id}' conflict for provider {provider}: "
                               "an identity can be linked to only one login per provider.")
        for provider, subject in list(other.logins.items()):
            self._link(into, provider, subject)
        for subject in list(other.developer_users):
            self._link(into, other.developer_provider, subject)
        sync = self.sandbox.components.get("sync")
        if sync is not None:  # the merged identity's Cognito Sync datasets move with it
            sync.backend.merge_identity(other.pool_id, other.id, into.id)
        self._forget(other)

    def _forget(self, ident: Identity) -> None:
        self.identities.pop(ident.id, None)
        for key in [k for k, v in self._by_login.items() if v == ident.id]:
            del self._by_login[key]

    def _new_identity(self, pool: IdentityPool) -> Identity:
        now = self.sandbox.clock.time()
        ident = Identity(self._new_id(pool.region), pool.id, now, now)
        self.identities[ident.id] = ident
        return ident

    def resolve(self, pool: IdentityPool, webs: list[wi.WebIdentity], given: Identity | None = None) -> Identity:
        """The identity these logins belong to: found, linked, created or merged, as Cognito does.

        * No identity given: the identity any login is linked to (several -> merged into the oldest), or a
          new one; the logins not yet linked are linked to it.
        * A guest identity given: it keeps its id and gets the logins, unless a login already belongs to
          another identity -- then the guest is merged into that one.
        * A signed-in identity given: at least one login must be its own (NotAuthorizedException "Logins
          don't match"); other logins are linked to it, identities they belong to are merged into it.
        """
        owners: list[Identity] = []
        for web in webs:
            owner = self._owner(pool, web)
            if owner is not None and owner not in owners:
                owners.append(owner)
        if given is not None:
            if given.authenticated:
                if given not in owners:
                    raise NotAuthorized(LOGINS_DONT_MATCH)
                target = given
            else:
                target = owners[0] if owners else given
                if target is not given:
                    owners.insert(0, given)
        elif owners:
            target = min(owners, key=lambda i: i.created)
        else:
            target = self._new_identity(pool)
        # conflicts first, so that nothing changes when we refuse: one login per external provider
        combined = dict(target.logins)
        incoming = [o.logins for o in owners if o is not target]
        incoming.append({w.provider: w.subject for w in webs if w.provider != wi.COGNITO_IDENTITY and not self._is_developer(target, w.provider)})
        for logins in incoming:
            for provider, subject in logins.items():
                if combined.setdefault(provider, subject) != subject:
                    raise Conflict(f"Identity '{target.id}' is already linked to a different login of provider {provider}.")
        for other in owners:
            if other is not target:
                self._merge(target, other)
        for web in webs:
            if web.provider != wi.COGNITO_IDENTITY:
                self._link(target, web.provider, web.subject)
        if webs:
            target.was_authenticated = True
        return target

    # ---------------------------------------------------------------- GetId
    def get_id(self, pool: IdentityPool, logins: dict | None) -> Identity:
        if not logins:
            if not pool.allow_unauthenticated:
                raise NotAuthorized(UNAUTHENTICATED_REFUSED)
            return self._new_identity(pool)
        return self.resolve(pool, self.check_logins(pool, logins))

    def _authorize(self, ident: Identity, logins: dict | None) -> tuple[Identity, list[wi.WebIdentity]]:
        """Who may use this identity: its own logins, or nobody (a guest) when the pool allows guests."""
        pool = self.pool(ident.pool_id)
        if logins:
            webs = self.check_logins(pool, logins)
            return self.resolve(pool, webs, ident), webs
        if ident.authenticated:
            raise NotAuthorized(f"Access to Identity '{ident.id}' is forbidden.")
        if not pool.allow_unauthenticated:
            raise NotAuthorized(UNAUTHENTICATED_REFUSED)
        return ident, []

    # ---------------------------------------------------------------- credentials (enhanced flow)
    def choose_role(self, pool: IdentityPool, webs: list[wi.WebIdentity], custom_role_arn: str | None) -> str:
        """Which role an identity gets ("Using role-based access control", role-based-access-control.html)."""
        if not webs:
            role = pool.roles.get("unauthenticated")
            if not role:
                raise InvalidConfiguration()
            return role
        for web in webs:
            key = f"{web.provider}:{web.audience}" if wi.USER_POOL_PROVIDER.match(web.provider) else web.provider
            mapping = pool.role_mappings.get(key)
            if mapping:
                break
        else:
            web, mapping = webs[0], None
            if web.provider in pool.saml_provider_arns:
                # SAML: the role comes from the assertion's Role attribute; several -> CustomRoleArn picks one
                key, mapping = web.provider, {"Type": "Token", "AmbiguousRoleResolution": "Deny"}
        if mapping is None:
            role = pool.roles.get("authenticated")
            if custom_role_arn and custom_role_arn != role:
                raise NotAuthorized("The role ARN provided is not one the identity provider's token allows (CustomRoleArn).")
            if not role:
                raise InvalidConfiguration()
            return role
        chosen = None
        if mapping["Type"] == "Token":
            roles = web.claims.get("cognito:roles") or []
            roles = [roles] if isinstance(roles, str) else list(roles)
            preferred = web.claims.get("cognito:preferred_role")
            if custom_role_arn:
                if custom_role_arn not in roles:
                    raise NotAuthorized("The role ARN provided is not one the identity provider's token allows (CustomRoleArn).")
                chosen = custom_role_arn
            elif preferred:
                chosen = preferred
            elif len(roles) == 1:
                chosen = roles[0]
        else:
            for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
                if _rule_matches(rule, web.claims.get(rule.get("Claim"))):
                    chosen = rule["RoleARN"]
                    break
            if custom_role_arn and custom_role_arn != chosen:
                raise NotAuthorized("The role ARN provided is not one the identity provider's token allows (CustomRoleArn).")
        if chosen:
            return chosen
        if mapping.get("AmbiguousRoleResolution") == "AuthenticatedRole":
            role = pool.roles.get("authenticated")
            if not role:
                raise InvalidConfiguration()
            return role
        raise NotAuthorized(f"The ambiguous role mapping rules for: {key} denied this request.")

    def cognito_keys(self, pool: IdentityPool, ident: Identity, webs: list[wi.WebIdentity]) -> dict:
        """The condition keys of an identity-pool session (as STS sees an identity pool's OpenID token)."""
        return {f"{wi.COGNITO_IDENTITY}:aud": pool.id, f"{wi.COGNITO_IDENTITY}:sub": ident.id,
                f"{wi.COGNITO_IDENTITY}:amr": self.amr(webs)}

    @staticmethod
    def amr(webs: list[wi.WebIdentity]) -> list[str]:
        if not webs:
            return ["unauthenticated"]
        amr = ["authenticated"]
        for web in webs:
            if web.provider == wi.COGNITO_IDENTITY:
                amr += [a for a in web.claims.get("amr", []) if a not in amr]
            else:
                amr += [web.provider] + ([web.amr] if web.amr else [])
        return amr

    def credentials(self, ident: Identity, logins: dict | None, custom_role_arn: str | None):
        ident, webs = self._authorize(ident, logins)
        pool = self.pool(ident.pool_id)
        role_arn = self.choose_role(pool, webs, custom_role_arn)
        keys = self.cognito_keys(pool, ident, webs)
        session = wi.WebIdentity(wi.COGNITO_IDENTITY, ident.id, pool.id, 0, {"amr": keys[f"{wi.COGNITO_IDENTITY}:amr"]}, keys)
        extra = {}
        for web in webs:
            extra.update(web.keys)
        try:
            creds = wi.assume_role(self.sandbox, role_arn, session, session_name=SESSION_NAME, duration=ENHANCED_FLOW_DURATION,
                                   source="GetCredentialsForIdentity", identity_id=ident.id, extra_keys=extra,
                                   session_tags=self.session_tags(pool, webs))
        except wi.TrustRefused:
            raise InvalidConfiguration() from None
        if not webs:  # issue 14 hook: a guest's enhanced-flow session gets Cognito's scope-down (labkit.auth.guests)
            from .auth.guests import scope_down
            scope_down(creds)
        return ident, creds

    # ---------------------------------------------------------------- attributes for access control
    def tag_map(self, pool: IdentityPool, provider: str) -> dict:
        """Get/SetPrincipalTagAttributeMap's answer for one provider ("Using attributes for access control",
        attributes-for-access-control.html): the defaults map ``sub`` and ``aud`` to two tags."""
        entry = pool.principal_tags.get(provider) or {"UseDefaults": False, "PrincipalTags": {}}
        tags = dict(entry["PrincipalTags"])
        if entry["UseDefaults"]:
            tags = dict(DEFAULT_PRINCIPAL_TAGS.get(_provider_kind(provider), {}))
        return {"IdentityPoolId": pool.id, "IdentityProviderName": provider, "UseDefaults": entry["UseDefaults"], "PrincipalTags": tags}

    def set_tag_map(self, pool: IdentityPool, provider: str, use_defaults: bool, tags: dict | None) -> dict:
        known = self._mappable_providers(pool) | {p["ProviderName"] for p in pool.cognito_identity_providers}
        if provider not in known:
            raise InvalidParameter(f"{provider} is not a configured provider of this identity pool.")
        if len(tags or {}) > 50:
            raise InvalidParameter("A maximum of 50 principal tags can be mapped.")
        pool.principal_tags[provider] = {"UseDefaults": bool(use_defaults), "PrincipalTags": dict(tags or {})}
        return self.tag_map(pool, provider)

    def session_tags(self, pool: IdentityPool, webs: list[wi.WebIdentity]) -> dict:
        """The session tags a sign-in carries: each mapped claim of each login, as ``aws:PrincipalTag/<tag>``."""
        tags = {}
        for web in webs:
            name = next((n for n in (web.provider, f"{web.provider}:{web.audience}") if n in pool.principal_tags), None)
            if name is None:
                continue
            for tag, claim in self.tag_map(pool, name)["PrincipalTags"].items():
                value = web.claims.get(claim, {"sub": web.subject, "aud": web.audience}.get(claim))
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    tags[tag] = str(value)
        return tags

    # ---------------------------------------------------------------- OpenID tokens (basic flow, developer identities)
    def open_id_token(self, pool: IdentityPool, ident: Identity, amr: list[str], lifetime: int, principal_tags: dict | None = None) -> str:
        key = self.sandbox.keys.for_owner(wi.COGNITO_IDENTITY)
        now = int(self.sandbox.clock.time())
        claims = {"sub": ident.id, "aud": pool.id, "amr": amr, "iss": wi.COGNITO_IDENTITY_ISSUER,
                  "https://cognito-identity.amazonaws.com/identity-pool-arn": f"arn:aws:cognito-identity:{pool.region}:{self.sandbox.account_id}:identitypool/{pool.id}",
                  "exp": now + lifetime, "iat": now}
        if principal_tags:
            claims["https://aws.amazon.com/tags"] = {"principal_tags": {k: [v] for k, v in principal_tags.items()}}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def developer_login(self, pool: IdentityPool, logins: dict) -> tuple[str, list[wi.WebIdentity]]:
        if not pool.developer_provider_name or pool.developer_provider_name not in (logins or {}):
            raise NotAuthorized("Please provide a valid developer provider name in Logins: "
                                f"{pool.developer_provider_name or '(the pool has no DeveloperProviderName)'}.")
        user = logins[pool.developer_provider_name]
        others = {k: v for k, v in logins.items() if k != pool.developer_provider_name}
        webs = self.check_logins(pool, others)
        dev = wi.WebIdentity(pool.developer_provider_name, str(user), pool.id, 0, {}, {}, "")
        return str(user), [dev] + webs

    def developer_identity(self, pool: IdentityPool, identity_id: str | None, logins: dict) -> tuple[Identity, list[wi.WebIdentity]]:
        user, webs = self.developer_login(pool, logins)
        given = self.identity(identity_id) if identity_id else None
        if given is not None and given.pool_id != pool.id:
            raise NotFound(f"Identity '{identity_id}' not found.")
        owner = self._owner(pool, webs[0])
        if given is not None and owner is not None and owner is not given:
            raise ServiceError("DeveloperUserAlreadyRegisteredException",
                               "The provided developer user identifier is already registered with Cognito under a different identity ID.")
        if given is not None and given.authenticated and owner is None:
            for web in webs:
                self._link(given, web.provider, web.subject)
            return given, webs
        return self.resolve(pool, webs, given), webs

    def developer_amr(self, pool: IdentityPool, webs: list[wi.WebIdentity]) -> list[str]:
        amr = ["authenticated", wi.COGNITO_IDENTITY, f"{wi.COGNITO_IDENTITY}:{pool.id}:{pool.developer_provider_name}"]
        for web in webs[1:]:
            amr += [web.provider] + ([web.amr] if web.amr else [])
        return amr


DEFAULT_PRINCIPAL_TAGS = {
    "user-pool": {"username": "sub", "client": "aud"},
    wi.GOOGLE: {"username": "sub", "client": "aud"},
    wi.FACEBOOK: {"username": "id", "client": "app_id"},
    wi.AMAZON: {"username": "user_id", "client": "app_id"},
    "oidc": {"username": "sub", "client": "aud"},
}


def _provider_kind(provider: str) -> str:
    if wi.USER_POOL_PROVIDER.match(provider.split(":", 1)[0]):  # "<provider>" or "<provider>:<app client id>"
        return "user-pool"
    if provider in (wi.GOOGLE, wi.FACEBOOK, wi.AMAZON):
        return provider
    return "saml" if provider.startswith("arn:aws:iam::") else "oidc"


def _rule_matches(rule: dict, claim) -> bool:
    """A role-mapping rule: Equals, Contains, StartsWith, NotEqual on one claim of the token."""
    value, match = str(rule.get("Value", "")), rule.get("MatchType")
    if claim is None:
        return match == "NotEqual"
    values = [str(c) for c in claim] if isinstance(claim, (list, tuple)) else [str(claim)]
    if match == "Equals":
        return value in values
    if match == "NotEqual":
        return value not in values
    if match == "Contains":
        return any(value in v for v in values)
    if match == "StartsWith":
        return any(v.startswith(value) for v in values)
    return False


def _saml_login(sb, provider_arn: str, assertion: str) -> wi.WebIdentity:
    """SAML logins are :mod:`labkit.saml`'s to check (hook: ``cognito_login(sandbox, provider_arn, assertion)``)."""
    try:
        from . import saml
    except ImportError:
        saml = None
    hook = getattr(saml, "cognito_login", None)
    if hook is None:
        raise wi.LoginRejected("SAML logins are not simulated in this sandbox yet.")
    return hook(sb, provider_arn, assertion)


# ------------------------------------------------------------------------------------------------ the wire
def _paginate(items: list, params: dict, limit_key: str = "MaxResults") -> tuple[list, str | None]:
    limit = params.get(limit_key)
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 60):
        raise InvalidParameter(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy constraint: "
                               "Member must have value between 1 and 60")
    start = 0
    if params.get("NextToken"):
        try:
            start = int(params["NextToken"])
        except ValueError:
            raise InvalidParameter("Invalid NextToken.") from None
    end = start + (limit or 60)
    return items[start:end], (str(end) if end < len(items) else None)


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

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.state = IdentityPools(sandbox)

    def jwks(self) -> dict:
        """The keys that verify ``GetOpenIdToken*`` tokens (served at ``/.well-known/jwks_uri``)."""
        return self.sandbox.keys.jwks(wi.COGNITO_IDENTITY)

    # pools
    @operation("CreateIdentityPool")
    def create_identity_pool(self, params, ctx):
        pool = self.state.create_pool(ctx.region, params.get("IdentityPoolName"), params.get("AllowUnauthenticatedIdentities"), **_pool_config(params))
        return pool.describe()

    @operation("DescribeIdentityPool")
    def describe_identity_pool(self, params, ctx):
        return self.state.pool(params.get("IdentityPoolId")).describe()

    @operation("UpdateIdentityPool")
    def update_identity_pool(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        return self.state.update_pool(pool, params.get("IdentityPoolName"), params.get("AllowUnauthenticatedIdentities"), **_pool_config(params)).describe()

    @operation("DeleteIdentityPool")
    def delete_identity_pool(self, params, ctx):
        self.state.delete_pool(self.state.pool(params.get("IdentityPoolId")))
        return {}

    @operation("ListIdentityPools")
    def list_identity_pools(self, params, ctx):
        pools = [p for p in self.state.pools.values() if p.region == ctx.region]
        page, token = _paginate(pools, params)
        out = {"IdentityPools": [{"IdentityPoolId": p.id, "IdentityPoolName": p.name} for p in page]}
        if token:
            out["NextToken"] = token
        return out

    # tags
    def _pool_by_arn(self, arn):
        pool_id = str(arn or "").split("identitypool/", 1)[-1]
        return self.state.pool(pool_id)

    @operation("TagResource")
    def tag_resource(self, params, ctx):
        self._pool_by_arn(params.get("ResourceArn")).tags.update(params.get("Tags") or {})
        return {}

    @operation("UntagResource")
    def untag_resource(self, params, ctx):
        pool = self._pool_by_arn(params.get("ResourceArn"))
        for key in params.get("TagKeys") or []:
            pool.tags.pop(key, None)
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, params, ctx):
        return {"Tags": dict(self._pool_by_arn(params.get("ResourceArn")).tags)}

    # roles
    @operation("SetIdentityPoolRoles")
    def set_identity_pool_roles(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        self.state.set_roles(pool, params.get("Roles") or {}, params.get("RoleMappings"))
        return {}

    @operation("GetIdentityPoolRoles")
    def get_identity_pool_roles(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        out = {"IdentityPoolId": pool.id, "Roles": dict(pool.roles)}
        if pool.role_mappings:
            out["RoleMappings"] = pool.role_mappings
        return out

    # attributes for access control
    @operation("SetPrincipalTagAttributeMap")
    def set_principal_tag_attribute_map(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        return self.state.set_tag_map(pool, params.get("IdentityProviderName"), params.get("UseDefaults", False), params.get("PrincipalTags"))

    @operation("GetPrincipalTagAttributeMap")
    def get_principal_tag_attribute_map(self, params, ctx):
        return self.state.tag_map(self.state.pool(params.get("IdentityPoolId")), params.get("IdentityProviderName"))

    # identities
    @operation("GetId")
    def get_id(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        return {"IdentityId": self.state.get_id(pool, params.get("Logins")).id}

    @operation("GetCredentialsForIdentity")
    def get_credentials_for_identity(self, params, ctx):
        ident = self.state.identity(params.get("IdentityId"))
        ident, creds = self.state.credentials(ident, params.get("Logins"), params.get("CustomRoleArn"))
        return {"IdentityId": ident.id, "Credentials": {"AccessKeyId": creds.access_key_id, "SecretKey": creds.secret_access_key,
                                                        "SessionToken": creds.session_token, "Expiration": _date(creds.expiration)}}

    @operation("GetOpenIdToken")
    def get_open_id_token(self, params, ctx):
        ident = self.state.identity(params.get("IdentityId"))
        pool = self.state.pool(ident.pool_id)
        if not pool.allow_classic_flow:
            raise InvalidParameter("Basic (classic) flow is not enabled, please use enhanced flow.")
        ident, webs = self.state._authorize(ident, params.get("Logins"))
        token = self.state.open_id_token(pool, ident, self.state.amr(webs), OPENID_TOKEN_LIFETIME)
        return {"IdentityId": ident.id, "Token": token}

    @operation("GetOpenIdTokenForDeveloperIdentity")
    def get_open_id_token_for_developer_identity(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        duration = params.get("TokenDuration", DEVELOPER_TOKEN_LIFETIME)
        if not isinstance(duration, int) or not 1 <= duration <= 86400:
            raise InvalidParameter("TokenDuration must be between 1 and 86400 seconds (24 hours).")
        ident, webs = self.state.developer_identity(pool, params.get("IdentityId"), params.get("Logins") or {})
        token = self.state.open_id_token(pool, ident, self.state.developer_amr(pool, webs), duration, params.get("PrincipalTags"))
        return {"IdentityId": ident.id, "Token": token}

    @operation("LookupDeveloperIdentity")
    def lookup_developer_identity(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        dev = pool.developer_provider_name
        identity_id, user = params.get("IdentityId"), params.get("DeveloperUserIdentifier")
        if not identity_id and not user:
            raise InvalidParameter("Either IdentityId or DeveloperUserIdentifier must be provided.")
        if user:
            found = self.state._by_login.get((pool.id, dev, user)) if dev else None
            if found is None or (identity_id and identity_id != found):
                raise NotFound(f"Developer user identifier '{user}' not found.")
            identity_id = found
        ident = self.state.identities.get(identity_id)
        if ident is None or ident.pool_id != pool.id:
            raise NotFound(f"Identity '{identity_id}' not found.")
        users = [s for (p, prov, s), i in self.state._by_login.items() if i == ident.id and prov == dev]
        page, token = _paginate(users, params)
        out = {"IdentityId": ident.id, "DeveloperUserIdentifierList": page}
        if token:
            out["NextToken"] = token
        return out

    @operation("MergeDeveloperIdentities")
    def merge_developer_identities(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        dev = params.get("DeveloperProviderName")
        if dev != pool.developer_provider_name:
            raise InvalidParameter(f"Developer provider name '{dev}' is not the DeveloperProviderName of this identity pool.")
        ids = [self.state._by_login.get((pool.id, dev, params.get(k))) for k in ("SourceUserIdentifier", "DestinationUserIdentifier")]
        for key, found in zip(("SourceUserIdentifier", "DestinationUserIdentifier"), ids):
            if found is None:
                raise NotFound(f"Developer user identifier '{params.get(key)}' not found.")
        source, dest = (self.state.identities[i] for i in ids)
        if source is not dest:
            self.state._merge(dest, source)
        return {"IdentityId": dest.id}

    @operation("UnlinkDeveloperIdentity")
    def unlink_developer_identity(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        ident = self.state.identity(params.get("IdentityId"))
        dev, user = params.get("DeveloperProviderName"), params.get("DeveloperUserIdentifier")
        if ident.pool_id != pool.id or dev != pool.developer_provider_name or user not in ident.developer_users:
            raise NotFound(f"Developer user identifier '{user}' is not linked to identity '{ident.id}'.")
        ident.developer_users.remove(user)
        self.state._by_login.pop((ident.pool_id, dev, user), None)
        ident.modified = self.sandbox.clock.time()
        return {}

    @operation("UnlinkIdentity")
    def unlink_identity(self, params, ctx):
        ident = self.state.identity(params.get("IdentityId"))
        pool = self.state.pool(ident.pool_id)
        logins = params.get("Logins") or {}
        webs = self.state.check_logins(pool, logins)
        if not any(ident.logins.get(w.provider) == w.subject for w in webs):
            raise NotAuthorized(LOGINS_DONT_MATCH)
        self._unlink(ident, [p for p in params.get("LoginsToRemove") or [] if p in ident.logins])
        return {}

    def _unlink(self, ident: Identity, providers: list[str]) -> None:
        for provider in providers:
            subject = ident.logins.pop(provider)
            self.state._by_login.pop((ident.pool_id, provider, subject), None)
        ident.modified = self.sandbox.clock.time()

    @operation("DescribeIdentity")
    def describe_identity(self, params, ctx):
        return self.state.identity(params.get("IdentityId")).describe()

    @operation("ListIdentities")
    def list_identities(self, params, ctx):
        pool = self.state.pool(params.get("IdentityPoolId"))
        idents = [i for i in self.state.identities.values() if i.pool_id == pool.id]
        if params.get("HideDisabled"):
            idents = [i for i in idents if i.logins or not i.was_authenticated]
        page, token = _paginate(idents, params)
        out = {"IdentityPoolId": pool.id, "Identities": [i.describe() for i in page]}
        if token:
            out["NextToken"] = token
        return out

    @operation("DeleteIdentities")
    def delete_identities(self, params, ctx):
        ids = params.get("IdentityIdsToDelete") or []
        if not 1 <= len(ids) <= 60:
            raise InvalidParameter("IdentityIdsToDelete must hold between 1 and 60 identity ids.")
        for identity_id in ids:
            ident = self.state.identities.get(identity_id)
            if ident is not None:
                self.state._forget(ident)
        return {"UnprocessedIdentityIds": []}


# ------------------------------------------------------------------------------------------------ JWKS route
def _jwks_route(sandbox):
    """The identity service's signing keys, at ``https://cognito-identity.amazonaws.com/.well-known/jwks_uri``."""

    def route(request):
        if request.method == "GET" and request.path == JWKS_PATH and not request.header("Authorization"):
            return Response.of(200, json.dumps(sandbox.components["identitypools"].jwks()), "application/json")
        return None

    return route


def install(sandbox) -> CognitoIdentityService:
    service = sandbox.dispatcher.register(CognitoIdentityService(sandbox))
    sandbox.dispatcher.routes.append(_jwks_route(sandbox))
    return service


# ------------------------------------------------------------------------------------------------ quick set-up
def _trust_policy(pool_id: str, amr: str) -> dict:
    """The trust policy the Cognito console writes for an identity pool's default roles."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}},
    }]}


DEFAULT_ROLE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": ["*"]}]}


def quick_identity_pool(sb, name: str, *, allow_guests: bool = True, user_pool: tuple | None = None, google_client_id: str | None = None,
                        facebook_app_id: str | None = None, amazon_app_id: str | None = None, allow_classic_flow: bool = False) -> dict:
    """Create an identity pool "the quick way", with its two default roles, using plain boto3 inside.

    Roles ``Cognito_<name>Auth_Role`` / ``Cognito_<name>Unauth_Role`` with the console's trust policy and
    AWS's old default permissions (Cognito Sync and Mobile Analytics only). ``user_pool`` is
    ``(user pool id, app client id)``. Returns ``IdentityPoolId``, ``AuthenticatedRoleArn``,
    ``UnauthenticatedRoleArn``.
    """
    import boto3

    if sb is None or not getattr(sb, "running", False):
        raise LabkitError("quick_identity_pool needs a running sandbox: sb = labkit.Sandbox.fresh(); quick_identity_pool(sb, 'MyApp').")
    if user_pool is not None and (not isinstance(user_pool, (tuple, list)) or len(user_pool) != 2):
        raise LabkitError("user_pool is a pair (user pool id, app client id), e.g. user_pool=(pool_id, client_id).")
    cognito = boto3.client("cognito-identity", region_name=sb.region)
    iam = boto3.client("iam", region_name=sb.region)
    providers = {}
    if google_client_id:
        providers[wi.GOOGLE] = google_client_id
    if facebook_app_id:
        providers[wi.FACEBOOK] = str(facebook_app_id)
    if amazon_app_id:
        providers[wi.AMAZON] = amazon_app_id
    kwargs = {"IdentityPoolName": name, "AllowUnauthenticatedIdentities": allow_guests, "AllowClassicFlow": allow_classic_flow}
    if providers:
        kwargs["SupportedLoginProviders"] = providers
    if user_pool is not None:
        pool_id, client_id = user_pool
        kwargs["CognitoIdentityProviders"] = [{"ProviderName": f"cognito-idp.{pool_id.split('_', 1)[0]}.amazonaws.com/{pool_id}",
                                               "ClientId": client_id, "ServerSideTokenCheck": False}]
    pool_id = cognito.create_identity_pool(**kwargs)["IdentityPoolId"]
    slug = re.sub(r"[^\w+=,.@-]", "", name)
    arns = {}
    for kind, amr, role_name in (("authenticated", "authenticated", f"Cognito_{slug}Auth_Role"),
                                 ("unauthenticated", "unauthenticated", f"Cognito_{slug}Unauth_Role")):
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_trust_policy(pool_id, amr)))["Role"]
        iam.put_role_policy(RoleName=role_name, PolicyName=f"oneClick_{role_name}", PolicyDocument=json.dumps(DEFAULT_ROLE_POLICY))
        arns[kind] = role["Arn"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=arns)
    return {"IdentityPoolId": pool_id, "AuthenticatedRoleArn": arns["authenticated"], "UnauthenticatedRoleArn": arns["unauthenticated"]}
