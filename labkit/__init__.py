"""labkit: the cognito-lab's sandbox and helpers.

The public surface is small on purpose:

* :class:`Sandbox` -- a private, offline AWS in which Cognito behaves as documented;
* the error classes in :mod:`labkit.errors`.

Everything a learner *does* in the lab is plain boto3.
"""

from .errors import LabkitError, LeftTheSandbox, NotSimulated, SandboxAlreadyRunning, SandboxNotRunning, UnknownRegion
from .sandbox import Sandbox

__version__ = "0.1.0"

__all__ = [
    "Sandbox",
    "LabkitError",
    "LeftTheSandbox",
    "NotSimulated",
    "SandboxAlreadyRunning",
    "SandboxNotRunning",
    "UnknownRegion",
]
