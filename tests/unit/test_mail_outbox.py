"""Mail through the outbox, without a database: the handler sends through the mailer,
re-queues a mail the relay refused (a new message, attempts counted, later), gives up
after the last attempt, and never keeps a sent mail's text (it may hold a link)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from civic.connectors.mail import FakeMailer
from civic.services.clock import utcnow
from civic.services.outbox import mail
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import Outcome


class _Session:
    """What the handler uses of a session: ``add``."""

    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, item: Any) -> None:
        self.added.append(item)


def _message(attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(
        id=1,
        aggregate_type=mail.AGGREGATE,
        aggregate_id=uuid.uuid4(),
        operation=mail.OPERATION,
        payload={
            "to": "ada@example.org",
            "subject": "Vérifiez votre adresse",
            "text": "https://data.example.org/signup/verify?token=secret",
            "language": "fr",
            "attempts": attempts,
        },
    )


def test_a_mail_is_sent_and_its_text_forgotten() -> None:
    mailer = FakeMailer()
    message = _message()
    session = _Session()
    outcome = mail.MailHandler(mailer).deliver(session, None, message)  # type: ignore[arg-type]
    assert outcome is Outcome.DELIVERED
    assert [m.subject for m in mailer.to("ada@example.org")] == ["Vérifiez votre adresse"]
    assert mailer.sent[0].language == "fr"
    assert "text" not in message.payload
    assert message.payload["state"] == "sent"
    assert session.added == []


def test_a_refused_mail_is_queued_again_later() -> None:
    message = _message()
    session = _Session()
    before = utcnow()
    outcome = mail.MailHandler(FakeMailer(fail=True)).deliver(session, None, message)  # type: ignore[arg-type]
    assert outcome is Outcome.DELIVERED  # this message is done; its successor waits
    [again] = session.added
    assert again.aggregate_id == message.aggregate_id
    assert again.payload["text"].endswith("token=secret")
    assert again.attempts == 1
    assert again.payload["attempts"] == 1
    assert "refuses" in again.last_error
    assert again.available_at >= before + dt.timedelta(seconds=15)
    assert "text" not in message.payload


def test_a_mail_is_given_up_after_the_last_attempt() -> None:
    message = _message(attempts=mail.MAX_ATTEMPTS - 1)
    session = _Session()
    outcome = mail.MailHandler(FakeMailer(fail=True)).deliver(session, None, message)  # type: ignore[arg-type]
    assert outcome is Outcome.FAILED
    assert session.added == []
    assert message.payload["state"] == "given up"


def test_without_a_mailer_the_mail_waits() -> None:
    session = _Session()
    outcome = mail.MailHandler().deliver(session, None, _message())  # type: ignore[arg-type]
    assert outcome is Outcome.DELIVERED
    assert len(session.added) == 1


def test_the_worker_delivers_mail() -> None:
    from civic.services.publishing.sync import HANDLERS  # noqa: PLC0415

    assert HANDLERS[mail.AGGREGATE] is mail.HANDLER
