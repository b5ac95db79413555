"""The faults of labkit.wire.faults are the same on both transports (see tests/test_wire_faults.py)."""

from __future__ import annotations

from botocore.config import Config
from support import error_of


def test_in_process_the_same_faults(tsb, aws):
    """boto3 without its own parameter validation sends what a hand-written client would: the same 4xx
    on both transports."""
    idp = aws("cognito-idp", config=Config(parameter_validation=False))
    err = error_of(idp.sign_up, ClientId=5, Username="a", Password="p")
    assert (err.code, err.message, err.status) == ("SerializationException", "NUMBER_VALUE can not be converted to a String", 400)
    err = error_of(idp.admin_create_user, MessageAction="SUPPRESS")
    assert err.code == "InvalidParameterException" and err.message.startswith("2 validation errors detected")
    ddb = aws("dynamodb", config=Config(parameter_validation=False))
    err = error_of(ddb.create_table, TableName="t", BillingMode="PAY_PER_REQUEST")
    assert err.code == "ValidationException" and "keySchema" in err.message
