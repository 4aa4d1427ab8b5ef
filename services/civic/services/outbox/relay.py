"""Delivering one outbox message, safely among several workers.

Each delivery is one transaction:

1. lock the message row with ``FOR UPDATE SKIP LOCKED`` (another worker has it:
   skip), then a transaction-scoped advisory lock on its aggregate, so that two
   messages of one dataset are never delivered at the same time;
2. run the aggregate's handler, which sends the aggregate's current state;
3. mark the message (and, when the handler says its state covered them, the
   aggregate's other pending messages) processed, and commit.

A worker killed at any point leaves the transaction uncommitted: PostgreSQL
rolls it back when the connection drops, the message is delivered again, and
the handlers are idempotent (CKAN upserts on the dataset's name), so nothing is
lost or duplicated. A transient failure is retried later with exponential backoff;
a permanent one is recorded by the handler.

What is transient depends on the kind of message: each :class:`Handler` names its
errors (``transient``: CKAN's for the catalog, the mail relay's for mail), may bring
its own :class:`Backoff` and a number of attempts after which the relay gives the
message up (``max_attempts``; the handler records it in :meth:`Handler.on_give_up`).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.ckan.interfaces import CkanClient, CkanError
from civic.services.health import describe_error
from civic.services.outbox.models import OutboxMessage

log = logging.getLogger("civic.outbox")


class Outcome(enum.Enum):
    """What a handler made of a message."""

    # The current state was delivered: every pending message of the aggregate is done.
    DELIVERED_ALL = "delivered_all"
    # Delivered, but the aggregate changed meanwhile: only this message is done.
    DELIVERED = "delivered"
    # Refused for good (CKAN's validation): recorded on the aggregate, not retried.
    FAILED = "failed"


class Handler:
    """Delivers messages of one aggregate type; subclasses implement :meth:`deliver`.

    ``transient``: the errors :meth:`deliver` raises that mean "try again later"
    (the relay rolls the delivery back and retries it after ``backoff``, the relay's
    own when None). ``max_attempts``: how many tries before the relay gives the
    message up and calls :meth:`on_give_up` (None: retried for ever).
    """

    transient: tuple[type[Exception], ...] = (CkanError,)
    backoff: Backoff | None = None
    max_attempts: int | None = None

    def deliver(self, session: Session, ckan: CkanClient, message: OutboxMessage) -> Outcome:
        """Send the aggregate's state. Raises one of ``transient`` for a transient failure."""
        raise NotImplementedError

    def on_retry(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Note a transient failure on the aggregate (the message is retried)."""

    def on_give_up(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Record that the message was given up after ``max_attempts`` transient failures."""


class BatchHandler(Handler):
    """A handler that can also deliver several messages of its kind in one transaction
    (:func:`deliver_batch`), each message still getting its own outcome."""

    def deliver_many(
        self, session: Session, ckan: CkanClient, messages: list[OutboxMessage]
    ) -> list[Outcome]:
        """Deliver ``messages`` (locked in ``session``); one outcome each, in order.

        Raises one of ``transient`` when the whole batch is to be retried later.
        """
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits before retry n: ``base * 2**n`` seconds, capped, with jitter (50-100 %)."""

    base: float = 1.0
    maximum: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure."""
        raw = min(self.maximum, self.base * 2 ** min(attempts, 30))
        jitter: float = 0.5 + random.random() / 2  # noqa: S311 - jitter, not a secret
        return float(raw * jitter)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one message (``outcome``: the handler's, when it ran to the end)."""

    message_id: int
    status: str  # "delivered", "failed", "retry", "skipped"
    aggregate_type: str = ""
    error: str | None = None
    outcome: Outcome | None = None


# Statements built once (see deliver, deliver_batch and _finish).
_AGGREGATE_LOCK = sa.func.pg_try_advisory_xact_lock(
    sa.func.hashtextextended(
        sa.func.concat(
            OutboxMessage.aggregate_type, ":", sa.cast(OutboxMessage.aggregate_id, sa.Text)
        ),
        0,
    )
)
# The delivery's own transaction need not wait for its WAL to reach the disk: if a
# crash loses its commit, the message is delivered again. Datasets and organizations
# are idempotent upserts; mail is at-least-once anyway (a crash between the SMTP
# send and the commit sends it again), this only widens that window by the WAL
# writer's delay (a fraction of a second). set_config in the select list: no extra
# round trip.
_NOT_DURABLE = sa.func.set_config("synchronous_commit", "off", True)
_TAKE = (
    sa.select(OutboxMessage, _AGGREGATE_LOCK, _NOT_DURABLE)
    .where(OutboxMessage.id == sa.bindparam("id"), OutboxMessage.processed_at.is_(None))
    .with_for_update(skip_locked=True, of=OutboxMessage)
)
_TAKE_MANY = (
    sa.select(OutboxMessage, _AGGREGATE_LOCK, _NOT_DURABLE)
    .where(
        OutboxMessage.id.in_(sa.bindparam("ids", expanding=True)),
        OutboxMessage.processed_at.is_(None),
    )
    .order_by(OutboxMessage.id)
    .with_for_update(skip_locked=True, of=OutboxMessage)
)
_FINISH_ONE = (
    sa.update(OutboxMessage)
    .where(OutboxMessage.id == sa.bindparam("message_id"))
    .values(processed_at=sa.func.now(), last_error=sa.bindparam("failure", type_=sa.Text))
    .execution_options(synchronize_session=False)
)
_OTHERS = (
    sa.select(OutboxMessage.id)
    .where(
        OutboxMessage.aggregate_type == sa.bindparam("message_type"),
        OutboxMessage.aggregate_id == sa.bindparam("message_aggregate"),
        OutboxMessage.processed_at.is_(None),
        OutboxMessage.id != sa.bindparam("message_id"),
    )
    .with_for_update(skip_locked=True)
)
_FINISH_ALL = (
    sa.update(OutboxMessage)
    .where(
        sa.or_(
            OutboxMessage.id == sa.bindparam("message_id"),
            OutboxMessage.id.in_(_OTHERS.scalar_subquery()),
        )
    )
    .values(
        processed_at=sa.func.now(),
        last_error=sa.case(
            (
                OutboxMessage.id == sa.bindparam("message_id"),
                sa.bindparam("failure", type_=sa.Text),
            ),
            else_=OutboxMessage.last_error,
        ),
    )
    .execution_options(synchronize_session=False)
)


def due_messages(session_factory: sessionmaker[Session], limit: int) -> list[int]:
    """Ids of due, unprocessed messages, oldest first, one per aggregate."""
    return [message_id for message_id, _ in due_messages_by_kind(session_factory, limit)]


def due_messages_by_kind(
    session_factory: sessionmaker[Session], limit: int
) -> list[tuple[int, str]]:
    """(id, aggregate type) of due, unprocessed messages, oldest first, one per aggregate."""
    with session_factory() as session:
        first_per_aggregate = (
            sa.select(OutboxMessage.id, OutboxMessage.aggregate_type, OutboxMessage.available_at)
            .where(
                OutboxMessage.processed_at.is_(None),
                OutboxMessage.available_at <= sa.func.now(),
            )
            .order_by(OutboxMessage.aggregate_type, OutboxMessage.aggregate_id, OutboxMessage.id)
            .distinct(OutboxMessage.aggregate_type, OutboxMessage.aggregate_id)
            .subquery()
        )
        rows = session.execute(
            sa.select(first_per_aggregate.c.id, first_per_aggregate.c.aggregate_type)
            .order_by(first_per_aggregate.c.available_at, first_per_aggregate.c.id)
            .limit(limit)
        )
        return [(int(row[0]), str(row[1])) for row in rows]


def deliver(
    session_factory: sessionmaker[Session],
    ckan: CkanClient,
    message_id: int,
    handlers: Mapping[str, Handler],
    *,
    backoff: Backoff = Backoff(),
    clock: Callable[[], dt.datetime] | None = None,
) -> Delivery:
    """Deliver message ``message_id`` if no one else is; see the module's docstring.

    Never raises for CKAN's failures (they become ``retry`` or ``failed``); raises
    the database's errors, after which the message is simply delivered again later.
    """
    with session_factory() as session:
        # The row lock and the aggregate's advisory lock in one round trip.
        found = session.execute(_TAKE, {"id": message_id}).first()
        if found is None:
            return Delivery(message_id, "skipped")
        message, locked, _ = found
        key = f"{message.aggregate_type}:{message.aggregate_id}"
        if not locked:
            session.rollback()
            return Delivery(message_id, "skipped", message.aggregate_type)
        handler = handlers.get(message.aggregate_type)
        if handler is None:
            _finish(session, message, all_of_aggregate=False, error="no handler for this type")
            session.commit()
            return Delivery(message_id, "failed", message.aggregate_type, "no handler")
        try:
            outcome = handler.deliver(session, ckan, message)
        except handler.transient as error:
            session.rollback()
            reason = describe_error(error)
            status = _retry_later(session_factory, handler, message_id, reason, backoff)
            if status == "failed":
                log.error("outbox %s (%s) given up: %s", message_id, key, reason)
            else:
                log.warning("outbox %s (%s) will be retried: %s", message_id, key, reason)
            return Delivery(message_id, status, message.aggregate_type, reason)
        _finish(session, message, all_of_aggregate=outcome is Outcome.DELIVERED_ALL)
        session.commit()
        status = "failed" if outcome is Outcome.FAILED else "delivered"
        return Delivery(message_id, status, message.aggregate_type, outcome=outcome)


def deliver_batch(
    session_factory: sessionmaker[Session],
    ckan: CkanClient,
    message_ids: list[int],
    handler: BatchHandler,
    *,
    backoff: Backoff = Backoff(),
) -> list[Delivery]:
    """Deliver several messages of ``handler``'s kind in one transaction; one
    :class:`Delivery` per id, in order.

    Each message is taken as :func:`deliver` takes one (its row lock, its aggregate's
    advisory lock; held elsewhere: skipped) and finished with its own outcome; a
    transient error of the whole batch retries each message later. Raises the
    database's errors only (nothing is then committed: the messages come back).
    """
    deliveries = {message_id: Delivery(message_id, "skipped") for message_id in message_ids}
    with session_factory() as session:
        rows = session.execute(_TAKE_MANY, {"ids": message_ids}).all()
        taken = [message for message, locked, _ in rows if locked]
        if not taken:
            session.rollback()
            return [deliveries[message_id] for message_id in message_ids]
        kinds = {message.aggregate_type for message in taken}
        kind = kinds.pop()
        if kinds:
            raise ValueError("deliver_batch takes messages of one kind")
        ids = [message.id for message in taken]
        try:
            outcomes = handler.deliver_many(session, ckan, taken)
        except handler.transient as error:
            session.rollback()
            reason = describe_error(error)
            log.warning("outbox batch of %d %s will be retried: %s", len(ids), kind, reason)
            for message_id in ids:
                status = _retry_later(session_factory, handler, message_id, reason, backoff)
                deliveries[message_id] = Delivery(message_id, status, kind, reason)
            return [deliveries[message_id] for message_id in message_ids]
        for message, outcome in zip(taken, outcomes, strict=True):
            _finish(session, message, all_of_aggregate=outcome is Outcome.DELIVERED_ALL)
            status = "failed" if outcome is Outcome.FAILED else "delivered"
            deliveries[message.id] = Delivery(message.id, status, kind, outcome=outcome)
        session.commit()
    return [deliveries[message_id] for message_id in message_ids]


def _finish(
    session: Session, message: OutboxMessage, *, all_of_aggregate: bool, error: str | None = None
) -> None:
    # One statement for the message and, when its delivery covered them, the
    # aggregate's other pending messages (those another worker holds are left alone).
    session.execute(
        _FINISH_ALL if all_of_aggregate else _FINISH_ONE,
        {
            "message_id": message.id,
            "failure": error,
            "message_type": message.aggregate_type,
            "message_aggregate": message.aggregate_id,
        },
    )


def _retry_later(
    session_factory: sessionmaker[Session],
    handler: Handler,
    message_id: int,
    reason: str,
    backoff: Backoff,
) -> str:
    """ "retry" (later, after the handler's backoff or ``backoff``) or "failed" (given up)."""
    with session_factory() as session:
        message = session.scalar(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.processed_at.is_(None))
            .with_for_update(skip_locked=True)
        )
        if message is None:
            return "retry"
        return retry_or_give_up(session, handler, message, reason, backoff)


def retry_or_give_up(
    session: Session, handler: Handler, message: OutboxMessage, reason: str, backoff: Backoff
) -> str:
    """Count a transient failure of ``message`` (locked in ``session``) and commit: "retry"
    with ``available_at`` pushed back, or "failed" once the handler's ``max_attempts``
    are spent (processed, :meth:`Handler.on_give_up` called)."""
    message.attempts += 1
    message.last_error = reason[:2000]
    if handler.max_attempts is not None and message.attempts >= handler.max_attempts:
        message.processed_at = sa.func.now()
        handler.on_give_up(session, message, reason)
        session.commit()
        return "failed"
    delay = (handler.backoff or backoff).delay(message.attempts - 1)
    message.available_at = sa.func.now() + dt.timedelta(seconds=delay)
    handler.on_retry(session, message, reason)
    session.commit()
    return "retry"
