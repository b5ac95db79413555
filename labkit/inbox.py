"""The learner's simulated inboxes: where Cognito's emails and text messages arrive.

On AWS, a confirmation code goes to a real mailbox or phone. In the sandbox, labkit plays that phone:
every message a service "sends" lands here, per email address or phone number, and a learner reads
it with ``sb.inbox("alice@example.com").latest.code``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence


@dataclass(frozen=True)
class Message:
    """One delivered email or SMS."""

    to: str
    medium: str  # "EMAIL" or "SMS", as CodeDeliveryDetails.DeliveryMedium says
    subject: str
    body: str
    code: str | None = None
    purpose: str = ""  # "sign-up", "forgot-password", "verify-attribute", "invitation", "mfa"
    sent_at: float = 0.0

    def __str__(self) -> str:
        head = f"To: {self.to} ({self.medium})"
        return f"{head}\nSubject: {self.subject}\n\n{self.body}" if self.subject else f"{head}\n\n{self.body}"


@dataclass
class Mailbox(Sequence[Message]):
    """The messages delivered to one address, oldest first."""

    address: str
    messages: list[Message] = field(default_factory=list)

    def __getitem__(self, i):
        return self.messages[i]

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    @property
    def latest(self) -> Message:
        """The newest message; a clear error when nothing has arrived yet."""
        if not self.messages:
            from .errors import LabkitError

            raise LabkitError(
                f"Nothing has been delivered to {self.address!r} yet. Cognito sends a code on sign_up, "
                "resend_confirmation_code, forgot_password and get_user_attribute_verification_code; "
                "check the address (or phone number in E.164 form, like +15555550100) you signed up with."
            )
        return self.messages[-1]

    def __repr__(self) -> str:
        return f"<Mailbox {self.address}: {len(self.messages)} message(s)>"


def normalise(address: str) -> str:
    address = address.strip()
    if "@" in address:
        return address.lower()
    return re.sub(r"[\s().-]", "", address)


class PostOffice:
    """Every mailbox of one sandbox."""

    def __init__(self):
        self._boxes: dict[str, Mailbox] = {}

    def deliver(self, message: Message) -> Message:
        key = normalise(message.to)
        self._boxes.setdefault(key, Mailbox(key)).messages.append(message)
        return message

    def mailbox(self, address: str) -> Mailbox:
        key = normalise(address)
        return self._boxes.setdefault(key, Mailbox(key))

    def addresses(self) -> list[str]:
        return sorted(k for k, box in self._boxes.items() if box.messages)


def mask(destination: str) -> str:
    """Mask a destination as Cognito does in CodeDeliveryDetails: ``a***@e***`` and ``+*******0100``."""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return "+" + "*" * max(len(destination) - 5, 0) + destination[-4:]
