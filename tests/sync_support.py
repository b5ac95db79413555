"""Shared set-up for the Cognito Sync tests: an identity pool, signed-in users, their credentials."""

from __future__ import annotations

import boto3

from labkit.identitypools import quick_identity_pool

GOOGLE_CLIENT = "1234-notes.apps.googleusercontent.com"


class App:
    """An identity pool "Notes" (guests allowed, Google sign-in) and helpers to get its users' credentials."""

    def __init__(self, sb, allow_guests: bool = True, name: str = "Notes"):
        self.sb = sb
        ids = quick_identity_pool(sb, name, allow_guests=allow_guests, google_client_id=GOOGLE_CLIENT)
        self.pool_id = ids["IdentityPoolId"]
        self.cognito = boto3.client("cognito-identity")

    def user(self, email: str):
        """(identity id, Credentials dict) of a Google user, through GetId / GetCredentialsForIdentity."""
        token = self.sb.idp("google").sign_in(email, client_id=GOOGLE_CLIENT)
        logins = {"accounts.google.com": token}
        identity_id = self.cognito.get_id(IdentityPoolId=self.pool_id, Logins=logins)["IdentityId"]
        creds = self.cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        return identity_id, creds

    def guest(self):
        identity_id = self.cognito.get_id(IdentityPoolId=self.pool_id)["IdentityId"]
        creds = self.cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
        return identity_id, creds


def sync_client(creds: dict | None = None, endpoint_url: str | None = None):
    """A cognito-sync client signed with an identity's credentials (or the developer's when None)."""
    kwargs = {}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if creds is not None:
        kwargs.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                      aws_session_token=creds["SessionToken"])
    return boto3.client("cognito-sync", **kwargs)
