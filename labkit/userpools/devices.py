"""Remembered devices: device tracking, device authentication, and MFA skipped on a trusted device.

Developer guide, "Working with user devices in your user pool"
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html), and
the API reference (DeviceConfigurationType, ConfirmDevice, ListDevices, GetDevice, UpdateDeviceStatus,
ForgetDevice and their Admin variants):

* A pool tracks devices when it has a ``DeviceConfiguration`` (CreateUserPool / UpdateUserPool). "Amazon
  Cognito includes a device key in the response to any sign-in that doesn't already include device
  information": ``AuthenticationResult.NewDeviceMetadata`` (``DeviceKey`` in the format ``Region_UUID``,
  ``DeviceGroupKey``).
* The app confirms the device with ``ConfirmDevice`` and an SRP verifier it made for a random device password
  (``DeviceSecretVerifierConfig``: ``PasswordVerifier``, ``Salt``). "When DeviceOnlyRememberedOnUserPrompt is
  false, Amazon Cognito immediately remembers devices that you register in a ConfirmDevice API request";
  when true the answer says ``UserConfirmationNecessary`` and the app asks the user, then
  ``UpdateDeviceStatus`` (remembered / not_remembered).
* At the next sign-in the app sends ``DEVICE_KEY``; after the password, Cognito asks the device to prove
  itself: ``DEVICE_SRP_AUTH`` (the device's SRP_A), then ``DEVICE_PASSWORD_VERIFIER`` (the device's proof).
  "When [ChallengeRequiredOnNewDevice is] true, a remembered device can sign in with device authentication
  instead of SMS and time-based one-time password (TOTP) factors for multi-factor authentication (MFA).
  Whether or not ChallengeRequiredOnNewDevice is true, users who sign in with devices that have not been
  confirmed or remembered must still provide a second factor in a user pool that requires MFA."
* ``ForgetDevice`` ends it: the device key no longer authenticates, MFA is asked again, and the next sign-in
  gets a new device key.

The SRP is :mod:`.srp`'s (the device in the user's place). Error texts marked "reconstruction" are labkit's
best wording where AWS publishes none.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import ClassVar

from .. import moto_adapter
from ..wire.dispatch import operation
from . import clients, srp, users
from .exceptions import InvalidParameter, NotAuthorized, ResourceNotFound
from .signin import CHALLENGE_SECONDS, CHALLENGES, PRESENTED_DEVICE, Challenge, Pending

_DEVICES = "devices"  # labkit's attribute on moto's pool: device key -> Device
STATUSES = ("remembered", "not_remembered")
#: ResourceNotFoundException for a device key the user does not have (reconstruction).
NO_DEVICE = "Device does not exist."
#: ConfirmDevice with a device key Cognito did not issue to this user: public re:Post question "aws cognito
#: user device tracking issue" quotes "Invalid device key given" (the error code is labkit's reconstruction).
INVALID_KEY = "Invalid device key given."


@dataclass
class Device:
    key: str
    group_key: str
    username: str
    sub: str  # the user's sub: a later user of the same name does not inherit the device
    created: float
    modified: float
    last_authenticated: float | None = None
    name: str | None = None
    verifier: int | None = None  # set by ConfirmDevice
    salt_hex: str | None = None
    remembered: bool = False

    @property
    def confirmed(self) -> bool:
        return self.verifier is not None

    def to_json(self) -> dict:
        """DeviceType."""
        attrs = [{"Name": "device_status", "Value": "valid"},
                 {"Name": "dev:device_remembered_status", "Value": "remembered" if self.remembered else "not_remembered"}]
        if self.name:
            attrs.insert(1, {"Name": "device_name", "Value": self.name})
        out = {"DeviceKey": self.key, "DeviceAttributes": attrs, "DeviceCreateDate": self.created,
               "DeviceLastModifiedDate": self.modified}
        if self.last_authenticated is not None:
            out["DeviceLastAuthenticatedDate"] = self.last_authenticated
        return out


# ====================================================================== the pool's devices
def configuration(pool) -> dict | None:
    """The pool's DeviceConfiguration (None: the pool does not track devices)."""
    return pool.extended_config.get("DeviceConfiguration")


def devices_of(pool) -> dict:
    found = moto_adapter.extra(pool, _DEVICES)
    if found is None:
        found = {}
        moto_adapter.set_extra(pool, _DEVICES, found)
    return found


def device_of(pool, user, key: str | None) -> Device | None:
    device = devices_of(pool).get(key or "")
    return device if device is not None and device.username == user.username and device.sub == user.id else None


def presented(pool, user) -> Device | None:
    """The confirmed device of this user whose DEVICE_KEY the app presented in this sign-in, if any."""
    device = device_of(pool, user, PRESENTED_DEVICE.get())
    return device if device is not None and device.confirmed else None


def new_device_metadata(model, pool, user, result: dict) -> None:
    """At the end of a sign-in on a pool that tracks devices: a new device key unless the sign-in presented a
    device of this user (AuthenticationResult.NewDeviceMetadata)."""
    if configuration(pool) is None or device_of(pool, user, PRESENTED_DEVICE.get()) is not None:
        return
    rnd = model.random
    key = f"{pool.region}_{uuid.UUID(int=rnd.getrandbits(128), version=4)}"
    # DeviceGroupKey: an opaque string Cognito makes per user; its shape here is a reconstruction.
    group = "-" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9))
    now = model.now
    devices_of(pool)[key] = Device(key, group, user.username, user.id, now, now)
    result["NewDeviceMetadata"] = {"DeviceKey": key, "DeviceGroupKey": group}


def forget_all(pool, user) -> None:
    """The user's devices end with the user (AdminDeleteUser, DeleteUser)."""
    mine = devices_of(pool)
    for key in [k for k, d in mine.items() if d.username == user.username]:
        del mine[key]


# ====================================================================== the operations
def _decode_b64(value: str | None, field: str) -> bytes:
    try:
        data = base64.b64decode(value or "", validate=True)
    except (ValueError, TypeError):
        data = b""
    if not data:
        raise InvalidParameter(f"Invalid {field} in DeviceSecretVerifierConfig")  # reconstruction
    return data


def confirm(model, pool, user, key: str | None, verifier_config: dict | None, name: str | None) -> dict:
    """ConfirmDevice: the device's SRP verifier; remembered at once unless DeviceOnlyRememberedOnUserPrompt."""
    device = device_of(pool, user, key)
    if device is None:
        raise InvalidParameter(INVALID_KEY)
    cfg = verifier_config or {}
    verifier = int.from_bytes(_decode_b64(cfg.get("PasswordVerifier"), "PasswordVerifier"), "big")
    salt = _decode_b64(cfg.get("Salt"), "Salt")
    if verifier % srp.N == 0:
        raise InvalidParameter("Invalid PasswordVerifier in DeviceSecretVerifierConfig")  # reconstruction
    on_prompt = bool((configuration(pool) or {}).get("DeviceOnlyRememberedOnUserPrompt"))
    device.verifier, device.salt_hex, device.name = verifier, salt.hex(), name or device.name
    device.remembered = not on_prompt
    device.modified = model.now
    return {"UserConfirmationNecessary": on_prompt}


def _confirmed_device(pool, user, key: str | None) -> Device:
    device = device_of(pool, user, key)
    if device is None or not device.confirmed:
        raise ResourceNotFound(NO_DEVICE)
    return device


def list_devices(pool, user, limit, token: str | None) -> dict:
    """ListDevices / AdminListDevices: the user's confirmed devices (Limit 0-60, PaginationToken)."""
    if limit is not None and not 0 <= int(limit) <= 60:
        raise InvalidParameter(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                               "Member must have value less than or equal to 60")
    mine = sorted((d for d in devices_of(pool).values() if d.username == user.username and d.sub == user.id and d.confirmed),
                  key=lambda d: (d.created, d.key))
    start = 0
    if token:
        keys = [d.key for d in mine]
        if token not in keys:
            raise InvalidParameter("Invalid pagination token")  # reconstruction
        start = keys.index(token)
    size = int(limit) if limit else 60
    page = mine[start:start + size]
    out = {"Devices": [d.to_json() for d in page]}
    if start + size < len(mine):
        out["PaginationToken"] = mine[start + size].key
    return out


def update_status(model, pool, user, key: str | None, status: str | None) -> None:
    """UpdateDeviceStatus / AdminUpdateDeviceStatus: remembered or not_remembered."""
    if status is not None and status not in STATUSES:
        raise InvalidParameter(f"1 validation error detected: Value '{status}' at 'deviceRememberedStatus' failed to "
                               f"satisfy constraint: Member must satisfy enum value set: [{', '.join(STATUSES)}]")
    device = _confirmed_device(pool, user, key)
    device.remembered = status == "remembered"
    device.modified = model.now


def forget(pool, user, key: str | None) -> None:
    """ForgetDevice / AdminForgetDevice: the device key no longer authenticates (nor skips MFA)."""
    device = device_of(pool, user, key)
    if device is None:
        raise ResourceNotFound(NO_DEVICE)
    del devices_of(pool)[device.key]


class DeviceOperations:
    """The device operations of :class:`.service.UserPoolService` (a mixin: ``self.model`` is the pools' model)."""

    def _device_user(self, params, ctx, admin: bool):
        if admin:
            pool = self.model.pool(params.get("UserPoolId"), ctx.region)
            return pool, self.model.user(pool, params.get("Username"))
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        return pool, user

    @operation("ConfirmDevice")
    def confirm_device(self, params, ctx):
        """ConfirmDevice: the device key of NewDeviceMetadata and the device's SRP verifier."""
        pool, user = self._device_user(params, ctx, admin=False)
        return confirm(self.model, pool, user, params.get("DeviceKey"), params.get("DeviceSecretVerifierConfig"),
                       params.get("DeviceName"))

    @operation("ListDevices")
    def list_devices(self, params, ctx):
        """ListDevices: the access token's user's devices."""
        pool, user = self._device_user(params, ctx, admin=False)
        return list_devices(pool, user, params.get("Limit"), params.get("PaginationToken"))

    @operation("AdminListDevices")
    def admin_list_devices(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=True)
        return list_devices(pool, user, params.get("Limit"), params.get("PaginationToken"))

    @operation("GetDevice")
    def get_device(self, params, ctx):
        """GetDevice: one of the access token's user's devices."""
        pool, user = self._device_user(params, ctx, admin=False)
        return {"Device": _confirmed_device(pool, user, params.get("DeviceKey")).to_json()}

    @operation("AdminGetDevice")
    def admin_get_device(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=True)
        return {"Device": _confirmed_device(pool, user, params.get("DeviceKey")).to_json()}

    @operation("UpdateDeviceStatus")
    def update_device_status(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=False)
        update_status(self.model, pool, user, params.get("DeviceKey"), params.get("DeviceRememberedStatus"))
        return {}

    @operation("AdminUpdateDeviceStatus")
    def admin_update_device_status(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=True)
        update_status(self.model, pool, user, params.get("DeviceKey"), params.get("DeviceRememberedStatus"))
        return {}

    @operation("ForgetDevice")
    def forget_device(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=False)
        forget(pool, user, params.get("DeviceKey"))
        return {}

    @operation("AdminForgetDevice")
    def admin_forget_device(self, params, ctx):
        pool, user = self._device_user(params, ctx, admin=True)
        forget(pool, user, params.get("DeviceKey"))
        return {}


# ====================================================================== the device challenges
def skips_mfa(pool, device: Device) -> bool:
    """A remembered device replaces MFA where the pool says so (ChallengeRequiredOnNewDevice)."""
    return device.remembered and bool((configuration(pool) or {}).get("ChallengeRequiredOnNewDevice"))


@CHALLENGES.register
class DeviceSrpAuth(Challenge):
    """DEVICE_SRP_AUTH: after the password, a confirmed device the app presented (DEVICE_KEY) starts its SRP
    (USERNAME, DEVICE_KEY, SRP_A); the answer is DEVICE_PASSWORD_VERIFIER (SRP_B, SALT, SECRET_BLOCK)."""

    name, stage = "DEVICE_SRP_AUTH", "device"

    def offered(self, signin, pool, client, user):
        return configuration(pool) is not None and presented(pool, user) is not None

    def begin(self, signin, pool, client, user, source):
        return signin.challenge(self.name, pool, client, user, source, {}, extra={"device_key": presented(pool, user).key})

    def take(self, signin, pool, client, params, responses):
        if params.get("Session"):
            return super().take(signin, pool, client, params, responses)
        # amazon-cognito-identity-js sends the Session; pycognito's AWSSRP answers without one (by USERNAME and
        # DEVICE_KEY), and Cognito accepts it: labkit finds the sign-in waiting for that device.
        username, key = responses.get("USERNAME"), responses.get("DEVICE_KEY")
        for token, pending in list(signin.pending.items()):
            user = pool.users.get(pending.username)
            if (pending.name == self.name and pending.client_id == client.id and pending.pool_id == pool.id
                    and user is not None and users.find(pool, username) is user and pending.extra.get("device_key") == key):
                return super().take(signin, pool, client, {**params, "Session": token}, responses)
        raise NotAuthorized("Invalid session for the user, session is expired.")

    def answer(self, signin, pool, client, pending, user, responses, session):
        device = device_of(pool, user, pending.extra.get("device_key"))
        if device is None or not device.confirmed or responses.get("DEVICE_KEY") != device.key:
            raise NotAuthorized("Incorrect username or password.")  # reconstruction: the device is not that user's
        if not responses.get("SRP_A"):
            raise InvalidParameter("Missing required parameter SRP_A")
        try:
            server = srp.start(responses["SRP_A"], device.verifier, device.salt_hex, signin.model.random)
        except ValueError:
            raise InvalidParameter("SRP_A is not valid") from None
        block = base64.b64encode(signin.model.random.randbytes(512)).decode()
        signin.keep(block, Pending(DevicePasswordVerifier.name, pool.id, client.id, user.username,
                                   signin.now + CHALLENGE_SECONDS, srp=server, source=pending.source,
                                   extra={"device_key": device.key}))
        out = signin.challenge(DevicePasswordVerifier.name, pool, client, user, pending.source, {
            "SALT": device.salt_hex, "SECRET_BLOCK": block, "SRP_B": server.srp_b_hex, "USERNAME": user.username},
            extra={"device_key": device.key})
        return out


@CHALLENGES.register
class DevicePasswordVerifier(Challenge):
    """DEVICE_PASSWORD_VERIFIER: the device's proof (PASSWORD_CLAIM_SIGNATURE over DeviceGroupKey, DeviceKey,
    SECRET_BLOCK, TIMESTAMP); then tokens, or MFA unless the remembered device replaces it."""

    name: ClassVar[str] = "DEVICE_PASSWORD_VERIFIER"

    def take(self, signin, pool, client, params, responses):
        block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        pending = signin.pending.get(block)
        if (pending is None or pending.name != self.name or pending.client_id != client.id or pending.pool_id != pool.id
                or signin.now > pending.expires):
            raise NotAuthorized("Incorrect username or password.")
        user = pool.users.get(pending.username)
        username = responses.get("USERNAME")
        clients.check_secret_hash(client, responses.get("SECRET_HASH"), username, user.username if user else "", user.id if user else "")
        if user is None or users.find(pool, username) is not user:
            raise NotAuthorized("Incorrect username or password.")
        signin.pending.pop(block, None)
        if params.get("Session"):
            signin.pending.pop(params["Session"], None)  # the Session of the same step is used up with it
        return pending, user

    def answer(self, signin, pool, client, pending, user, responses, session):
        device = device_of(pool, user, pending.extra.get("device_key"))
        if device is None or not device.confirmed or responses.get("DEVICE_KEY") != device.key:
            raise NotAuthorized("Incorrect username or password.")
        ok = srp.device_claim_is_valid(pending.srp, device.group_key, device.key,
                                       responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "", responses.get("TIMESTAMP") or "",
                                       responses.get("PASSWORD_CLAIM_SIGNATURE") or "")
        if not ok:
            raise NotAuthorized("Incorrect username or password.")
        device.last_authenticated = signin.now
        if skips_mfa(pool, device):
            return signin.tokens(pool, client, user, pending.source)
        return signin.next_step(pool, client, user, pending.source, ("mfa",))
