"""Model solutions of notebook 06 · Roles and AWS resources (exercises 06.1-06.3), written as a learner writes them."""

# 06.1 · The identity id in a policy
variable = "${cognito-identity.amazonaws.com:sub}"


# 06.2 · A private S3 prefix
def private_prefix_policy(bucket):
    """Each user reads and writes private/<their identity id>/ of bucket, and nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": f"arn:aws:s3:::{bucket}/private/${{cognito-identity.amazonaws.com:sub}}/*",
        }],
    }


# 06.3 · A private DynamoDB partition
def own_partition_policy(table_arn):
    """Each user reaches only the items whose partition key is their identity id."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            "Resource": table_arn,
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}},
        }],
    }


ANSWERS = {"06.1": variable, "06.2": private_prefix_policy, "06.3": own_partition_policy}
