"""IAM's state, as the guard and the STS operations read it: roles, users, their policies, access keys.

The state itself is moto's (``iam_backends``: what ``iam.create_role``, ``put_role_policy``,
``attach_role_policy``, ``create_access_key`` made), read afresh on every call so that a policy change
applies to sessions already issued, as on AWS ("changes to an IAM role's permissions policy apply to
every session of the role" -- IAM User Guide, *Modifying a role*, id_roles_manage_modify.html). Also
the two other stores a decision needs: an S3 bucket's policy and a DynamoDB table's key schema.

Public: :func:`role` and :func:`role_policies` (what STS, web identity and SAML need to find a role and
its permissions); the rest is the guard's.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from .. import moto_adapter
from .policy import Policy

__all__ = ["role", "role_policies", "identity_policies", "trust_policy"]


def document_text(text) -> str:
    """A policy document as JSON text: moto keeps some URL-encoded (``%7B...``) and some as dicts."""
    if isinstance(text, str) and text.startswith("%7B"):
        return unquote(text)
    return text if isinstance(text, str) else json.dumps(text)


def parse(text, name: str) -> Policy:
    """A stored document, parsed (and cached) as :class:`~labkit.iam.policy.Policy`."""
    if isinstance(text, str) and text.startswith("%7B"):
        text = unquote(text)
    return Policy.parse(text, name)


def iam_backend(sb):
    return moto_adapter.backend("iam", sb.account_id, moto_adapter.GLOBAL)


def s3_backend(sb):
    return moto_adapter.backend("s3", sb.account_id, moto_adapter.GLOBAL)


def role(sb, role_arn: str, *, by_name: bool = False):
    """moto's IAM role for ``role_arn``, or ``None``.

    ``by_name=False`` (the default): the ARN must be the role's own, path included.
    ``by_name=True``: any role whose name is the ARN's last segment (a session ARN, or a role ARN written
    without the role's path, names the role that way)."""
    if not isinstance(role_arn, str):
        return None
    roles = iam_backend(sb).roles.values()
    if by_name:
        name = role_arn.rsplit("/", 1)[-1]
        return next((r for r in roles if r.name == name), None)
    if not role_arn.startswith("arn:aws:iam::"):
        return None
    return next((r for r in roles if r.arn == role_arn), None)


def managed_document(sb, arn: str) -> str | None:
    """The default version's document of a managed policy, or ``None``."""
    policy = iam_backend(sb).managed_policies.get(arn)
    if policy is None:
        return None
    version = next((v for v in getattr(policy, "versions", []) if getattr(v, "is_default", False)), None)
    return version.document if version is not None else getattr(policy, "document", None)


def _documents(sb, entity):
    """``(name, "inline" | "managed", text)`` of a role's, user's or group's identity-based policies."""
    for name, text in entity.policies.items():
        yield name, "inline", text
    for arn, policy in entity.managed_policies.items():
        text = managed_document(sb, arn)
        if text:
            yield policy.name, "managed", text


def role_policies(sb, role) -> list[str]:
    """A role's identity-based policies (inline, then attached managed) as JSON texts."""
    return [document_text(text) for _, _, text in _documents(sb, role)]


def trust_policy(role) -> str:
    """A role's trust policy (its ``AssumeRolePolicyDocument``) as JSON text."""
    return document_text(role.assume_role_policy_document)


def identity_policies(sb, entity):
    """``(policies, permissions boundary, names)`` of a role, user or group, as moto stores them now:
    parsed :class:`~labkit.iam.policy.Policy` objects, the boundary (or ``None``) and the names the
    decision log shows; ``([], None, [])`` for a deleted role."""
    if entity is None:
        return [], None, []
    identity, names = [], []
    for name, kind, text in _documents(sb, entity):
        identity.append(parse(text, name))
        names.append(f"{name} ({kind})")
    boundary = None
    boundary_arn = getattr(entity, "permissions_boundary_arn", None)
    if boundary_arn:
        text = managed_document(sb, boundary_arn)
        boundary = parse(text, "permissions boundary") if text else None
        names.append("permissions boundary")
    return identity, boundary, names


def user_key(sb, key: str):
    """``(user, access key)`` for a long-term key an IAM user was given (``iam.create_access_key``),
    else ``(None, None)``."""
    backend = iam_backend(sb)
    access = backend.access_keys.get(key)
    user = backend.users.get(access.user_name) if access is not None and access.user_name else None
    return (user, access) if user is not None else (None, None)


def groups_of(sb, user_name: str) -> list:
    return iam_backend(sb).get_groups_for_user(user_name)


def saml_provider(sb, name: str):
    """The IAM SAML provider of that name (``arn:aws:iam::<account>:saml-provider/<name>``), or ``None``."""
    return iam_backend(sb).saml_providers.get(name)


def moto_sessions(sb):
    """Every role session moto's own STS issued (for STS operations labkit does not implement)."""
    for backend in moto_adapter.loaded_backends("sts", sb.account_id):
        yield from backend.assumed_roles


def bucket(sb, name: str):
    return s3_backend(sb).buckets.get(name)


def bucket_policy(sb, name: str) -> Policy | None:
    b = bucket(sb, name)
    if b is None or not b.policy:
        return None
    text = b.policy.decode() if isinstance(b.policy, bytes) else b.policy
    return parse(text, f"bucket policy of {name}")


def table_keys(sb, region: str, table: str):
    """``(partition key, {index: partition key})`` of a DynamoDB table, or ``None``."""
    try:
        backend = moto_adapter.backend("dynamodb", sb.account_id, region)
    except KeyError:
        return None
    t = backend.tables.get(table)
    if t is None:
        return None
    indexes = {}
    for idx in list(t.indexes) + list(t.global_indexes):
        hash_key = next((k["AttributeName"] for k in idx.schema if k.get("KeyType") == "HASH"), None)
        indexes[idx.name] = hash_key
    return t.hash_key_attr, indexes


# ------------------------------------------------------------------ writes (documents moto would refuse)


def keep_inline_policy(sb, kind: str, owner: str, policy_name: str, text: str) -> None:
    """Store an inline policy as written, over the copy moto checked (see :mod:`labkit.iam.service`)."""
    backend = iam_backend(sb)
    entity = {"role": backend.get_role, "user": backend.get_user, "group": backend.get_group}[kind](owner)
    entity.put_policy(policy_name, text)


def keep_trust_policy(sb, role_name: str, text: str) -> None:
    """Store a role's trust policy as written, over the copy moto checked."""
    iam_backend(sb).get_role(role_name).assume_role_policy_document = text


# ---------------------------------------------------------------------------------------------- for STS and SAML
# Added by H2 (issue 13): the other IAM reads labkit.sts, labkit.saml and labkit.webidentity make (they
# had their own backend reads); H4 owns this file and may move them.
def saml_provider_metadata(sb, arn: str) -> str | None:
    """The metadata document of the IAM SAML provider ``arn`` ("" if it has none), or None if there is no such provider."""
    stored = next((p for p in iam_backend(sb).saml_providers.values() if p.arn == arn), None)
    return None if stored is None else (stored.saml_metadata_document or "")


def oidc_provider(sb, arn: str):
    """moto's IAM OpenID Connect provider of this ARN (``oidc-provider/<host/path>``), or None."""
    return iam_backend(sb).open_id_providers.get(arn)


def managed_policy_exists(sb, arn: str) -> bool:
    """Whether a managed policy of this ARN exists (AWS managed or the account's)."""
    return arn in iam_backend(sb).managed_policies


def user_of_access_key(sb, access_key_id: str):
    """moto's IAM user a long-term access key belongs to, or None."""
    backend = iam_backend(sb)
    return backend.get_user_from_access_key_id(access_key_id) if hasattr(backend, "get_user_from_access_key_id") else None
