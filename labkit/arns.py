"""IAM ARNs, at the strictness AWS checks them: one definition for every service that reads a role ARN.

"IAM identifiers" (IAM User Guide, reference_identifiers.html) and the IAM API reference's ``Role``
data type (API_Role.html): a role ARN is ``arn:<partition>:iam::<12-digit account>:role<path><name>``
where the partition is ``aws``, ``aws-cn`` or ``aws-us-gov``; the path is ``/`` or ``/`` + printable
ASCII characters (``\\u0021``-``\\u007E``) + ``/``, at most 512 characters; the name matches
``[\\w+=,.@-]+`` and is 1 to 64 characters long (API_CreateRole.html, ``Path`` and ``RoleName``).
"""

from __future__ import annotations

import re

PARTITION = r"(?:aws|aws-cn|aws-us-gov)"
ROLE_NAME = r"[\w+=,.@-]{1,64}"
ROLE_PATH = r"/(?:[\x21-\x7E]{1,510}/)?"

#: A role ARN; group ``account``, ``path`` (``/`` or ``/a/b/``) and ``name``.
ROLE_ARN = re.compile(rf"^arn:{PARTITION}:iam::(?P<account>\d{{12}}):role(?P<path>{ROLE_PATH})(?P<name>{ROLE_NAME})$")
#: An IAM SAML provider ARN (API_CreateSAMLProvider.html: ``Name`` matches ``[\w._-]+``, 1 to 128 characters).
SAML_PROVIDER_ARN = re.compile(rf"^arn:{PARTITION}:iam::(?P<account>\d{{12}}):saml-provider/(?P<name>[\w._-]{{1,128}})$")


def is_role_arn(value) -> bool:
    """True when ``value`` is a well-formed IAM role ARN."""
    return isinstance(value, str) and ROLE_ARN.match(value) is not None


def role_name(arn: str) -> str | None:
    """The role name of a role ARN (``arn:aws:iam::123456789012:role/path/Name`` -> ``Name``), or None."""
    m = ROLE_ARN.match(arn) if isinstance(arn, str) else None
    return m.group("name") if m else None
