"""What the catalog's rules need from storage: narrow repositories, and their unit of work.

:mod:`.datasets` and :mod:`.organizations` write through :class:`CatalogWork` only,
so their rules run against the PostgreSQL adapters
(:mod:`civic.services.repositories.sql`) and the in-memory ones
(:mod:`civic.services.repositories.memory`) alike; one contract test holds both to
the same behaviour. Lists and search stay queries on the session (:mod:`.search`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from civic.services.catalog.models import Dataset, Organization
from civic.services.outbox.ports import Outbox


class DatasetRepository(Protocol):
    """Datasets by name; a withdrawn dataset keeps its row and reserves its name."""

    def live(self, name: str) -> Dataset | None:
        """The live (not withdrawn) dataset named ``name``, with organization and resources."""
        ...

    def live_named(self, names: Sequence[str]) -> list[Dataset]:
        """The live datasets among ``names`` (any order; the missing ones are left out)."""
        ...

    def withdrawn_owners(self, name: str) -> set[uuid.UUID]:
        """Ids of the organizations that withdrew a dataset named ``name``."""
        ...

    def name_holders(self, name: str) -> tuple[bool, set[uuid.UUID]]:
        """Whether a live dataset is named ``name``, and :meth:`withdrawn_owners`, in one
        look-up (what publishing a new name asks)."""
        ...

    def add(self, dataset: Dataset) -> None:
        """Store a new dataset; its id is set on return."""
        ...

    def save(self, dataset: Dataset) -> None:
        """Write the changes made to ``dataset`` (and its resources) in this unit of work."""
        ...


class OrganizationRepository(Protocol):
    """Organizations by name."""

    def named(self, name: str) -> Organization | None:
        """The organization named ``name``, or None."""
        ...

    def add(self, organization: Organization) -> None:
        """Store a new organization; its id is set on return."""
        ...

    def save(self, organization: Organization) -> None:
        """Write the changes made to ``organization`` in this unit of work."""
        ...

    def names_with_member(self, user_id: uuid.UUID) -> frozenset[str]:
        """The names of the organizations the person ``user_id`` is a member of."""
        ...

    def has_member(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether the person ``user_id`` is a member of the organization."""
        ...


class CatalogWork(Protocol):
    """The unit of work of the catalog's writes."""

    @property
    def datasets(self) -> DatasetRepository: ...

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def outbox(self) -> Outbox: ...
