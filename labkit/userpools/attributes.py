"""User attributes against the pool's schema (developer guide, "Working with user attributes").

Standard attributes (OpenID Connect's) always exist; custom ones are those the pool declared
(``custom:<name>``). Values must fit the schema's constraints; ``Mutable: false`` attributes are set
once, at creation; ``Required`` standard attributes must be given at sign-up.
"""

from __future__ import annotations

from .. import moto_adapter

from .exceptions import InvalidParameter

STANDARD = moto_adapter.standard_schema()
SCHEMA_ERROR = "Attributes did not conform to the schema: "
# Cognito maintains these itself; a user cannot write them.
READ_ONLY = {"sub"}


def _schema(pool, name: str):
    attr = pool.schema_attributes.get(name)
    if attr is not None:
        return attr
    if name in STANDARD:
        return moto_adapter.pool_attribute(name, False, STANDARD[name])
    return None


def complete_schema(pool) -> None:
    """Every pool has the standard attributes, whatever its Schema lists (moto keeps only the listed
    ones when a Schema is given); standard attributes first, then custom ones, as DescribeUserPool shows."""
    given = dict(pool.schema_attributes)
    merged = {}
    for name, schema in STANDARD.items():
        merged[name] = given.pop(name, None) or moto_adapter.pool_attribute(name, False, schema)
    merged.update(given)
    pool.schema_attributes = merged


def flatten(attributes) -> dict:
    return {a["Name"]: a.get("Value", "") for a in attributes or []}


def check(pool, attributes, *, creating: bool, implied: dict | None = None) -> dict:
    """Validate a list of {Name, Value}; returns them as a dict. InvalidParameterException as Cognito says.

    ``implied``: attributes the pool sets itself at creation (the email of an email-as-username pool).
    """
    given = flatten(attributes)
    for name, value in given.items():
        attr = _schema(pool, name)
        if attr is None or name in READ_ONLY:
            raise InvalidParameter(f"{SCHEMA_ERROR}{name}: Attribute does not exist in the schema.")
        if not creating and not attr.mutable and name not in ("email_verified", "phone_number_verified"):
            raise InvalidParameter(f"user.{name}: Attribute cannot be updated.")
        constraints = getattr(attr, "string_constraints", None) or {}
        if attr.data_type == "String" and constraints:
            low, high = constraints.get("MinLength"), constraints.get("MaxLength")
            if high not in (None, "") and len(value) > int(high):
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: String must be no longer than {int(high)} characters")
            if low not in (None, "") and len(value) < int(low):
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: String must be no shorter than {int(low)} characters")
        if attr.data_type == "Number":
            try:
                number = float(value)
            except ValueError:
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: Number must be a number") from None
            nc = getattr(attr, "number_constraints", None) or {}
            if nc.get("MaxValue") not in (None, "") and number > float(nc["MaxValue"]):
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: Number must be no greater than {nc['MaxValue']}")
            if nc.get("MinValue") not in (None, "") and number < float(nc["MinValue"]):
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: Number must be no less than {nc['MinValue']}")
        if attr.data_type == "Boolean" and value.lower() not in ("true", "false"):
            raise InvalidParameter(f"{SCHEMA_ERROR}{name}: Boolean must be true or false")
    if creating:
        for name, attr in pool.schema_attributes.items():
            if attr.required and name not in READ_ONLY and name not in given and name not in (implied or {}):
                raise InvalidParameter(f"{SCHEMA_ERROR}{name}: The attribute is required")
    return given


def readable(client, name: str) -> bool:
    """Whether the client may read ``name`` (ReadAttributes; all when the client lists none)."""
    allowed = client.extended_config.get("ReadAttributes")
    return not allowed or name in allowed


def as_claim(name: str, value: str):
    """An attribute as Cognito writes it into an ID token (the *_verified flags are booleans)."""
    if name in ("email_verified", "phone_number_verified"):
        return str(value).lower() == "true"
    return value
