"""Data for the publishing tests: organizations, people with tokens, dataset bodies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import factory

from civic.services.apps.metadata import AppMetadata
from civic.services.apps.models import ActorType
from civic.services.apps.registry import register_app
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.models import Organization, OrganizationLevel
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.tokens.issuance import new_access_token, save_token


class DatasetBody(factory.DictFactory):
    """A valid ``POST /api/v1/datasets`` body."""

    name = factory.Sequence(lambda n: f"dataset-{uuid.uuid4().hex[:6]}-{n}")
    title = factory.Sequence(lambda n: f"Qualité de l'eau potable {n}")
    description = "Analyses de l'eau distribuée, commune par commune."
    organization = "ville-a"
    license = "etalab-2.0"
    tags = factory.LazyFunction(lambda: ["eau", "santé"])
    themes = factory.LazyFunction(lambda: ["ENVI", "HEAL"])
    temporal = factory.LazyFunction(lambda: {"start": "2024-01-01", "end": "2024-12-31"})
    spatial = "https://www.geonames.org/2988507"
    frequency = "MONTHLY"
    contact_point = factory.LazyFunction(
        lambda: {"name": "Service des eaux", "email": "eaux@ville-a.fr"}
    )
    resources = factory.LazyFunction(
        lambda: [
            {
                "url": "https://data.ville-a.fr/eau.csv",
                "name": "Analyses 2024",
                "format": "CSV",
                "media_type": "text/csv",
                "size": 2048,
                "checksum": "sha256:" + "ab" * 32,
            }
        ]
    )


@dataclass
class Person:
    email: str
    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Catalog:
    """Makes organizations and people (with a token) directly through the services."""

    def __init__(self, bootstrap: Bootstrap) -> None:
        self.bootstrap = bootstrap

    def organization(self, name: str, level: str = "local") -> None:
        with self.bootstrap.unit_of_work() as uow:
            uow.session.add(
                Organization(name=name, title=name.title(), level=OrganizationLevel(level))
            )
            uow.commit()

    def person(
        self, role: str = "publisher", organizations: tuple[str, ...] = (), scope: str = ""
    ) -> Person:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        rights = {
            "publisher": "datasets:write reuses:write",
            "admin": "datasets:write admin",
            "developer": "reuses:write",
        }
        with self.bootstrap.unit_of_work() as uow:
            user = accounts.create_user(
                uow, email=email, role=Role(role), organizations=organizations
            )
            app, _ = register_app(
                uow,
                AppMetadata(
                    client_name=f"app of {email}",
                    actor_type=ActorType.PUBLIC_LOCAL,
                    grant_types=("client_credentials",),
                    scope=scope or rights[role],
                ),
                owner_id=user.id,
                registered_via="test",
            )
            token = new_access_token()
            save_token(
                uow,
                app=app,
                user_id=user.id,
                grant_type="authorization_code",
                scope=scope or rights[role],
                access_token=token,
                expires_in=3600,
            )
            uow.commit()
            return Person(email, user.id, token)


def body(**changes: Any) -> dict[str, Any]:
    """A valid dataset body with ``changes``."""
    return dict(DatasetBody(**changes))
