"""The one write use case: store a dataset write, try CKAN briefly, say what happened.

Every door that changes a dataset (``/api/v1``, the publisher's form, ``civic
publish``, CKAN's Action API at the gateway) calls :func:`write_dataset` with the
change to make, as a function of a unit of work. This module owns that unit of work:

1. hold the outbox messages the change adds for ``wait`` seconds (the workers leave
   them to this request, and no NOTIFY wakes them for nothing; see :mod:`.delivery`);
   run the change (a function of :mod:`civic.services.catalog.datasets`); a refusal
   raises its domain error and nothing is stored;
2. commit;
3. deliver the message to CKAN now, waiting at most ``wait`` seconds;
4. read the stored dataset back, on one read connection.

What follows the commit can fail (CKAN down, the database restarting, the process
killed): the write is then still stored and queued, the worker carries it to CKAN,
and the outcome is :attr:`Outcome.PENDING`. A write is never reported as failed once
it is committed, and never reported as done before it is.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from civic.services.bootstrap import Bootstrap
from civic.services.catalog.datasets import DatasetWrite
from civic.services.catalog.documents import dataset_document_by_id
from civic.services.catalog.errors import NameTaken
from civic.services.catalog.models import SyncStatus
from civic.services.db import unique_violation
from civic.services.publishing.delivery import deliver_now
from civic.services.uow import UnitOfWork

log = logging.getLogger("civic.publishing")

Change = Callable[[UnitOfWork], DatasetWrite]


class Outcome(enum.StrEnum):
    """What became of a write that was not refused."""

    SYNCED = "synced"  # stored, and CKAN confirmed it
    PENDING = "pending"  # stored and queued; the worker will carry it to CKAN
    UNCHANGED = "unchanged"  # it asked for what the dataset already was: nothing stored


@dataclass(frozen=True, slots=True)
class WriteResult:
    """A stored (or unchanged) write: its outcome and the dataset as it now stands.

    ``document`` is the dataset's ``/api/v1`` document read back after the commit, or
    None when it could not be read (the write is stored all the same).
    """

    outcome: Outcome
    name: str
    dataset_id: uuid.UUID
    created: bool
    deleted: bool
    document: dict[str, Any] | None

    @property
    def done(self) -> bool:
        """True when nothing is left for the worker: CKAN has it, or nothing changed."""
        return self.outcome is not Outcome.PENDING


def write_dataset(
    bootstrap: Bootstrap, change: Change, *, wait: float, dry_run: bool = False
) -> WriteResult:
    """Run ``change`` in a unit of work of its own, commit, deliver, read back.

    ``wait`` is how long to wait for CKAN (0: leave it all to the workers). In a
    ``dry_run`` the change is checked and rolled back: the outcome says what it would
    have done (PENDING for a change, UNCHANGED otherwise) and ``document`` is None.

    Raises the change's domain errors (:class:`~civic.services.errors.DomainError`)
    when it is refused, :class:`NameTaken` when a concurrent write took the name
    first, and the database's errors when the commit itself fails.
    """
    with bootstrap.unit_of_work() as uow:
        try:
            uow.outbox.hold(wait)
            write = change(uow)
            dataset_id, name, message_id = write.dataset.id, write.dataset.name, write.message_id
            deleted = write.dataset.deleted_at is not None
            if dry_run:
                outcome = Outcome.PENDING if write.changed else Outcome.UNCHANGED
                return WriteResult(outcome, name, dataset_id, write.created, deleted, None)
            uow.commit()
        except IntegrityError as error:
            # Two writes of one new name at once: the unique index lets one win (at the
            # change's flush or at the commit); the others learn the name is taken.
            if unique_violation(error):
                raise NameTaken(_name_taken(error)) from error
            raise
    try:
        return _settle(bootstrap, dataset_id, message_id, created=write.created, wait=wait)
    except Exception:
        # The database restarting (or anything else) after the commit: the write is
        # stored and the worker will carry it to CKAN, so the truth is "pending".
        log.exception("dataset %s stored; its outcome could not be read back", name)
        return WriteResult(Outcome.PENDING, name, dataset_id, write.created, deleted, None)


def _settle(
    bootstrap: Bootstrap,
    dataset_id: uuid.UUID,
    message_id: int | None,
    *,
    created: bool,
    wait: float,
) -> WriteResult:
    outcome: Outcome | None = None
    if message_id is None:
        outcome = Outcome.UNCHANGED
    elif wait > 0:
        # The probe client: a short timeout and no retries; the worker is the patient one.
        status = deliver_now(
            bootstrap.session_factory,
            bootstrap.ckan_probe_client,
            message_id,
            dataset_id,
            wait=wait,
        )
        outcome = Outcome.SYNCED if status is SyncStatus.SYNCED else Outcome.PENDING
    # One statement on a read connection (the write has committed).
    document, deleted = bootstrap.read(lambda uow: dataset_document_by_id(uow, dataset_id))
    if outcome is None:
        # Left to the workers (wait 0): the document read back says where it stands.
        synced = document.get("sync_status") == SyncStatus.SYNCED.value
        outcome = Outcome.SYNCED if synced else Outcome.PENDING
    return WriteResult(outcome, document["name"], dataset_id, created, deleted, document)


def _name_taken(error: IntegrityError) -> str:
    name = (error.params or {}).get("name") if isinstance(error.params, dict) else None
    return f"a dataset named {name!r} exists already" if name else "this name is taken already"
