"""Administrators and publishing organizations: create and edit (level, territory...)
through the catalog's own services (the worker carries them to CKAN), and withdraw
one, having been told first what happens to its datasets and members. Logged.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa

from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.catalog import datasets, organizations
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import Dataset, Organization
from civic.services.catalog.permissions import Actor
from civic.services.clock import utcnow
from civic.services.errors import Conflict, InvalidInput
from civic.services.identity.models import Role, User, memberships
from civic.services.identity.rights import ADMIN
from civic.services.uow import UnitOfWork

# Datasets named in a withdrawal's summary (the count is always whole).
SHOWN_DATASETS = 20


class AlreadyWithdrawn(Conflict):
    """The organization was withdrawn already."""


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """What withdrawing an organization does, said before it is done."""

    name: str
    title: str
    # Its live datasets: each is withdrawn (its page says so) and leaves CKAN.
    datasets: int
    dataset_names: tuple[str, ...]
    # Its members: each loses the membership; publishers of no other organization
    # become developers (their apps, tokens and reuses stay theirs).
    members: tuple[str, ...]
    demoted: tuple[str, ...]
    withdrawn_at: dt.datetime | None = None


def _actor(operator: Operator) -> Actor:
    return Actor(
        user_id=operator.user_id, role=Role.ADMIN, scopes=frozenset({ADMIN}), label=operator.label
    )


def create(uow: UnitOfWork, operator: Operator, data: OrganizationInput) -> Organization:
    """Create an organization. Raises :class:`NameTaken`."""
    organization = organizations.create_organization(uow, _actor(operator), data)
    audit.record(
        uow,
        operator,
        "organization.create",
        target_type="organization",
        target_id=organization.name,
        target_label=organization.title,
        details={"level": organization.level.value, "territory": organization.territory or ""},
    )
    return organization


def edit(
    uow: UnitOfWork, operator: Operator, name: str, data: OrganizationInput, *, reason: str = ""
) -> Organization:
    """Change an organization's title, description, level, territory or website.

    Raises :class:`UnknownOrganization` and :class:`InvalidInput` (a new name).
    """
    before = organizations.get_organization(uow, name)
    old = {"title": before.title, "level": before.level.value, "territory": before.territory or ""}
    organization = organizations.update_organization(uow, _actor(operator), name, data)
    new = {
        "title": organization.title,
        "level": organization.level.value,
        "territory": organization.territory or "",
    }
    audit.record(
        uow,
        operator,
        "organization.edit",
        target_type="organization",
        target_id=organization.name,
        target_label=organization.title,
        reason=reason,
        details={key: f"{old[key]} -> {new[key]}" for key in new if old[key] != new[key]},
    )
    return organization


def withdrawal(uow: UnitOfWork, name: str) -> Withdrawal:
    """What withdrawing ``name`` would do (nothing changes). Raises :class:`UnknownOrganization`."""
    organization = organizations.get_organization(uow, name)
    live = list(
        uow.session.scalars(
            sa.select(Dataset.name)
            .where(Dataset.organization_id == organization.id, Dataset.deleted_at.is_(None))
            .order_by(Dataset.name)
        )
    )
    members = list(
        uow.session.scalars(
            sa.select(User)
            .join(memberships, memberships.c.user_id == User.id)
            .where(memberships.c.organization_id == organization.id)
            .order_by(User.email)
        )
    )
    demoted = [
        user.email
        for user in members
        if user.role is Role.PUBLISHER and len(user.organizations) == 1
    ]
    return Withdrawal(
        name=organization.name,
        title=organization.title,
        datasets=len(live),
        dataset_names=tuple(live[:SHOWN_DATASETS]),
        members=tuple(user.email for user in members),
        demoted=tuple(demoted),
        withdrawn_at=organization.withdrawn_at,
    )


def withdraw(
    uow: UnitOfWork,
    operator: Operator,
    name: str,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> Withdrawal:
    """Withdraw an organization as :func:`withdrawal` says: its datasets withdrawn (the
    worker deletes them from CKAN), its members removed, publishers left without an
    organization made developers; the row stays for the datasets' history. Logged.

    Raises :class:`UnknownOrganization`, :class:`AlreadyWithdrawn` and
    :class:`InvalidInput` (no reason).
    """
    if not reason.strip():
        raise InvalidInput([("#/reason", "a reason is required")])
    plan = withdrawal(uow, name)
    if plan.withdrawn_at is not None:
        raise AlreadyWithdrawn(f"the organization {name!r} was withdrawn already")
    organization = organizations.get_organization(uow, name)
    actor = _actor(operator)
    for dataset_name in uow.session.scalars(
        sa.select(Dataset.name).where(
            Dataset.organization_id == organization.id, Dataset.deleted_at.is_(None)
        )
    ).all():
        datasets.withdraw_dataset(uow, actor, dataset_name)
    for user in uow.session.scalars(
        sa.select(User)
        .join(memberships, memberships.c.user_id == User.id)
        .where(memberships.c.organization_id == organization.id)
    ).all():
        user.organizations = [o for o in user.organizations if o.id != organization.id]
        if user.role is Role.PUBLISHER and not user.organizations:
            user.role = Role.DEVELOPER
    organization.withdrawn_at = now or utcnow()
    uow.session.flush()
    audit.record(
        uow,
        operator,
        "organization.withdraw",
        target_type="organization",
        target_id=organization.name,
        target_label=organization.title,
        reason=reason,
        details={
            "datasets": plan.datasets,
            "members": len(plan.members),
            "made_developers": ",".join(plan.demoted),
        },
        now=now,
    )
    return replace(plan, withdrawn_at=organization.withdrawn_at)
