"""Checking one entry of ``Logins`` against the providers an identity pool is configured with.

"Identity pools third-party identity providers" (Amazon Cognito Developer Guide,
external-identity-providers.html): Google, Facebook and Login with Amazon by app id
(``SupportedLoginProviders``), user pools by app client (``CognitoIdentityProviders``), OIDC
providers registered in IAM (``OpenIdConnectProviderARNs``), SAML providers (``SamlProviderARNs``),
and the pool's own OpenID tokens for developer-authenticated identities. Each check is
:mod:`labkit.webidentity`'s; a refusal is ``NotAuthorizedException: Invalid login token. <reason>``.
"""

from __future__ import annotations

from .. import webidentity as wi
from .exceptions import UNSUPPORTED_PROVIDER, InvalidParameterException, NotAuthorizedException

SOCIAL = {wi.GOOGLE: wi.google, wi.FACEBOOK: wi.facebook, wi.AMAZON: wi.amazon}
MAX_LOGINS = 10


def check_login(sb, pool, provider: str, token: str) -> wi.WebIdentity:
    """Validate one entry of ``Logins`` against the pool's configuration (NotAuthorizedException if not)."""
    try:
        if provider in SOCIAL and provider in pool.supported_login_providers:
            audiences = [a.strip() for a in str(pool.supported_login_providers[provider]).split(",") if a.strip()]
            return SOCIAL[provider](sb, token, audiences)
        if provider == wi.COGNITO_IDENTITY and pool.developer_provider_name:
            identity = wi.cognito_identity(sb, token)
            if identity.audience != pool.id:
                raise wi.IncorrectAudience()
            return identity
        configured = [p for p in pool.cognito_identity_providers if p["ProviderName"] == provider]
        if configured:
            try:
                return wi.user_pool(sb, token, provider, [p["ClientId"] for p in configured],
                                    server_side_check=any(p["ServerSideTokenCheck"] for p in configured))
            except wi.IncorrectAudience:
                # The pool is listed but not the app client the token was issued to: AWS calls that an
                # unsupported provider (amplify-js#559, #2067), not a bad audience.
                raise NotAuthorizedException(UNSUPPORTED_PROVIDER) from None
        arn = next((a for a in pool.open_id_connect_provider_arns if a.split("oidc-provider/", 1)[-1] == provider), None)
        if arn is not None:
            registered = wi.iam_oidc_provider_for(sb, arn)
            if registered is None:
                raise wi.BadSignature()
            return wi.openid(sb, token, provider, registered.client_id_list)
        if provider in pool.saml_provider_arns:
            return _saml_login(sb, provider, token)
        if _user_pool_issuer(token) not in (None, provider):
            # A user-pool token under a key that is not its issuer (a typo, a region written eu_west_1, a
            # literal "loginKey", "(null)/<pool id>"): AWS compares the key with the token's iss first
            # (aws-sdk-android#444, aws-sdk-ios#438, amazon-cognito-identity-js#391, #407).
            raise wi.IssuerMismatch()
    except wi.LoginRejected as why:
        raise NotAuthorizedException(f"Invalid login token. {why.reason}") from None
    raise NotAuthorizedException(UNSUPPORTED_PROVIDER)


def check_logins(sb, pool, logins: dict) -> list[wi.WebIdentity]:
    """Every entry of ``Logins`` checked (at most ten)."""
    if not isinstance(logins, dict):
        raise InvalidParameterException("Logins must be a map of provider name to token.")
    if len(logins) > MAX_LOGINS:
        raise InvalidParameterException("A maximum of 10 logins can be provided.")
    return [check_login(sb, pool, provider, token) for provider, token in logins.items()]


def _user_pool_issuer(token) -> str | None:
    """The ``iss`` of a user-pool JWT without its ``https://`` (``cognito-idp.<region>.amazonaws.com/<pool id>``),
    read unverified; None if ``token`` is not one."""
    import jwt

    try:
        iss = jwt.decode(str(token), options={"verify_signature": False}).get("iss")
    except (jwt.PyJWTError, TypeError, ValueError):
        return None
    host_path = iss[len("https://"):] if isinstance(iss, str) and iss.startswith("https://") else ""
    return host_path if wi.USER_POOL_PROVIDER.match(host_path) else None


def _saml_login(sb, provider_arn: str, assertion: str) -> wi.WebIdentity:
    """SAML logins are :mod:`labkit.saml`'s to check (``cognito_login(sandbox, provider_arn, assertion)``)."""
    from .. import saml

    return saml.cognito_login(sb, provider_arn, assertion)
