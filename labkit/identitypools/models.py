"""Identity pools' state and meaning: pools, identities and their logins, roles, tokens.

"Identity pools authentication flow" (Amazon Cognito Developer Guide, authentication-flow.html) and the
API reference (https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/): ``GetId`` gives the same
identity id to the same user every time and links several providers' logins to one identity, merging
identities when a login already belongs to another; guests are refused unless the pool allows them.
``GetCredentialsForIdentity`` (the *enhanced* flow) picks the role (:mod:`.rolemapping`) and has STS's
session issuer (:mod:`labkit.sessions`) evaluate its trust policy and issue credentials;
``GetOpenIdToken*`` (the *basic* flow, developer identities) sign a JWT with the identity service's key.
No HTTP and no request parsing here: :mod:`.service` unpacks the wire's parameters.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import uuid
from dataclasses import dataclass, field

import jwt

from .. import webidentity as wi
from ..sts import sessions
from . import logins as login_checks
from . import rolemapping
from .exceptions import (UNAUTHENTICATED_REFUSED, LOGINS_DONT_MATCH, DeveloperUserAlreadyRegisteredException,
                         InvalidIdentityPoolConfigurationException, InvalidParameterException, NotAuthorizedException,
                         ResourceConflictException, ResourceNotFoundException, ValidationException)

OPENID_TOKEN_LIFETIME = 600  # GetOpenIdToken: "The OpenID token is valid for 10 minutes."
DEVELOPER_TOKEN_LIFETIME = 900  # GetOpenIdTokenForDeveloperIdentity TokenDuration default (15 min)
MAX_DEVELOPER_TOKEN_LIFETIME = 86400
ENHANCED_FLOW_DURATION = 3600  # GetCredentialsForIdentity: credentials for one hour
SESSION_NAME = "CognitoIdentityCredentials"
POOL_NAME = re.compile(r"^[\w\s+=,.@-]{1,128}$")


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
            raise ResourceNotFoundException(f"IdentityPool '{pool_id}' not found.")
        return pool

    def identity(self, identity_id) -> Identity:
        ident = self.identities.get(identity_id) if isinstance(identity_id, str) else None
        if ident is None:
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        return ident

    def pools_in(self, region: str) -> list[IdentityPool]:
        return [p for p in self.pools.values() if p.region == region]

    def identities_of(self, pool: IdentityPool, hide_disabled: bool = False) -> list[Identity]:
        """ListIdentities: ``HideDisabled`` leaves out identities whose logins were all unlinked."""
        idents = [i for i in self.identities.values() if i.pool_id == pool.id]
        if hide_disabled:
            idents = [i for i in idents if i.logins or not i.was_authenticated]
        return idents

    def _linked(self, pool_id: str, provider: str, subject) -> Identity | None:
        ident_id = self._by_login.get((pool_id, provider, subject))
        return self.identities.get(ident_id) if ident_id else None

    # ---------------------------------------------------------------- pools
    @staticmethod
    def _check_name(name) -> None:
        if not isinstance(name, str) or not POOL_NAME.match(name):
            raise ValidationException(f"1 validation error detected: Value '{name}' at 'identityPoolName' failed to satisfy "
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
            raise InvalidParameterException("Cannot change DeveloperProviderName once it has been set.")
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
                raise InvalidParameterException(f"Invalid Cognito Identity Provider: {entry['ProviderName']!r}. Use cognito-idp.<region>.amazonaws.com/<user pool id>.")
            providers.append(entry)
        pool.cognito_identity_providers = providers
        pool.saml_provider_arns = list(config.get("saml_provider_arns") or [])
        if config.get("tags") is not None:
            pool.tags = dict(config["tags"])

    def delete_pool(self, pool: IdentityPool) -> None:
        del self.pools[pool.id]
        for ident in [i for i in self.identities.values() if i.pool_id == pool.id]:
            self.forget(ident)

    def pool_by_arn(self, arn) -> IdentityPool:
        """The pool of ``arn:aws:cognito-identity:<region>:<account>:identitypool/<pool id>`` (tagging)."""
        return self.pool(str(arn or "").split("identitypool/", 1)[-1])

    # ---------------------------------------------------------------- roles
    def set_roles(self, pool: IdentityPool, roles: dict, mappings: dict | None) -> None:
        """SetIdentityPoolRoles: default roles and, per provider, a role mapping (Token or Rules)."""
        rolemapping.check_roles(pool, roles, mappings)
        pool.roles = dict(roles)
        pool.role_mappings = {k: json.loads(json.dumps(v)) for k, v in (mappings or {}).items()}

    # ---------------------------------------------------------------- logins
    def check_logins(self, pool: IdentityPool, logins: dict) -> list[wi.WebIdentity]:
        return login_checks.check_logins(self.sandbox, pool, logins)

    def _owner(self, pool: IdentityPool, web: wi.WebIdentity) -> Identity | None:
        if web.provider == wi.COGNITO_IDENTITY:  # our own OpenID token names its identity
            ident = self.identities.get(web.subject)
            return ident if ident is not None and ident.pool_id == pool.id else None
        return self._linked(pool.id, web.provider, web.subject)

    def _is_developer(self, ident: Identity, provider: str) -> bool:
        pool = self.pools.get(ident.pool_id)
        return pool is not None and provider == pool.developer_provider_name

    def _link(self, ident: Identity, provider: str, subject: str) -> None:
        if self._is_developer(ident, provider):
            if subject not in ident.developer_users:
                ident.developer_users.append(subject)
            ident.developer_provider = provider
        else:
            current = ident.logins.get(provider)
            if current is not None and current != subject:
                raise ResourceConflictException(f"Identity '{ident.id}' is already linked to a different login of provider {provider}.")
            ident.logins[provider] = subject
        ident.was_authenticated = True
        ident.modified = self.sandbox.clock.time()
        self._by_login[(ident.pool_id, provider, subject)] = ident.id

    def merge(self, into: Identity, other: Identity) -> None:
        """Move ``other``'s logins onto ``into`` and retire ``other`` (Cognito's identity merge)."""
        for provider, subject in other.logins.items():
            if provider in into.logins and into.logins[provider] != subject:
                raise ResourceConflictException(f"Logins of identities '{into.id}' and '{other.id}' conflict for provider {provider}: "
                                                "an identity can be linked to only one login per provider.")
        for provider, subject in list(other.logins.items()):
            self._link(into, provider, subject)
        for subject in list(other.developer_users):
            self._link(into, other.developer_provider, subject)
        sync = self.sandbox.components.get("sync")
        if sync is not None:  # the merged identity's Cognito Sync datasets move with it
            sync.backend.merge_identity(other.pool_id, other.id, into.id)
        self.forget(other)

    def forget(self, ident: Identity) -> None:
        """The identity is deleted (DeleteIdentities, DeleteIdentityPool, or merged into another)."""
        self.identities.pop(ident.id, None)
        for key in [k for k, v in self._by_login.items() if v == ident.id]:
            del self._by_login[key]

    def delete_identities(self, identity_ids: list) -> None:
        for identity_id in identity_ids:
            ident = self.identities.get(identity_id)
            if ident is not None:
                self.forget(ident)

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
                    raise NotAuthorizedException(LOGINS_DONT_MATCH)
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
                    raise ResourceConflictException(f"Identity '{target.id}' is already linked to a different login of provider {provider}.")
        for other in owners:
            if other is not target:
                self.merge(target, other)
        for web in webs:
            if web.provider != wi.COGNITO_IDENTITY:
                self._link(target, web.provider, web.subject)
        if webs:
            target.was_authenticated = True
        return target

    # ---------------------------------------------------------------- GetId, unlinking
    def get_id(self, pool: IdentityPool, logins: dict | None) -> Identity:
        if not logins:
            if not pool.allow_unauthenticated:
                raise NotAuthorizedException(UNAUTHENTICATED_REFUSED)
            return self._new_identity(pool)
        return self.resolve(pool, self.check_logins(pool, logins))

    def authorize(self, ident: Identity, logins: dict | None) -> tuple[Identity, list[wi.WebIdentity]]:
        """Who may use this identity: its own logins, or nobody (a guest) when the pool allows guests."""
        pool = self.pool(ident.pool_id)
        if logins:
            webs = self.check_logins(pool, logins)
            return self.resolve(pool, webs, ident), webs
        if ident.authenticated:
            raise NotAuthorizedException(f"Access to Identity '{ident.id}' is forbidden.")
        if not pool.allow_unauthenticated:
            raise NotAuthorizedException(UNAUTHENTICATED_REFUSED)
        return ident, []

    def unlink(self, ident: Identity, logins: dict, providers: list) -> None:
        """UnlinkIdentity: one of ``logins`` must be the identity's own; ``providers`` it has are unlinked."""
        webs = self.check_logins(self.pool(ident.pool_id), logins)
        if not any(ident.logins.get(w.provider) == w.subject for w in webs):
            raise NotAuthorizedException(LOGINS_DONT_MATCH)
        for provider in [p for p in providers if p in ident.logins]:
            subject = ident.logins.pop(provider)
            self._by_login.pop((ident.pool_id, provider, subject), None)
        ident.modified = self.sandbox.clock.time()

    # ---------------------------------------------------------------- credentials (enhanced flow)
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
        ident, webs = self.authorize(ident, logins)
        pool = self.pool(ident.pool_id)
        role_arn = rolemapping.choose_role(pool, webs, custom_role_arn)
        keys = self.cognito_keys(pool, ident, webs)
        trust_keys = dict(keys, **{"aws:FederatedProvider": wi.COGNITO_IDENTITY})
        extra = {}
        for web in webs:
            extra.update(web.keys)
        try:
            creds = sessions.issue(self.sandbox, sessions.find_role(self.sandbox, role_arn), action="sts:AssumeRoleWithWebIdentity",
                                   principal=wi.COGNITO_IDENTITY, trust_keys=trust_keys, session_keys={**trust_keys, **extra},
                                   name=SESSION_NAME, seconds=ENHANCED_FLOW_DURATION, source="GetCredentialsForIdentity",
                                   session_tags=self.session_tags(pool, webs), identity_id=ident.id, subject=ident.id)
        except sessions.TrustRefused:
            raise InvalidIdentityPoolConfigurationException() from None
        if not webs:  # issue 14 hook: a guest's enhanced-flow session gets Cognito's scope-down (labkit.auth.guests)
            from ..auth.guests import scope_down
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
        known = rolemapping.mappable_providers(pool) | {p["ProviderName"] for p in pool.cognito_identity_providers}
        if provider not in known:
            raise InvalidParameterException(f"{provider} is not a configured provider of this identity pool.")
        if len(tags or {}) > 50:
            raise InvalidParameterException("A maximum of 50 principal tags can be mapped.")
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

    # ---------------------------------------------------------------- OpenID tokens (basic flow)
    def open_id_token(self, pool: IdentityPool, ident: Identity, amr: list[str], lifetime: int, principal_tags: dict | None = None) -> str:
        key = self.sandbox.keys.for_owner(wi.COGNITO_IDENTITY)
        now = int(self.sandbox.clock.time())
        claims = {"sub": ident.id, "aud": pool.id, "amr": amr, "iss": wi.COGNITO_IDENTITY_ISSUER,
                  "https://cognito-identity.amazonaws.com/identity-pool-arn": f"arn:aws:cognito-identity:{pool.region}:{self.sandbox.account_id}:identitypool/{pool.id}",
                  "exp": now + lifetime, "iat": now}
        if principal_tags:
            claims["https://aws.amazon.com/tags"] = {"principal_tags": {k: [v] for k, v in principal_tags.items()}}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def basic_flow_token(self, ident: Identity, logins: dict | None) -> tuple[Identity, str]:
        """GetOpenIdToken: the classic flow must be enabled on the pool; the token lives 10 minutes."""
        pool = self.pool(ident.pool_id)
        if not pool.allow_classic_flow:
            raise InvalidParameterException("Basic (classic) flow is not enabled, please use enhanced flow.")
        ident, webs = self.authorize(ident, logins)
        return ident, self.open_id_token(pool, ident, self.amr(webs), OPENID_TOKEN_LIFETIME)

    # ---------------------------------------------------------------- developer-authenticated identities
    def developer_login(self, pool: IdentityPool, logins: dict) -> tuple[str, list[wi.WebIdentity]]:
        if not pool.developer_provider_name or pool.developer_provider_name not in (logins or {}):
            raise NotAuthorizedException("Please provide a valid developer provider name in Logins: "
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
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        owner = self._owner(pool, webs[0])
        if given is not None and owner is not None and owner is not given:
            raise DeveloperUserAlreadyRegisteredException()
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

    def developer_token(self, pool: IdentityPool, identity_id: str | None, logins: dict, duration, principal_tags: dict | None):
        """GetOpenIdTokenForDeveloperIdentity: ``TokenDuration`` 1 s to 24 h (default 15 min)."""
        if duration is None:
            duration = DEVELOPER_TOKEN_LIFETIME
        if not isinstance(duration, int) or not 1 <= duration <= MAX_DEVELOPER_TOKEN_LIFETIME:
            raise InvalidParameterException("TokenDuration must be between 1 and 86400 seconds (24 hours).")
        ident, webs = self.developer_identity(pool, identity_id, logins)
        return ident, self.open_id_token(pool, ident, self.developer_amr(pool, webs), duration, principal_tags)

    def lookup_developer(self, pool: IdentityPool, identity_id: str | None, user: str | None) -> tuple[Identity, list[str]]:
        """LookupDeveloperIdentity: the identity and its developer user identifiers."""
        dev = pool.developer_provider_name
        if not identity_id and not user:
            raise InvalidParameterException("Either IdentityId or DeveloperUserIdentifier must be provided.")
        if user:
            found = self._by_login.get((pool.id, dev, user)) if dev else None
            if found is None or (identity_id and identity_id != found):
                raise ResourceNotFoundException(f"Developer user identifier '{user}' not found.")
            identity_id = found
        ident = self.identities.get(identity_id)
        if ident is None or ident.pool_id != pool.id:
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        return ident, [s for (p, prov, s), i in self._by_login.items() if i == ident.id and prov == dev]

    def merge_developers(self, pool: IdentityPool, dev: str, source_user, destination_user) -> Identity:
        """MergeDeveloperIdentities: the source user's identity is merged into the destination's."""
        if dev != pool.developer_provider_name:
            raise InvalidParameterException(f"Developer provider name '{dev}' is not the DeveloperProviderName of this identity pool.")
        found = []
        for user in (source_user, destination_user):
            ident = self._linked(pool.id, dev, user)
            if ident is None:
                raise ResourceNotFoundException(f"Developer user identifier '{user}' not found.")
            found.append(ident)
        source, dest = found
        if source is not dest:
            self.merge(dest, source)
        return dest

    def unlink_developer(self, pool: IdentityPool, ident: Identity, dev: str, user) -> None:
        """UnlinkDeveloperIdentity: the developer user identifier no longer names this identity."""
        if ident.pool_id != pool.id or dev != pool.developer_provider_name or user not in ident.developer_users:
            raise ResourceNotFoundException(f"Developer user identifier '{user}' is not linked to identity '{ident.id}'.")
        ident.developer_users.remove(user)
        self._by_login.pop((ident.pool_id, dev, user), None)
        ident.modified = self.sandbox.clock.time()


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
