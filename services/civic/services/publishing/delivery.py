"""Delivering a write while its API client waits, briefly.

After a write commits, the request itself tries to deliver its outbox message (the
same transaction-safe path as the worker). Whatever happens, the message stays in
the outbox until delivered, so an answer of 202 loses nothing: the worker goes on.

A request that will deliver its own message holds it (``uow.outbox.hold``) when it
adds it: the message becomes due to the workers only ``wait`` seconds later, and its
commit sends no NOTIFY. Otherwise a worker woken by the commit takes the message
while the request polls for the outcome, and each write waits a poll interval
longer than CKAN needs. A request that dies before delivering loses nothing: the
workers take the message once the hold ends.
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.ckan.interfaces import CkanClient
from civic.services.catalog.models import Dataset, SyncStatus
from civic.services.outbox import relay
from civic.services.publishing.sync import HANDLERS


def deliver_now(
    session_factory: sessionmaker[Session],
    ckan: CkanClient,
    message_id: int,
    dataset_id: uuid.UUID,
    *,
    wait: float,
    poll: float = 0.05,
) -> SyncStatus:
    """Try to deliver ``message_id`` now; the dataset's sync status after at most ``wait`` s.

    When a worker holds the message, this waits for it (polling the status) until the
    deadline. ``wait`` 0 tries nothing. Raises the database's errors only.
    """
    deadline = time.monotonic() + wait
    if wait <= 0:
        return _status(session_factory, dataset_id)
    delivery = relay.deliver(session_factory, ckan, message_id, HANDLERS)
    if delivery.outcome is relay.Outcome.DELIVERED_ALL:
        # The handler recorded "synced" on the state it sent, in the transaction that
        # just committed: no need to read it back.
        return SyncStatus.SYNCED
    status = _status(session_factory, dataset_id)
    while (
        delivery.status == "skipped"
        and status is SyncStatus.PENDING
        and time.monotonic() + poll < deadline
    ):
        time.sleep(poll)
        status = _status(session_factory, dataset_id)
    return status


def _status(session_factory: sessionmaker[Session], dataset_id: uuid.UUID) -> SyncStatus:
    with session_factory() as session:
        status = session.scalar(sa.select(Dataset.sync_status).where(Dataset.id == dataset_id))
    return status if status is not None else SyncStatus.PENDING
