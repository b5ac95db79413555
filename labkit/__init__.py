"""labkit: the cognito-lab's sandbox and helpers.

The public surface is small on purpose:

* :class:`Sandbox` -- a private, offline AWS in which Cognito behaves as documented;
* the error classes in :mod:`labkit.errors`;
* a few modules, loaded on first use (``labkit.tokens``, ``labkit.show``...):

  - :mod:`labkit.tokens` verifies and explains Cognito tokens;
  - :mod:`labkit.show` draws the flows (widgets with static fallbacks);
  - :mod:`labkit.policy` evaluates IAM policies and explains decisions;
  - :mod:`labkit.devices` simulates a user's devices that sync;
  - ``labkit.passkey_authenticator(origin=...)`` plays the user's passkey device (:mod:`labkit.authenticators`);
  - :mod:`labkit.exercises` checks the "Check yourself" exercises.

Everything a learner *does* in the lab is plain boto3.
"""

import importlib as _importlib

from .errors import LabkitError, LeftTheSandbox, NotSimulated, SandboxAlreadyRunning, SandboxNotRunning, UnknownRegion
from .sandbox import Sandbox

__version__ = "0.1.0"

_LAZY = ("tokens", "show", "policy", "devices", "exercises", "identitypools", "userpools", "saml", "iam")


def __getattr__(name):  # PEP 562: ``labkit.show`` works after a plain ``import labkit``
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    if name == "passkey_authenticator":  # the user's passkey device (labkit.authenticators)
        return _importlib.import_module(f"{__name__}.authenticators").passkey_authenticator
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")

__all__ = [
    "Sandbox",
    "LabkitError",
    "LeftTheSandbox",
    "NotSimulated",
    "SandboxAlreadyRunning",
    "SandboxNotRunning",
    "UnknownRegion",
]
