"""What services may ask of a mailer, and what it may raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MailError(Exception):
    """Base class of every error the mail connector raises."""


class MailUndelivered(MailError):  # noqa: N818 - reads as the state it reports
    """The relay could not be reached, refused the login, the sender or the recipient."""


@dataclass(frozen=True, slots=True)
class Mail:
    """One plain-text message to one person. The sender is the mailer's own."""

    to: str
    subject: str
    text: str
    # BCP 47 language of the text (Content-Language), e.g. "fr" or "en".
    language: str = "en"


class Mailer(Protocol):
    """Sends mail."""

    def send(self, mail: Mail) -> None:
        """Hand ``mail`` to the relay. Raises :class:`MailUndelivered` when it is not taken."""
        ...
