"""Model solutions of notebook 08 · Data sync (exercises 08.1-08.3), written as a learner writes them."""

# 08.1 · A new record's SyncCount
sync_count = 0


# 08.2 · A write that respects sync counts
def put_setting(sync, identity_pool_id, identity_id, dataset, key, value):
    """Set dataset[key] = value on the server, with the record's current SyncCount."""
    page = sync.list_records(IdentityPoolId=identity_pool_id, IdentityId=identity_id, DatasetName=dataset)
    current = next((r["SyncCount"] for r in page["Records"] if r["Key"] == key), 0)
    sync.update_records(IdentityPoolId=identity_pool_id, IdentityId=identity_id, DatasetName=dataset,
                        SyncSessionToken=page["SyncSessionToken"],
                        RecordPatches=[{"Op": "replace", "Key": key, "Value": value, "SyncCount": current}])


# 08.3 · The version check, in DynamoDB
def save_if_unchanged(db, table, identity_id, key, value, read_version):
    """Write the setting only if nobody wrote it since we read read_version."""
    db.put_item(
        TableName=table,
        Item={"IdentityId": {"S": identity_id}, "Key": {"S": key}, "Value": {"S": value},
              "Version": {"N": str(read_version + 1)}},
        ConditionExpression="attribute_not_exists(Version) OR Version = :read",
        ExpressionAttributeValues={":read": {"N": str(read_version)}},
    )


ANSWERS = {"08.1": sync_count, "08.2": put_setting, "08.3": save_if_unchanged}
