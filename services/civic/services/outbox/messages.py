"""Adding to the outbox, inside the caller's transaction.

A message names an aggregate (``dataset``, ``organization``) and what happened to
it; the worker then sends the aggregate's *current* state, so several messages of
one aggregate collapse into one delivery and their order cannot matter.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from civic.services.outbox.models import OutboxMessage
from civic.services.uow import UnitOfWork

# Workers LISTEN on this channel; a commit with a new message wakes them at once.
CHANNEL = "civic_outbox"


def enqueue(
    uow: UnitOfWork,
    aggregate_type: str,
    aggregate_id: uuid.UUID,
    operation: str,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in ``uow``'s transaction; it exists once that commits."""
    message = OutboxMessage(
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        operation=operation,
        payload=payload or {},
    )
    uow.session.add(message)
    uow.session.flush()
    if uow.session.get_bind().dialect.name == "postgresql":
        # Delivered to listeners when (and only if) the transaction commits.
        uow.session.execute(sa.select(sa.func.pg_notify(CHANNEL, aggregate_type)))
    return message
