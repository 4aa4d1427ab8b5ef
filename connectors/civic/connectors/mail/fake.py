"""An in-memory mailer for unit tests: keeps each message, or fails when told to."""

from __future__ import annotations

from dataclasses import dataclass, field

from civic.connectors.mail.interfaces import Mail, MailUndelivered


@dataclass
class FakeMailer:
    """Records every :class:`Mail` in ``sent``; raises :class:`MailUndelivered` if ``fail``."""

    fail: bool = False
    sent: list[Mail] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        if self.fail:
            raise MailUndelivered("the fake relay refuses every message")
        self.sent.append(mail)

    def to(self, address: str) -> list[Mail]:
        """The messages sent to ``address``, oldest first."""
        return [mail for mail in self.sent if mail.to == address]
