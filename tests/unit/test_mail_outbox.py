"""Mail through the outbox, without a database: the handler sends through the mailer and
never keeps a sent mail's text (it may hold a link); a relay's refusal is the mail kind's
transient error, which the outbox relay retries on the same message with the mail's own
backoff, and gives up after the last attempt."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from civic.connectors.ckan.interfaces import CkanUnavailable
from civic.connectors.mail import FakeMailer, MailError
from civic.services.outbox import mail, relay
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import Backoff, Handler, Outcome


class _Session:
    """What the handler and the relay's retry use of a session: ``add``, ``commit``."""

    def __init__(self) -> None:
        self.added: list[Any] = []
        self.commits = 0

    def add(self, item: Any) -> None:
        self.added.append(item)

    def commit(self) -> None:
        self.commits += 1


def _message(attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(
        id=1,
        aggregate_type=mail.AGGREGATE,
        aggregate_id=uuid.uuid4(),
        operation=mail.OPERATION,
        attempts=attempts,
        payload={
            "to": "ada@example.org",
            "subject": "Vérifiez votre adresse",
            "text": "https://data.example.org/signup/verify?token=secret",
            "language": "fr",
            "attempts": attempts,
        },
    )


def _seconds(when: Any) -> float:
    """The interval of ``now() + interval`` as the relay writes ``available_at``."""
    assert isinstance(when, sa.sql.elements.BinaryExpression)
    interval = when.right.value
    assert isinstance(interval, dt.timedelta)
    return interval.total_seconds()


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


def test_a_refused_mail_is_transient_for_the_relay() -> None:
    handler = mail.MailHandler(FakeMailer(fail=True))
    message = _message()
    with pytest.raises(handler.transient):
        handler.deliver(_Session(), None, message)  # type: ignore[arg-type]
    assert message.payload["text"].endswith("token=secret")  # kept for the next try
    assert not handler.sent
    # CKAN's errors are not the mail kind's: they would not be retried as a mail's.
    assert not issubclass(CkanUnavailable, handler.transient)
    assert issubclass(CkanUnavailable, Handler.transient)


def test_the_relay_retries_the_same_message_later_with_the_mails_backoff() -> None:
    handler = mail.MailHandler(FakeMailer(fail=True))
    message = _message()
    session = _Session()
    relay_default = Backoff(base=0.001, maximum=0.001)  # the CKAN kinds' (not used here)
    status = relay.retry_or_give_up(
        session,  # type: ignore[arg-type]
        handler,
        message,
        "MailError: the relay refuses",
        relay_default,
    )
    assert status == "retry"
    assert session.added == []  # no new message: the same one waits
    assert session.commits == 1
    assert message.attempts == 1
    assert message.payload["attempts"] == 1
    assert message.payload["text"].endswith("token=secret")
    assert "refuses" in (message.last_error or "")
    assert message.processed_at is None
    assert 15 <= _seconds(message.available_at) <= 30  # the mail's 30 s base, jittered
    # The next failure waits about twice as long.
    relay.retry_or_give_up(session, handler, message, "again", relay_default)  # type: ignore[arg-type]
    assert 30 <= _seconds(message.available_at) <= 60


def test_a_mail_is_given_up_after_the_last_attempt() -> None:
    handler = mail.MailHandler(FakeMailer(fail=True))
    message = _message(attempts=mail.MAX_ATTEMPTS - 1)
    session = _Session()
    status = relay.retry_or_give_up(session, handler, message, "MailError: no", Backoff())  # type: ignore[arg-type]
    assert status == "failed"
    assert message.processed_at is not None
    assert message.payload["state"] == "given up"
    assert message.payload["attempts"] == mail.MAX_ATTEMPTS
    assert "text" not in message.payload
    assert session.added == []


def test_a_kind_without_a_limit_is_retried_for_ever() -> None:
    class Forever(Handler):
        pass

    message = _message(attempts=1000)
    status = relay.retry_or_give_up(_Session(), Forever(), message, "down", Backoff(1, 2))  # type: ignore[arg-type]
    assert status == "retry"
    assert message.processed_at is None
    assert _seconds(message.available_at) <= 2


def test_without_a_mailer_the_mail_waits() -> None:
    message = _message()
    with pytest.raises(MailError):
        mail.MailHandler().deliver(_Session(), None, message)  # type: ignore[arg-type]
    assert "text" in message.payload


def test_the_worker_delivers_mail() -> None:
    from civic.services.publishing.sync import HANDLERS  # noqa: PLC0415

    assert HANDLERS[mail.AGGREGATE] is mail.HANDLER
