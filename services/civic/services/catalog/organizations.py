"""Publishing organizations: created and changed by administrators, mirrored to CKAN.

Writes go through :class:`~civic.services.catalog.ports.CatalogWork` (tested in memory
in tests/unit/domain); the list with dataset counts stays a query on the session.
"""

from __future__ import annotations

import sqlalchemy as sa

from civic.services.catalog.errors import NameTaken, UnknownOrganization
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import Dataset, Organization
from civic.services.catalog.permissions import Actor, ensure_admin
from civic.services.catalog.ports import CatalogWork
from civic.services.clock import utcnow
from civic.services.errors import InvalidInput
from civic.services.uow import UnitOfWork

AGGREGATE = "organization"


def create_organization(uow: CatalogWork, actor: Actor, data: OrganizationInput) -> Organization:
    """Create an organization; the worker creates it in CKAN.

    Raises :class:`WriteRefused` (not an admin) and :class:`NameTaken`.
    """
    ensure_admin(actor)
    if _find(uow, data.name) is not None:
        raise NameTaken(f"an organization named {data.name!r} exists already")
    organization = Organization(**data.model_dump())
    uow.organizations.add(organization)
    uow.outbox.add(AGGREGATE, organization.id, "upsert", {"name": organization.name})
    return organization


def update_organization(
    uow: CatalogWork, actor: Actor, name: str, data: OrganizationInput
) -> Organization:
    """Replace an organization's fields (its name stays).

    Raises :class:`WriteRefused`, :class:`UnknownOrganization` and :class:`InvalidInput`.
    """
    ensure_admin(actor)
    organization = get_organization(uow, name)
    if data.name != name:
        raise InvalidInput([("#/name", "an organization cannot be renamed")])
    changes = data.model_dump()
    if all(getattr(organization, key) == value for key, value in changes.items()):
        return organization
    for key, value in changes.items():
        setattr(organization, key, value)
    organization.modified = utcnow()
    uow.organizations.save(organization)
    uow.outbox.add(AGGREGATE, organization.id, "upsert", {"name": organization.name})
    return organization


def get_organization(uow: CatalogWork, name: str) -> Organization:
    """The organization named ``name``. Raises :class:`UnknownOrganization`."""
    organization = _find(uow, name)
    if organization is None:
        raise UnknownOrganization(f"no organization is named {name!r}")
    return organization


def list_organizations(
    uow: UnitOfWork, *, page: int = 1, page_size: int = 20
) -> tuple[list[tuple[Organization, int]], int]:
    """One page of organizations by name, each with its count of live datasets, and the total."""
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(Organization)) or 0
    counts = (
        sa.select(Dataset.organization_id, sa.func.count().label("n"))
        .where(Dataset.deleted_at.is_(None))
        .group_by(Dataset.organization_id)
        .subquery()
    )
    rows = uow.session.execute(
        sa.select(Organization, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .order_by(Organization.name)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return [(row[0], int(row[1])) for row in rows], int(total)


def _find(uow: CatalogWork, name: str) -> Organization | None:
    return uow.organizations.named(name)
