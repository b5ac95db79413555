"""Amazon DynamoDB: the table and index resources of each request and its fine-grained condition keys.

Follows *Using IAM policy conditions for fine-grained access control* (Amazon DynamoDB Developer Guide,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html):
``table/T`` and ``table/T/index/I``, ``dynamodb:LeadingKeys``, ``dynamodb:Attributes``,
``dynamodb:Select``, ``dynamodb:ReturnValues``; and the *Service Authorization Reference*, "Actions,
resources, and condition keys for Amazon DynamoDB" (list_amazondynamodb.html).
"""

from __future__ import annotations

import re

from .checks import Authorization

__all__ = ["dynamodb_authorizations"]

# ------------------------------------------------------------------------------------------ DynamoDB

# Operations that work on one item: the key (or item) parameter that holds its primary key.
_DDB_ITEM_KEY = {"GetItem": "Key", "DeleteItem": "Key", "UpdateItem": "Key", "PutItem": "Item"}
_DDB_ACCOUNT_OPS = {"ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables",
                    "ListExports", "ListImports", "DescribeReservedCapacity", "DescribeReservedCapacityOfferings"}
_DDB_TRANSACT = {"Get": "dynamodb:GetItem", "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
                 "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}


def _ddb_value(attr: dict | None) -> str | None:
    """A key attribute's value as IAM sees it in ``dynamodb:LeadingKeys`` (S and N as written)."""
    if not isinstance(attr, dict) or len(attr) != 1:
        return None
    (kind, value), = attr.items()
    return value if kind in ("S", "N", "B") and isinstance(value, str) else None


def _ddb_names(expression: str | None, names: dict | None) -> list[str]:
    """Top-level attribute names an expression refers to (``#n`` placeholders resolved)."""
    if not expression:
        return []
    out = []
    for token in re.findall(r"#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*", re.sub(r":[A-Za-z0-9_]+", " ", expression)):
        if token.startswith("#"):
            token = (names or {}).get(token, token)
        elif token.upper() in _DDB_WORDS:
            continue
        if token not in out:
            out.append(token)
    return out


_DDB_WORDS = {"SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN", "IF_NOT_EXISTS",
              "LIST_APPEND", "ATTRIBUTE_EXISTS", "ATTRIBUTE_NOT_EXISTS", "ATTRIBUTE_TYPE", "BEGINS_WITH",
              "CONTAINS", "SIZE"}


def _ddb_partition_value(params: dict, hash_key: str) -> str | None:
    """The partition key value a Query names, from KeyConditionExpression or legacy KeyConditions."""
    expr = params.get("KeyConditionExpression")
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    if expr:
        for m in re.finditer(r"(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_.\-]+)", expr):
            name, placeholder = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            if names.get(name, name) == hash_key:
                return _ddb_value(values.get(placeholder))
        return None
    cond = (params.get("KeyConditions") or {}).get(hash_key) or {}
    items = cond.get("AttributeValueList") or []
    return _ddb_value(items[0]) if items else None


def _ddb_read_keys(params: dict, op: str) -> dict:
    keys: dict = {}
    names = params.get("ExpressionAttributeNames") or {}
    if params.get("Select"):
        keys["dynamodb:Select"] = params["Select"]
    attrs = _ddb_names(params.get("ProjectionExpression"), names) or list(params.get("AttributesToGet") or [])
    if attrs:
        keys["dynamodb:Attributes"] = attrs
        keys.setdefault("dynamodb:Select", "SPECIFIC_ATTRIBUTES")
    return keys


def dynamodb_authorizations(op: str, params: dict, region: str, account_id: str, tables) -> list[Authorization]:
    base = f"arn:aws:dynamodb:{region}:{account_id}:table/"
    action = f"dynamodb:{op}"

    def schema(table: str):
        return tables(region, table) if tables else None

    def common() -> dict:
        keys = {}
        for p in ("ReturnValues", "ReturnConsumedCapacity"):
            if params.get(p):
                keys[f"dynamodb:{p}"] = params[p]
        return keys

    if op == "ListTables":  # authorized, and named in its denial, as every table of the region
        return [Authorization(action, base + "*")]
    if op in _DDB_ACCOUNT_OPS:
        return [Authorization(action, "*")]
    if op in _DDB_ITEM_KEY:
        table = params.get("TableName", "")
        keys = common()
        info = schema(table)
        item = params.get(_DDB_ITEM_KEY[op]) or {}
        if info:
            value = _ddb_value(item.get(info[0]))
            if value is not None:
                keys["dynamodb:LeadingKeys"] = [value]
        if op == "GetItem":
            keys.update(_ddb_read_keys(params, op))
        elif op == "PutItem":
            keys["dynamodb:Attributes"] = list(item)
        elif op == "UpdateItem":
            names = params.get("ExpressionAttributeNames") or {}
            attrs = _ddb_names(params.get("UpdateExpression"), names) or list(params.get("AttributeUpdates") or {})
            if attrs:
                keys["dynamodb:Attributes"] = list(dict.fromkeys(list(item) + attrs))
        return [Authorization(action, base + table, keys)]
    if op in ("Query", "Scan"):
        table = params.get("TableName", "")
        index = params.get("IndexName")
        resource = base + table + (f"/index/{index}" if index else "")
        keys = common()
        keys.update(_ddb_read_keys(params, op))
        if "dynamodb:Select" not in keys:
            keys["dynamodb:Select"] = "ALL_PROJECTED_ATTRIBUTES" if index else "ALL_ATTRIBUTES"
        info = schema(table)
        if op == "Query" and info:
            hash_key = info[1].get(index, info[0]) if index else info[0]
            value = _ddb_partition_value(params, hash_key)
            if value is not None:
                keys["dynamodb:LeadingKeys"] = [value]
        return [Authorization(action, resource, keys)]
    if op in ("BatchGetItem", "BatchWriteItem"):
        checks = []
        for table, spec in (params.get("RequestItems") or {}).items():
            info = schema(table)
            keys = common()
            if op == "BatchGetItem":
                items = spec.get("Keys") or []
                keys.update(_ddb_read_keys(spec, op))
            else:
                items = [(r.get("PutRequest") or {}).get("Item") or (r.get("DeleteRequest") or {}).get("Key") or {} for r in spec]
            if info:
                leading = [v for v in (_ddb_value(i.get(info[0])) for i in items) if v is not None]
                keys["dynamodb:LeadingKeys"] = list(dict.fromkeys(leading))
            checks.append(Authorization(action, base + table, keys))
        return checks
    if op in ("TransactGetItems", "TransactWriteItems"):
        checks = []
        for entry in params.get("TransactItems") or []:
            for kind, spec in entry.items():
                table = spec.get("TableName", "")
                keys = {}
                info = schema(table)
                item = spec.get("Key") or spec.get("Item") or {}
                if info and _ddb_value(item.get(info[0])) is not None:
                    keys["dynamodb:LeadingKeys"] = [_ddb_value(item.get(info[0]))]
                checks.append(Authorization(_DDB_TRANSACT.get(kind, f"dynamodb:{kind}"), base + table, keys))
        return checks
    if params.get("TableName"):
        return [Authorization(action, base + params["TableName"])]
    if params.get("ResourceArn"):
        return [Authorization(action, params["ResourceArn"])]
    return [Authorization(action, "*")]


