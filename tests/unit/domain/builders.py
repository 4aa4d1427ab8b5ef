"""Worlds for the domain's rules, built through the services in a memory unit of work."""

from __future__ import annotations

import uuid
from typing import Any

from civic.services.apps.models import ActorType, App, AppStatus
from civic.services.catalog import organizations
from civic.services.catalog.inputs import DatasetInput, OrganizationInput
from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.permissions import Actor
from civic.services.identity.models import Role
from civic.services.identity.rights import ROLE_RIGHTS
from civic.services.repositories.memory import MemoryUnitOfWork
from civic.services.reuses.inputs import ReuseInput

LICENSES = ["etalab-2.0", "ODbL-1.0"]
ADMIN = Actor(uuid.uuid4(), Role.ADMIN, scopes=frozenset(ROLE_RIGHTS[Role.ADMIN]), label="admin")


def publisher(*member_of: str) -> Actor:
    """A publisher, member of the organizations named."""
    return Actor(
        uuid.uuid4(),
        Role.PUBLISHER,
        frozenset(member_of),
        frozenset(ROLE_RIGHTS[Role.PUBLISHER]),
        label="publisher",
    )


def organization(uow: MemoryUnitOfWork, name: str) -> None:
    """Create the organization ``name`` and commit."""
    data = OrganizationInput(name=name, title=name.title(), level=OrganizationLevel.NATIONAL)
    organizations.create_organization(uow, ADMIN, data)
    uow.commit()


def dataset_input(name: str, organization: str, **changes: Any) -> DatasetInput:
    """A valid dataset of ``organization`` named ``name``."""
    fields: dict[str, Any] = {
        "name": name,
        "title": f"Dataset {name}",
        "description": "What it holds.",
        "organization": organization,
        "license": "etalab-2.0",
        "resources": [{"url": f"https://data.example.fr/{name}.csv", "format": "csv"}],
    }
    return DatasetInput.model_validate({**fields, **changes})


def app(uow: MemoryUnitOfWork, **fields: Any) -> App:
    """A registered app (stored as committed), active unless ``status`` says otherwise."""
    values: dict[str, Any] = {
        "client_id": f"app-{uuid.uuid4().hex[:8]}",
        "client_name": "An app",
        "registered_via": "api",
        "token_endpoint_auth_method": "client_secret_basic",
        "actor_type": ActorType.COMPANY_SMALL,
        "status": AppStatus.ACTIVE,
        "client_secret_hash": "0" * 64,
    }
    record = App(**{**values, **fields})
    uow.seed(record)
    return record


def reuse_input(url: str, *names: str, **changes: Any) -> ReuseInput:
    """A valid reuse of the datasets ``names`` at ``url``."""
    fields: dict[str, Any] = {
        "title": "A map",
        "url": url,
        "type": "visualization",
        "topic": "health",
        "purpose": "general_interest",
        "datasets": list(names),
    }
    return ReuseInput.model_validate({**fields, **changes})
