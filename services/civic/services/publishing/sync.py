"""Sending datasets and organizations to CKAN: the outbox handlers.

A handler sends the aggregate's *current* state (not the message's), through the
connector's idempotent calls: ``organization_upsert`` and ``dataset_upsert`` (on
the dataset's name), so a message delivered twice changes nothing the second time.
It then records CKAN's ids with a conditional update: only if the dataset was not
written again meanwhile is it marked ``synced`` (the newer write has its own message).

When several dataset messages are due, the worker hands them over together
(:meth:`DatasetHandler.deliver_many`): the new datasets go to CKAN in one request and
one commit (``dataset_create_batch``, ckanext-civic's ``civic_package_create_batch``),
each with its own outcome; the rest (updates, withdrawals, a name CKAN already has)
take the one-by-one path.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from civic.connectors.ckan.interfaces import (
    CkanClient,
    CkanDataset,
    CkanNotFound,
    CkanValidationError,
)
from civic.connectors.ckan.mapping import DatasetRecord, ResourceRecord, to_package
from civic.services.catalog.models import Dataset, Organization, Resource, SyncStatus
from civic.services.outbox import mail
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import BatchHandler, Handler, Outcome

log = logging.getLogger("civic.publishing")


def record_of(dataset: Dataset) -> DatasetRecord:
    """The dataset as the connector sends it; CKAN's ids are the mirror's."""
    return DatasetRecord(
        id=str(dataset.id),
        name=dataset.name,
        title=dataset.title,
        organization=dataset.organization.name,
        description=dataset.description,
        license=dataset.license,
        tags=tuple(dataset.tags),
        themes=tuple(dataset.themes),
        temporal_start=dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        temporal_end=dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        spatial=dataset.spatial,
        frequency=dataset.frequency,
        contact_point=dict(dataset.contact_point) if dataset.contact_point else None,
        resources=tuple(
            ResourceRecord(
                id=str(resource.id),
                url=resource.url,
                name=resource.name,
                format=resource.format,
                media_type=resource.media_type,
                size=resource.size,
                checksum=resource.checksum,
            )
            for resource in dataset.resources
        ),
    )


def ckan_message(error: CkanValidationError) -> str:
    """CKAN's field errors as one line a publisher can read."""
    return "CKAN refused the dataset: " + (error.text or "no reason given")


def organization_extras(organization: Organization) -> dict[str, str]:
    """What CKAN keeps of an organization's fields beyond its name, title, description."""
    extras = {"level": organization.level.value}
    if organization.territory:
        extras["territory"] = organization.territory
    if organization.website:
        extras["website"] = organization.website
    return extras


def ensure_organization(ckan: CkanClient, organization: Organization) -> str:
    """Create or update the organization in CKAN; its CKAN id. Raises the connector's errors."""
    result = ckan.organization_upsert(
        organization.name,
        title=organization.title,
        description=organization.description,
        extras=organization_extras(organization),
    )
    return result.id


class OrganizationHandler(Handler):
    """Delivers ``organization`` messages."""

    def deliver(self, session: Session, ckan: CkanClient, message: OutboxMessage) -> Outcome:
        """Upsert the organization in CKAN. Raises ``CkanError`` (retried)."""
        organization = session.get(Organization, message.aggregate_id)
        if organization is None:
            return Outcome.DELIVERED_ALL
        try:
            ckan_id = ensure_organization(ckan, organization)
        except CkanValidationError as error:
            log.error("CKAN refused organization %s: %s", organization.name, error)
            return Outcome.FAILED
        session.execute(
            sa.update(Organization)
            .where(Organization.id == organization.id)
            .values(ckan_id=ckan_id, modified=Organization.modified)
            .execution_options(synchronize_session=False)
        )
        return Outcome.DELIVERED_ALL


class DatasetHandler(BatchHandler):
    """Delivers ``dataset`` messages: upsert, or delete a withdrawn dataset."""

    def deliver_many(
        self, session: Session, ckan: CkanClient, messages: list[OutboxMessage]
    ) -> list[Outcome]:
        """Deliver several messages; the new datasets in one batch request to CKAN.

        A dataset CKAN refuses in the batch for its name or id (an earlier attempt
        whose answer was lost made it) takes the one-by-one path, which updates it.
        Raises ``CkanError`` (the whole batch is retried).
        """
        datasets = {
            dataset.id: dataset for dataset in _load(session, [m.aggregate_id for m in messages])
        }
        outcomes: dict[int, Outcome] = {}
        new: list[tuple[OutboxMessage, Dataset]] = []
        for message in messages:
            dataset = datasets.get(message.aggregate_id)
            if dataset is None:
                outcomes[message.id] = Outcome.DELIVERED_ALL
            elif (
                dataset.deleted_at is None
                and dataset.ckan_id is None
                and dataset.organization.ckan_id
            ):
                new.append((message, dataset))
        if len(new) > 1:
            packages = [{**to_package(record_of(dataset)), "state": "active"} for _, dataset in new]
            results = ckan.dataset_create_batch(packages)
            for (message, dataset), result in zip(new, results, strict=True):
                if isinstance(result, CkanDataset):
                    outcomes[message.id] = self._synced(session, dataset, dataset.modified, result)
                elif not result.fields & {"name", "id"}:
                    outcomes[message.id] = self._refused(session, dataset, dataset.modified, result)
        for message in messages:
            if message.id not in outcomes:
                outcomes[message.id] = self.deliver(session, ckan, message)
        return [outcomes[message.id] for message in messages]

    def deliver(self, session: Session, ckan: CkanClient, message: OutboxMessage) -> Outcome:
        """Send the dataset's current state. Raises ``CkanError`` (retried)."""
        found = _load(session, [message.aggregate_id])
        dataset = found[0] if found else None
        if dataset is None:
            return Outcome.DELIVERED_ALL
        seen = dataset.modified
        if dataset.deleted_at is not None:
            ckan.dataset_delete(dataset.ckan_id or str(dataset.id))
            return self._record(session, dataset.id, seen, {"sync_status": SyncStatus.SYNCED})
        try:
            result = self._send(ckan, dataset)
        except CkanValidationError as error:
            return self._refused(session, dataset, seen, error)
        return self._synced(session, dataset, seen, result)

    def _refused(
        self, session: Session, dataset: Dataset, seen: dt.datetime, error: CkanValidationError
    ) -> Outcome:
        text = ckan_message(error)
        log.info("CKAN refused dataset %s: %s", dataset.name, text)
        self._record(
            session, dataset.id, seen, {"sync_status": SyncStatus.FAILED, "sync_error": text}
        )
        return Outcome.FAILED

    def _synced(
        self, session: Session, dataset: Dataset, seen: dt.datetime, result: CkanDataset
    ) -> Outcome:
        self._record_resources(session, dataset, result)
        return self._record(
            session,
            dataset.id,
            seen,
            {
                "sync_status": SyncStatus.SYNCED,
                "ckan_id": result.id,
                "ckan_modified": result.metadata_modified,
                "ckan_created": result.metadata_created,
            },
        )

    def on_retry(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Show the transient error on the dataset, which stays ``pending``."""
        session.execute(
            sa.update(Dataset)
            .where(Dataset.id == message.aggregate_id, Dataset.sync_status == SyncStatus.PENDING)
            .values(sync_error=f"CKAN unreachable, will retry: {error}", modified=Dataset.modified)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _send(ckan: CkanClient, dataset: Dataset) -> CkanDataset:
        if dataset.organization.ckan_id is None:
            dataset.organization.ckan_id = ensure_organization(ckan, dataset.organization)
        package = to_package(record_of(dataset))
        package["state"] = "active"
        if dataset.ckan_id:
            # By id: the dataset may have moved to another organization, which an
            # upsert on the name refuses (it guards names of other organizations).
            changes = {key: value for key, value in package.items() if key != "id"}
            try:
                return ckan.dataset_patch(dataset.ckan_id, changes)
            except CkanNotFound:
                pass  # purged in CKAN: publish it again
        try:
            return ckan.dataset_upsert(package)
        except CkanValidationError as error:
            if "id" not in error.fields:
                raise
        # "Dataset id already exists": an earlier attempt created it and its answer
        # was lost (a timeout while CKAN was busy). It is ours: update it by id.
        changes = {key: value for key, value in package.items() if key != "id"}
        return ckan.dataset_patch(str(dataset.id), changes)

    @staticmethod
    def _record_resources(session: Session, dataset: Dataset, result: CkanDataset) -> None:
        by_id = {resource.id: resource.id for resource in result.resources}
        for position, resource in enumerate(dataset.resources):
            ckan_id = by_id.get(str(resource.id))
            if ckan_id is None and position < len(result.resources):
                ckan_id = result.resources[position].id
            if ckan_id and resource.ckan_id != ckan_id:
                session.execute(
                    sa.update(Resource)
                    .where(Resource.id == resource.id)
                    .values(ckan_id=ckan_id)
                    .execution_options(synchronize_session=False)
                )

    @staticmethod
    def _record(
        session: Session, dataset_id: uuid.UUID, seen: dt.datetime, values: dict[str, Any]
    ) -> Outcome:
        values.setdefault("sync_error", None)
        updated = session.execute(
            sa.update(Dataset)
            .where(Dataset.id == dataset_id, Dataset.modified == seen)
            .values(**values, modified=Dataset.modified)
            .execution_options(synchronize_session=False)
        )
        if getattr(updated, "rowcount", 0) == 1:
            return (
                Outcome.FAILED
                if values["sync_status"] is SyncStatus.FAILED
                else (Outcome.DELIVERED_ALL)
            )
        # Written again while we talked to CKAN: that write's message sends it.
        return Outcome.DELIVERED


def _load(session: Session, dataset_ids: list[uuid.UUID]) -> list[Dataset]:
    # One round trip: the datasets, their organizations and their resources joined.
    return list(
        session.execute(
            sa.select(Dataset)
            .where(Dataset.id.in_(dataset_ids))
            .options(joinedload(Dataset.resources), joinedload(Dataset.organization))
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalars()
    )


HANDLERS: dict[str, Handler] = {
    "dataset": DatasetHandler(),
    "organization": OrganizationHandler(),
    # Mails of sign-ups, resets, changes of address (civic.services.outbox.mail).
    mail.AGGREGATE: mail.HANDLER,
}
