"""Which identity pools and identities exist: Cognito Sync asks Cognito Identity.

The sandbox's identity pools live in moto's ``cognito-identity`` backend, possibly fronted by labkit's
``identitypools`` component. This module asks the component first (any of a few method names it may
offer) and moto second, so that sync works whichever of the two knows the identity.
"""

from __future__ import annotations

from .. import moto_adapter


class Directory:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    # ------------------------------------------------------------------ sources
    def _component(self):
        comp = self.sandbox.components.get("identitypools")
        return getattr(comp, "state", comp)  # labkit.identitypools keeps its pools on service.state

    def _moto(self, region: str | None = None):
        return moto_adapter.backend("cognito-identity", self.sandbox.account_id, region or self.sandbox.region)

    @staticmethod
    def _ask(component, names, *args):
        """Call the first of ``names`` the component has; None when it has none or it raises a lookup error."""
        for name in names:
            fn = getattr(component, name, None)
            if callable(fn):
                try:
                    return fn(*args)
                except (KeyError, LookupError):
                    return None
                except Exception as exc:  # the component's own "not found" ServiceError
                    if "NotFound" in type(exc).__name__ or "NotFound" in str(getattr(exc, "code", "")):
                        return None
                    raise
        return NotImplemented

    # ------------------------------------------------------------------ questions
    def pool(self, pool_id: str):
        """The identity pool object (moto's CognitoIdentityPool or the component's), or None."""
        comp = self._component()
        if comp is not None:
            found = self._ask(comp, ("get_pool", "pool", "describe_pool", "identity_pool"), pool_id)
            if found is not NotImplemented and found is not None:
                return found
        region = pool_id.split(":", 1)[0] if ":" in pool_id else None
        try:
            return self._moto(region).identity_pools.get(pool_id)
        except Exception:
            return None

    def pool_ids(self) -> list[str]:
        comp = self._component()
        if isinstance(getattr(comp, "pools", None), dict):
            return list(comp.pools)
        try:
            return list(self._moto().identity_pools)
        except Exception:
            return []

    def allows_guests(self, pool) -> bool:
        for attr in ("allow_unauthenticated", "allow_unauthenticated_identities", "AllowUnauthenticatedIdentities"):
            if hasattr(pool, attr):
                return bool(getattr(pool, attr))
            if isinstance(pool, dict) and attr in pool:
                return bool(pool[attr])
        return True

    def identity_in_pool(self, pool_id: str, identity_id: str) -> bool:
        comp = self._component()
        if comp is not None:
            found = self._ask(comp, ("identity_pool_of", "pool_of_identity"), identity_id)
            if found is not NotImplemented and found is not None:
                return (found if isinstance(found, str) else getattr(found, "identity_pool_id", found)) == pool_id
            found = self._ask(comp, ("get_identity", "identity", "describe_identity"), identity_id)
            if found is not NotImplemented and found is not None:
                owner = getattr(found, "identity_pool_id", None) or getattr(found, "pool_id", None)
                if owner is None and isinstance(found, dict):
                    owner = found.get("IdentityPoolId")
                if owner is None or owner == pool_id:
                    return True
        region = pool_id.split(":", 1)[0] if ":" in pool_id else None
        try:
            listing = self._moto(region).pools_identities.get(pool_id) or {}
        except Exception:
            return False
        return any(i.get("IdentityId") == identity_id for i in listing.get("Identities", []))
