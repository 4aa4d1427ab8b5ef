"""Repairing what a push or a message missed, in both directions.

* CKAN → mirror: every active CKAN dataset whose ``metadata_modified`` differs from
  the mirror's is taken in (:func:`~civic.services.catalog.ingest.apply_ckan_dataset`);
  a mirrored dataset that CKAN no longer has active is withdrawn.
* mirror → CKAN: a dataset or organization the gateway holds but CKAN does not
  (never delivered, no message left) gets a new outbox message.

Run by ``civic catalog reconcile`` and, periodically, by one of the workers.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from civic.connectors.ckan.interfaces import CkanClient, CkanNotFound
from civic.connectors.ckan.mapping import from_package
from civic.services.catalog.ingest import Applied, apply_ckan_dataset, has_pending_messages
from civic.services.catalog.models import Dataset, Organization, SyncStatus
from civic.services.outbox.messages import enqueue
from civic.services.outbox.models import OutboxMessage
from civic.services.uow import UnitOfWork

log = logging.getLogger("civic.reconcile")
PAGE = 500


@dataclass
class ReconcileReport:
    """Counts of what a reconcile did."""

    from_ckan: Counter[str] = field(default_factory=Counter)
    to_ckan: Counter[str] = field(default_factory=Counter)
    seen_in_ckan: int = 0

    def as_dict(self) -> dict[str, object]:
        """A JSON-able summary."""
        return {
            "seen_in_ckan": self.seen_in_ckan,
            "from_ckan": dict(self.from_ckan),
            "to_ckan": dict(self.to_ckan),
        }


def reconcile(
    unit_of_work: Callable[[], UnitOfWork], ckan: CkanClient, *, page_size: int = PAGE
) -> ReconcileReport:
    """Compare the mirror with CKAN and repair both sides; commits once per page.

    Raises the connector's ``CkanUnavailable`` when CKAN cannot be read (nothing
    is half-done: pages already taken in stay, the next run goes on).
    """
    report = ReconcileReport()
    active: set[str] = set()
    start = 0
    while True:
        page = ckan.dataset_search("*:*", rows=page_size, start=start, sort="name asc")
        with unit_of_work() as uow:
            for package in page.datasets:
                active.add(package.id)
                applied = apply_ckan_dataset(uow, ckan, from_package(package))
                report.from_ckan[applied.value] += 1
            uow.commit()
        report.seen_in_ckan = page.count
        start += page_size
        if start >= page.count or not page.datasets:
            break
    with unit_of_work() as uow:
        _withdraw_missing(uow, ckan, active, report)
        _enqueue_undelivered(uow, report)
        uow.commit()
    log.info("reconcile: %s", report.as_dict())
    return report


def _withdraw_missing(
    uow: UnitOfWork, ckan: CkanClient, active: set[str], report: ReconcileReport
) -> None:
    synced = uow.session.scalars(
        sa.select(Dataset).where(
            Dataset.deleted_at.is_(None),
            Dataset.sync_status == SyncStatus.SYNCED,
            Dataset.ckan_id.is_not(None),
        )
    )
    for dataset in synced:
        if dataset.ckan_id in active or has_pending_messages(uow, dataset.id):
            continue
        assert dataset.ckan_id is not None  # noqa: S101 - filtered above
        try:
            package = ckan.dataset_show(dataset.ckan_id)
        except CkanNotFound:
            package = None
        if package is not None and package.state == "active" and not package.private:
            continue  # created after the search pages were read
        record = from_package(package) if package is not None else None
        if record is not None:
            applied = apply_ckan_dataset(uow, ckan, record)
        else:
            dataset.deleted_at = sa.func.now()
            applied = Applied.WITHDRAWN
        report.from_ckan[applied.value] += 1


def _enqueue_undelivered(uow: UnitOfWork, report: ReconcileReport) -> None:
    lost_datasets = uow.session.scalars(
        sa.select(Dataset).where(
            Dataset.sync_status == SyncStatus.PENDING,
            ~_pending_exists(Dataset.id),
        )
    )
    for dataset in lost_datasets:
        operation = "delete" if dataset.deleted_at is not None else "upsert"
        enqueue(uow, "dataset", dataset.id, operation, {"name": dataset.name, "by": "reconcile"})
        report.to_ckan["dataset"] += 1
    lost_organizations = uow.session.scalars(
        sa.select(Organization).where(
            Organization.ckan_id.is_(None), ~_pending_exists(Organization.id)
        )
    )
    for organization in lost_organizations:
        enqueue(uow, "organization", organization.id, "upsert", {"name": organization.name})
        report.to_ckan["organization"] += 1


def _pending_exists(
    aggregate_id: sa.ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
) -> sa.Exists:
    return (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.aggregate_id == aggregate_id, OutboxMessage.processed_at.is_(None))
        .exists()
    )
