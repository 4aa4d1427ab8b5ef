"""Mail through the outbox: a mail is written in the same transaction as the change
that asks for it (a sign-up, a reset, a change of address), so it is not lost when the
SMTP relay is down at that moment.

The page that committed tries to deliver it at once (:func:`deliver_now`); what is
left (the relay down) the outbox worker delivers later, with the same handler
(``"mail"`` in the publishing worker's handlers).

A relay's refusal (:class:`MailError`) is this kind's transient error: the outbox
relay retries the same message later, with the mail's own backoff (30 s doubling up
to an hour), and gives it up after :data:`MAX_ATTEMPTS` tries. A delivered or given
up mail's text (it may hold a one-use link) is removed from the row; its address and
subject stay for operators.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.ckan.interfaces import CkanClient
from civic.connectors.mail import Mail, Mailer, MailError
from civic.services.outbox import relay
from civic.services.outbox.messages import enqueue
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import Backoff, Handler, Outcome
from civic.services.uow import UnitOfWork

log = logging.getLogger("civic.mail")

AGGREGATE = "mail"
OPERATION = "send"
# About a day of tries with the default backoff (capped at 5 minutes a wait) and more.
MAX_ATTEMPTS = 12
_KEPT = ("to", "subject", "language", "attempts")


def enqueue_mail(uow: UnitOfWork, mail: Mail) -> OutboxMessage:
    """Add ``mail`` to the outbox in ``uow``'s transaction (it exists once that commits)."""
    payload = {
        "to": mail.to,
        "subject": mail.subject,
        "text": mail.text,
        "language": mail.language,
        "attempts": 0,
    }
    return enqueue(uow, AGGREGATE, uuid.uuid4(), OPERATION, payload)


def mail_of(payload: dict[str, Any]) -> Mail:
    """The :class:`Mail` a message's payload holds."""
    return Mail(
        to=str(payload["to"]),
        subject=str(payload["subject"]),
        text=str(payload.get("text", "")),
        language=str(payload.get("language", "en")),
    )


def _without_text(payload: dict[str, Any], state: str) -> dict[str, Any]:
    return {**{key: payload[key] for key in _KEPT if key in payload}, "state": state}


class MailHandler(Handler):
    """Delivers ``mail`` messages through a :class:`Mailer` (none yet: retried later)."""

    transient = (MailError,)
    max_attempts = MAX_ATTEMPTS

    def __init__(self, mailer: Mailer | None = None, backoff: Backoff | None = None) -> None:
        self.mailer = mailer
        self.sent = False  # whether the last delivery reached the relay
        self.backoff = backoff or Backoff(base=30.0, maximum=3600.0)

    def use(self, mailer: Mailer) -> None:
        """Send through ``mailer`` from now on (the worker's, once its settings are read)."""
        self.mailer = mailer

    def deliver(self, session: Session, ckan: CkanClient | None, message: OutboxMessage) -> Outcome:
        """Send the mail. Raises :class:`MailError` (the relay retries it later)."""
        payload = dict(message.payload)
        if "text" not in payload:  # delivered or given up already
            return Outcome.DELIVERED
        if self.mailer is None:
            raise MailError("no mailer is configured in this process")
        self.mailer.send(mail_of(payload))
        message.payload = _without_text(payload, "sent")
        self.sent = True
        return Outcome.DELIVERED

    def on_retry(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Count the attempt in the payload too (operators read it there)."""
        extra = {"attempts": message.attempts, "error": error}
        log.warning("mail not sent, will retry", extra=extra)
        message.payload = {**message.payload, "attempts": message.attempts}

    def on_give_up(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Forget the mail's text; keep who it was for and why it failed."""
        log.error("mail given up", extra={"attempts": message.attempts, "error": error})
        payload = {**message.payload, "attempts": message.attempts}
        message.payload = _without_text(payload, "given up")


# The worker's handler: ``civic worker`` gives it the configured mailer at start.
HANDLER = MailHandler()


def deliver_now(
    session_factory: sessionmaker[Session], ckan: CkanClient, mailer: Mailer, message_id: int
) -> bool:
    """Try the message at once, from the process that committed it (no wait for the
    worker). True when the relay took the mail; False when it waits in the outbox (the
    relay down) or someone else is delivering it."""
    handler = MailHandler(mailer)
    relay.deliver(session_factory, ckan, message_id, {AGGREGATE: handler})
    return handler.sent
