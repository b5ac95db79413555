"""Cost of IAM enforcement: a call with issued (checked) credentials vs the admin key (unchecked).

    .venv/bin/python benchmarks/iam_overhead.py [rounds]

Prints the median per-call time of S3 GetObject and DynamoDB GetItem both ways and their ratio
(target: checked <= 1.3 x unchecked). The policies are the lesson's own: a private S3 prefix with a
policy variable and a DynamoDB LeadingKeys condition.
"""

import json
import statistics
import sys
import time

import boto3

import labkit

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
SUB = "us-east-1:aaaaaaaa-1111-2222-3333-444444444444"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["mobileanalytics:PutEvents", "cognito-sync:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::photos/private/${cognito-identity.amazonaws.com:sub}/*"},
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/Notes",
     "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}},
]}


def interleaved_ms(unchecked, checked, rounds):
    """Median ms of each, timed alternately so that load on the machine hits both alike."""
    u, c = [], []
    for _ in range(rounds):
        for fn, out in ((unchecked, u), (checked, c)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(u) * 1000, statistics.median(c) * 1000


def main():
    with labkit.Sandbox() as sb:
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="Auth", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
        iam.put_role_policy(RoleName="Auth", PolicyName="lesson", PolicyDocument=json.dumps(POLICY))
        creds = sb.issued.issue(role_arn=role["Arn"], role_id=role["RoleId"], session_name="CognitoIdentityCredentials",
                                duration=36000, source="benchmark", context={"cognito-identity.amazonaws.com:sub": SUB})
        key = f"private/{SUB}/note.txt"
        item = {"owner": {"S": SUB}, "note": {"S": "1"}}
        admin_s3, admin_ddb = boto3.client("s3"), boto3.client("dynamodb")
        user_s3, user_ddb = boto3.client("s3", **creds.as_boto3()), boto3.client("dynamodb", **creds.as_boto3())
        admin_s3.create_bucket(Bucket="photos")
        admin_s3.put_object(Bucket="photos", Key=key, Body=b"x" * 1024)
        admin_ddb.create_table(TableName="Notes", BillingMode="PAY_PER_REQUEST",
                               KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "note", "KeyType": "RANGE"}],
                               AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "note", "AttributeType": "S"}])
        admin_ddb.put_item(TableName="Notes", Item=item)
        calls = {
            "S3 GetObject": (lambda: admin_s3.get_object(Bucket="photos", Key=key)["Body"].read(),
                             lambda: user_s3.get_object(Bucket="photos", Key=key)["Body"].read()),
            "DynamoDB GetItem": (lambda: admin_ddb.get_item(TableName="Notes", Key=item),
                                 lambda: user_ddb.get_item(TableName="Notes", Key=item)),
        }
        guard = sb.components["iam"].guard
        for name, (unchecked, checked) in calls.items():
            interleaved_ms(unchecked, checked, 20)  # warm up
            u, c = interleaved_ms(unchecked, checked, ROUNDS)
            seen = []
            sb.dispatcher.guards.insert(0, lambda r: seen.append(r))
            checked()
            sb.dispatcher.guards.pop(0)
            t = time.perf_counter()
            for _ in range(ROUNDS):
                guard(seen[-1])
            g = (time.perf_counter() - t) / ROUNDS * 1000
            print(f"{name:18s} unchecked {u:6.3f} ms  checked {c:6.3f} ms  ratio {c / u:4.2f}  (the guard alone: {g * 1000:5.1f} us)")
        assert all(r.allowed for r in sb.components["iam"].decisions)
        print(f"authorizations made: {sb.components['iam'].checked}")


if __name__ == "__main__":
    main()
