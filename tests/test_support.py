"""The shared test helpers: the transport fixture reaches the sandbox both ways, error_of reads AWS errors."""

from support import error_of


def test_transport_fixture_and_error_of(aws, transport, tsb):
    idp = aws("cognito-idp")
    err = error_of(idp.describe_user_pool, UserPoolId="us-east-1_NoSuchPool")
    assert err.code == "ResourceNotFoundException"
    assert err.status == 400
    assert err == (err.code, err.message)
    assert (tsb.serve) == (transport == "http")
    if transport == "http":
        assert idp.meta.endpoint_url == tsb.endpoint_url
