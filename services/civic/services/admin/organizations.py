"""Administrators and publishing organizations: create and edit (level, territory...)
through the catalog's own services (the worker carries them to CKAN). Logged.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.catalog import organizations
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import Organization
from civic.services.catalog.permissions import Actor
from civic.services.identity.models import Role
from civic.services.identity.rights import ADMIN
from civic.services.uow import UnitOfWork


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
