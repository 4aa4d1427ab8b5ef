"""How far CKAN has caught up with a set of datasets."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from civic.services.catalog.models import Dataset
from civic.services.uow import UnitOfWork


def sync_counts(uow: UnitOfWork, names: Collection[str]) -> dict[str, int]:
    """How many of the live datasets ``names`` are pending, synced and failed."""
    if not names:
        return {}
    rows = uow.session.execute(
        sa.select(Dataset.sync_status, sa.func.count())
        .where(Dataset.name.in_(list(names)), Dataset.deleted_at.is_(None))
        .group_by(Dataset.sync_status)
    )
    return {status.value: int(count) for status, count in rows}
