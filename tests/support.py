"""Helpers every test module shares (import them: ``from support import error_of``)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


class AwsError(tuple):
    """``(code, message)`` of an AWS error, with ``.code``, ``.message`` and ``.status``.

    It compares equal to a plain ``(code, message)`` pair, so ``error_of(...) == ("Code", "text")``.
    """

    def __new__(cls, code: str, message: str, status: int, response: dict):
        self = super().__new__(cls, (code, message))
        self.status = status
        self.response = response
        return self

    code = property(lambda self: self[0])
    message = property(lambda self: self[1])


def aws_error(error: ClientError) -> AwsError:
    r = error.response
    return AwsError(r["Error"].get("Code", ""), r["Error"].get("Message", ""), r["ResponseMetadata"].get("HTTPStatusCode", 0), r)


def error_of(call, *args, **kwargs) -> AwsError:
    """Call ``call(*args, **kwargs)``, which must fail with a ClientError; return its :class:`AwsError`.

    Also takes a ``pytest.raises`` ExceptionInfo (``error_of(info)``), for code that raised already.
    """
    if isinstance(call, pytest.ExceptionInfo):
        return aws_error(call.value)
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return aws_error(info.value)
