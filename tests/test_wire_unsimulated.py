"""An operation the sandbox does not simulate answers the same on both transports (issue 15, item 3):
an error in the protocol's own shape, status 400 so that no SDK retries it (botocore retries 500, 502,
503, 504 and the throttling codes), a message naming the operation, and an entry in ``sb.calls``."""

from __future__ import annotations

import pytest
from botocore.config import Config
from support import error_of

CASES = [
    # (service, method, kwargs, operation named): one per protocol
    ("cognito-idp", "get_log_delivery_configuration", {"UserPoolId": "us-east-1_abcdefghi"}, "GetLogDeliveryConfiguration"),  # json
    ("dynamodb", "describe_contributor_insights", {"TableName": "t"}, "DescribeContributorInsights"),  # json
    ("sts", "decode_authorization_message", {"EncodedMessage": "abc"}, "DecodeAuthorizationMessage"),  # query: XML botocore parses
    ("lambda", "get_function_recursion_config", {"FunctionName": "f"}, "GetFunctionRecursionConfig"),  # rest-json
    ("apigateway", "get_sdk_types", {}, "GetSdkTypes"),  # rest-json
    ("frauddetector", "get_detectors", {}, "GetDetectors"),  # a service the lab does not simulate at all
]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
@pytest.mark.parametrize("service, method, kwargs, operation", CASES, ids=[c[0] + "." + c[3] for c in CASES])
def test_unsimulated_operation_is_a_non_retried_error_naming_it(tsb, aws, service, method, kwargs, operation, mode):
    client = aws(service, config=Config(retries={"mode": mode, "max_attempts": 4}))
    before = tsb.calls.last_seq
    err = error_of(getattr(client, method), **kwargs)
    assert err.code == "NotSimulated"
    assert err.status == 400
    assert f"does not simulate the {service} operation {operation}" in err.message
    assert err.response["ResponseMetadata"]["RetryAttempts"] == 0  # botocore's own retry logic left it alone
    calls = tsb.calls.since(before)
    assert len(calls) == 1  # one request, no retries
    assert calls[0].status == 400 and calls[0].operation == operation and calls[0].handled_by == "faults"


def test_botocores_retry_checkers_do_not_retry_it(tsb, aws):
    """Asked directly: botocore's standard retry policy classifies the answer as not retryable."""
    from botocore.retries import standard

    client = aws("cognito-idp")
    err = error_of(client.get_log_delivery_configuration, UserPoolId="us-east-1_abcdefghi")
    checker = standard.StandardRetryConditions()
    context = standard.RetryContext(attempt_number=1, operation_model=client.meta.service_model.operation_model(
        "GetLogDeliveryConfiguration"), parsed_response=err.response, http_response=type(
        "R", (), {"status_code": err.status, "headers": {}})())
    assert checker.is_retryable(context) is False
