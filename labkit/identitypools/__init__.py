"""Amazon Cognito identity pools (cognito-identity): identities, logins, roles, credentials.

"Amazon Cognito identity pools provide temporary AWS credentials for users who are guests
(unauthenticated) and for users who have been authenticated and received a token"
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-identity.html). moto stores pools and
hands out one constant key pair to anybody; here the service does what the API reference says
(https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/):

* ``GetId`` checks every login (signature, issuer, audience, expiry on the sandbox clock) against the
  providers configured on the pool, gives the same identity id to the same user every time, links several
  providers' logins to one identity, and refuses guests when the pool does not allow them.
* ``GetCredentialsForIdentity`` (the *enhanced* flow) picks the role (default roles, role mappings by
  token or rules, ``CustomRoleArn``), evaluates its trust policy as STS would and issues credentials IAM
  knows; ``GetOpenIdToken`` (the *basic* flow) returns a JWT signed by the identity service for
  STS ``AssumeRoleWithWebIdentity``. "Identity pools authentication flow"
  (https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html).
* Developer-authenticated identities, merging, unlinking, describing and listing identities.

The rooms, as in every service of the sandbox:

* :mod:`.models` -- the state and its meaning (:class:`IdentityPools`, :class:`IdentityPool`, :class:`Identity`);
* :mod:`.logins` -- which provider checks an entry of ``Logins``; :mod:`.rolemapping` -- which role an identity gets;
* :mod:`.service` -- the operations (:class:`CognitoIdentityService`: unpack, call the models, pack);
* :mod:`.routes` -- the ``/.well-known/jwks_uri`` endpoint; :mod:`.exceptions` -- the service's errors;
* :mod:`.quick` -- :func:`quick_identity_pool`, the lab's one-call set-up.
"""

from __future__ import annotations

from .exceptions import (CognitoIdentityError, DeveloperUserAlreadyRegisteredException,
                         InvalidIdentityPoolConfigurationException, InvalidParameterException, NotAuthorizedException,
                         ResourceConflictException, ResourceNotFoundException, ValidationException)
from .models import (DEVELOPER_TOKEN_LIFETIME, ENHANCED_FLOW_DURATION, OPENID_TOKEN_LIFETIME, SESSION_NAME, Identity,
                     IdentityPool, IdentityPools)
from .quick import DEFAULT_ROLE_POLICY, quick_identity_pool
from .routes import JWKS_PATH, jwks_route
from .service import CognitoIdentityService

__all__ = [
    "install", "quick_identity_pool", "CognitoIdentityService", "IdentityPools", "IdentityPool", "Identity",
    "CognitoIdentityError", "NotAuthorizedException", "ResourceNotFoundException", "InvalidParameterException",
    "ValidationException", "ResourceConflictException", "InvalidIdentityPoolConfigurationException",
    "DeveloperUserAlreadyRegisteredException", "DEFAULT_ROLE_POLICY", "JWKS_PATH", "OPENID_TOKEN_LIFETIME",
    "DEVELOPER_TOKEN_LIFETIME", "ENHANCED_FLOW_DURATION", "SESSION_NAME",
]


def install(sandbox) -> CognitoIdentityService:
    service = sandbox.dispatcher.register(CognitoIdentityService(sandbox))
    sandbox.dispatcher.routes.append(jwks_route(sandbox))
    return service
