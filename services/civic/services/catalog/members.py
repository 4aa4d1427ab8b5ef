"""A member's datasets: the live datasets of the organizations a person belongs to (what
the publisher's "Your datasets" page lists).

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from civic.services.catalog.models import Dataset, Organization
from civic.services.identity.models import memberships
from civic.services.uow import UnitOfWork


def datasets_of(
    uow: UnitOfWork, user_id: uuid.UUID, *, every: bool, name: str | None = None, limit: int = 200
) -> list[Dataset]:
    """The live datasets of the person's organizations (``every``: all organizations',
    for an administrator), by organization then name; only ``name`` when given."""
    query = (
        sa.select(Dataset)
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(Dataset.deleted_at.is_(None))
        .order_by(Organization.name, Dataset.name)
        .limit(limit)
    )
    if not every:
        query = query.join(
            memberships, memberships.c.organization_id == Dataset.organization_id
        ).where(memberships.c.user_id == user_id)
    if name is not None:
        query = query.where(Dataset.name == name)
    return list(uow.session.scalars(query))
