"""Exercises of notebook 06 · Roles and AWS resources: the identity id policy variable, a private S3 prefix,
a private DynamoDB partition -- each tried with two users, Alice and Bob.

AWS: IAM User Guide "IAM policy elements: Variables"; Cognito "IAM roles"; DynamoDB "Using IAM policy
conditions for fine-grained access control".
"""

from __future__ import annotations

import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "06-roles-and-aws-resources"


class Notes:
    """The notebook's app in small: a user pool, an identity pool, Alice and Bob signed in, a bucket, a table."""

    def __init__(self, run, label: str, bucket: bool = True, table: bool = False):
        self.run = run
        pool_id, client_id = fx.user_pool(run, f"ex06{label}-notes-users", users=("alice", "bob"))
        self.identity_pool = fx.identity_pool(run, f"Ex06{label}Notes", allow_guests=False, user_pool=(pool_id, client_id))
        self.auth_role = fx.role_name(self.identity_pool["AuthenticatedRoleArn"])
        pool = self.identity_pool["IdentityPoolId"]
        self.alice_id, self.alice = fx.signed_in_identity(run, pool, pool_id, client_id, "alice")
        self.bob_id, self.bob = fx.signed_in_identity(run, pool, pool_id, client_id, "bob")
        if bucket:
            self.bucket = run.name(f"ex06{label}-notes-attachments-")
            location = {} if run.sb.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": run.sb.region}}
            fx.client(run, "s3").create_bucket(Bucket=self.bucket, **location)
        if table:
            self.table = run.name(f"Ex06{label}Notes")
            self.table_arn = fx.client(run, "dynamodb").create_table(
                TableName=self.table,
                KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "noteId", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "noteId", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]

    def attach(self, policy, name: str = "exercise"):
        fx.put_role_policy(self.run, self.auth_role, policy, name)


# ---------------------------------------------------------------------------------------------- 06.1
#: Real condition keys a learner may reach for, and why each is not the identity id (IAM User Guide,
#: "AWS global condition context keys"; Cognito Developer Guide, "IAM roles").
_REAL_KEYS = {
    "${cognito-identity.amazonaws.com:aud}": "That key exists: it is the identity pool's id, the same for every user of "
                                              "the pool; the identity id is another key of the same service.",
    "${cognito-identity.amazonaws.com:amr}": "That key exists: it lists how the caller signed in (authenticated, the "
                                              "provider...), the same for many users; the identity id is another key.",
    "${aws:userid}": "That key exists: for a role session it is the role's unique id and the session name "
                     "(AROA...:CognitoIdentityCredentials), the same for every user of the role, not the identity id.",
    "${aws:username}": "That key exists, but only IAM users have a user name: a role session (which Cognito's credentials "
                       "are) has none, so the resource matches nothing.",
    "${aws:PrincipalArn}": "That key exists: it is the role's ARN, the same for every user of the role.",
}


def _check_variable(variable, run):
    if not isinstance(variable, str):
        run.stop(f"variable is a {type(variable).__name__}; write the policy variable as a string, \"${{...}}\".")
    if not (variable.startswith("${") and variable.endswith("}")):
        run.stop(f"{variable!r} is not a policy variable.", "A policy variable is written ${key}, e.g. ${aws:username}.")
    app = Notes(run, "a")
    app.attach({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": f"arn:aws:s3:::{app.bucket}/private/{variable}/*"}]})
    alice_s3, bob_s3 = app.alice.client("s3"), app.bob.client("s3")
    code = fx.error_code(lambda: alice_s3.put_object(Bucket=app.bucket, Key=f"private/{app.alice_id}/hello.txt", Body=b"hi"))
    why = ("Section 3 uses it. Spell it exactly: a key that does not exist (a typo) has no value, and a resource with a "
           "variable without value matches nothing.")
    why = _REAL_KEYS.get(variable.strip(), why)
    run.expect(code is None, f"With Resource private/{variable}/*, Alice cannot write under private/<her identity id>/: {code}.",
               why, passed_text=f"With Resource private/{variable}/*, Alice writes under private/<her identity id>/.")
    code = fx.error_code(lambda: bob_s3.put_object(Bucket=app.bucket, Key=f"private/{app.alice_id}/evil.txt", Body=b"x"))
    run.expect(code is not None, "Bob writes under Alice's prefix too.", "The variable must be each user's own identity id.",
               passed_text=f"Bob cannot write under Alice's prefix ({code}).")


# ---------------------------------------------------------------------------------------------- 06.2
def _check_private_prefix(private_prefix_policy, run):
    if not callable(private_prefix_policy):
        run.stop(f"private_prefix_policy is a {type(private_prefix_policy).__name__}, not a function.",
                 "Define it with def private_prefix_policy(bucket): ... returning a policy dict.")
    app = Notes(run, "b")
    policy = fx.as_policy(run, run.call(private_prefix_policy, app.bucket, doing="writing the policy"))
    app.attach(policy, "private-prefix")
    alice_s3, bob_s3 = app.alice.client("s3"), app.bob.client("s3")
    alice_key = f"private/{app.alice_id}/hello.txt"
    code = fx.error_code(lambda: alice_s3.put_object(Bucket=app.bucket, Key=alice_key, Body=b"Alice's note"))
    why = "Allow s3:PutObject and s3:GetObject on arn:aws:s3:::<bucket>/private/${cognito-identity.amazonaws.com:sub}/*."
    if "Version" not in policy or policy.get("Version") != "2012-10-17":
        why = "Your policy has no \"Version\": \"2012-10-17\": without it IAM reads ${...} as literal text. " + why
    run.expect(code is None, f"Alice cannot write her own object ({code}).", why, passed_text="Alice writes under her own prefix.")
    if code is None:
        code = fx.error_code(lambda: alice_s3.get_object(Bucket=app.bucket, Key=alice_key))
        run.expect(code is None, f"Alice cannot read her own object back ({code}).", "Allow s3:GetObject too.",
                   passed_text="Alice reads it back.")
    else:
        fx.client(run, "s3").put_object(Bucket=app.bucket, Key=alice_key, Body=b"Alice's note")
    code = fx.error_code(lambda: bob_s3.get_object(Bucket=app.bucket, Key=alice_key))
    run.expect(code is not None, "Bob reads Alice's object.",
               "Resource must contain the caller's own identity id (the policy variable), not private/*.",
               passed_text=f"Bob cannot read Alice's object ({code}).")
    code = fx.error_code(lambda: bob_s3.put_object(Bucket=app.bucket, Key=f"private/{app.alice_id}/evil.txt", Body=b"x"))
    run.expect(code is not None, "Bob writes into Alice's prefix.", "Resource must contain the caller's own identity id.",
               passed_text=f"Bob cannot write into Alice's prefix ({code}).")
    code = fx.error_code(lambda: bob_s3.put_object(Bucket=app.bucket, Key=f"private/{app.bob_id}/todo.txt", Body=b"Bob's note"))
    run.expect(code is None, f"Bob cannot write his own object ({code}).", "The same policy must serve every user.",
               passed_text="Bob writes under his own prefix: one policy serves every user.")
    # Least privilege: read and write, nothing more.
    for what, attempt, why in (
        ("make her object public (PutObjectAcl)", lambda: alice_s3.put_object_acl(Bucket=app.bucket, Key=alice_key, ACL="public-read"),
         "Changing an object's ACL is neither reading nor writing it: name the two actions asked for, not s3:*."),
        ("list every user's prefix (ListBucket on private/)", lambda: alice_s3.list_objects_v2(Bucket=app.bucket, Prefix="private/"),
         "A listing of private/ shows every user's identity id: the exercise asks for objects, not for listing the bucket."),
    ):
        code = fx.error_code(attempt)
        run.expect(code is not None, f"Alice can {what}: your policy allows more than reading and writing her own objects.",
                   why, passed_text=f"Alice cannot {what} ({code}).")


# ---------------------------------------------------------------------------------------------- 06.3
def _check_own_partition(own_partition_policy, run):
    if not callable(own_partition_policy):
        run.stop(f"own_partition_policy is a {type(own_partition_policy).__name__}, not a function.",
                 "Define it with def own_partition_policy(table_arn): ... returning a policy dict.")
    app = Notes(run, "c", bucket=False, table=True)
    policy = fx.as_policy(run, run.call(own_partition_policy, app.table_arn, doing="writing the policy"))
    app.attach(policy, "own-partition")
    alice_db, bob_db = app.alice.client("dynamodb"), app.bob.client("dynamodb")
    table = app.table

    def item(owner, note="1", text="buy milk"):
        return {"owner": {"S": owner}, "noteId": {"S": note}, "text": {"S": text}}

    code = fx.error_code(lambda: alice_db.put_item(TableName=table, Item=item(app.alice_id)))
    run.expect(code is None, f"Alice cannot put a note in her own partition ({code}).",
               "Allow dynamodb:PutItem (and GetItem, Query...) on the table with the condition "
               "ForAllValues:StringEquals dynamodb:LeadingKeys = [\"${cognito-identity.amazonaws.com:sub}\"].",
               passed_text="Alice puts a note in her own partition.")
    if code is not None:
        fx.client(run, "dynamodb").put_item(TableName=table, Item=item(app.alice_id))
    code = fx.error_code(lambda: alice_db.query(TableName=table, KeyConditionExpression="#o = :me",
                                                ExpressionAttributeNames={"#o": "owner"},
                                                ExpressionAttributeValues={":me": {"S": app.alice_id}}))
    run.expect(code is None, f"Alice cannot query her own partition ({code}).", "Allow dynamodb:Query too.",
               passed_text="Alice queries her own notes.")
    code = fx.error_code(lambda: bob_db.get_item(TableName=table, Key={"owner": {"S": app.alice_id}, "noteId": {"S": "1"}}))
    run.expect(code is not None, "Bob reads Alice's note.",
               "Without the dynamodb:LeadingKeys condition, the policy allows every partition.",
               passed_text=f"Bob cannot read Alice's note ({code}).")
    code = fx.error_code(lambda: bob_db.put_item(TableName=table, Item=item(app.alice_id, "2", "pwned")))
    run.expect(code is not None, "Bob writes into Alice's partition.", "The condition must apply to writes too.",
               passed_text=f"Bob cannot write into Alice's partition ({code}).")
    code = fx.error_code(lambda: bob_db.scan(TableName=table))
    run.expect(code is not None, "Bob scans the whole table, Alice's notes included.",
               "A Scan names no partition, so ForAllValues over no LeadingKeys is true: leave dynamodb:Scan (and dynamodb:*) "
               "out of Action.", passed_text=f"Nobody can scan the table ({code}).")
    other = run.name("Ex06cOtherTable")
    fx.client(run, "dynamodb").create_table(
        TableName=other, KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for what, attempt, why in (
        ("delete the table", lambda: alice_db.delete_table(TableName=table),
         "Name the item actions one by one: dynamodb:* also deletes and reconfigures the table."),
        ("write her partition of another table", lambda: alice_db.put_item(TableName=other, Item={"owner": {"S": app.alice_id}}),
         "The policy is for the table whose ARN the function was given: put that ARN in Resource, not \"*\"."),
    ):
        code = fx.error_code(attempt)
        run.expect(code is not None, f"Alice can {what}: your policy allows more than her own items of this table.", why,
                   passed_text=f"Alice cannot {what} ({code}).")


EXERCISES = [
    Exercise(
        id="06.1", notebook=NOTEBOOK, level="read", kind="value",
        title="The identity id in a policy",
        prompt="Which policy variable does IAM replace with the caller's **identity id**? The check puts "
               "`arn:aws:s3:::<bucket>/private/<your variable>/*` in a role's policy and lets Alice and Bob try.",
        starter='variable = ...   # a policy variable, "${...}"\n\ncheck("06.1", variable)',
        hints=["Section 3's s3_policy uses it.", "${cognito-identity.amazonaws.com:<key>}: which key is the identity id?"],
        checker=_check_variable,
    ),
    Exercise(
        id="06.2", notebook=NOTEBOOK, level="write", kind="function",
        title="A private S3 prefix",
        prompt="Write `private_prefix_policy(bucket)`: the authenticated role's policy that lets every user read and "
               "write objects under `private/<their identity id>/` of the bucket, and nobody else's. The check signs in "
               "Alice and Bob at a new app and tries.",
        starter=("def private_prefix_policy(bucket):\n"
                 '    """Each user reads and writes private/<their identity id>/ of bucket, and nothing else."""\n'
                 "    ...\n\n"
                 'check("06.2", private_prefix_policy)'),
        hints=["One statement, s3:GetObject and s3:PutObject, on an object ARN with the policy variable.",
               "\"Version\": \"2012-10-17\" is required for ${...} to be a variable."],
        checker=_check_private_prefix,
    ),
    Exercise(
        id="06.3", notebook=NOTEBOOK, level="write", kind="function",
        title="A private DynamoDB partition",
        prompt="Write `own_partition_policy(table_arn)`: each user may put, get and query the items whose partition key "
               "(`owner`) is their identity id, and nobody else's; nobody may scan the table.",
        starter=("def own_partition_policy(table_arn):\n"
                 '    """Each user reaches only the items whose partition key is their identity id."""\n'
                 "    ...\n\n"
                 'check("06.3", own_partition_policy)'),
        hints=["The condition key is dynamodb:LeadingKeys, with ForAllValues:StringEquals.",
               "List the actions one by one: dynamodb:* includes Scan, which names no partition."],
        checker=_check_own_partition,
    ),
]
