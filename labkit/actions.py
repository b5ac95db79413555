"""What a request asks IAM for: this name is kept for existing imports; the package is
:mod:`labkit.iam.actions`.

    from labkit import actions
    actions.authorizations(request, account_id)   # the same function as labkit.iam.actions'
"""

from .iam.actions import (Authorization, RequestAuthorizations, ServiceErrors, authorizations, credentials_of,
                          errors_for, protocol_of, rest_operation, s3_address)

__all__ = ["Authorization", "RequestAuthorizations", "authorizations", "credentials_of", "s3_address",
           "protocol_of", "rest_operation", "ServiceErrors", "errors_for"]
