"""What the reuse registry's rules need from storage, and the notification they send.

:func:`~.registry.declare_reuse`, :func:`~.registry.update_reuse`,
:func:`~.registry.get_reuse` and :func:`~.registry.moderate_reuse` go through
:class:`ReuseWork` only; lists and facets stay queries on the session. The
PostgreSQL and in-memory adapters are in :mod:`civic.services.repositories`.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from civic.services.apps.ports import AppRepository
from civic.services.catalog.ports import DatasetRepository
from civic.services.reuses.models import Reuse, ReuseModerationEvent


class ReuseRepository(Protocol):
    """Reuses by id and by canonical URL, and their moderation history."""

    def get(self, reuse_id: uuid.UUID) -> Reuse | None:
        """The reuse with this id, whatever its state, or None."""
        ...

    def by_canonical_url(self, canonical_url: str) -> Reuse | None:
        """The reuse whose canonical URL this is, or None."""
        ...

    def add(self, reuse: Reuse) -> None:
        """Store a new reuse; its id, ``created`` and ``updated`` are set on return."""
        ...

    def save(self, reuse: Reuse) -> None:
        """Write the changes made to ``reuse``; ``updated`` is set on return."""
        ...

    def add_moderation(self, event: ReuseModerationEvent) -> None:
        """Record an archive, flag or restore."""
        ...

    def moderations(self, reuse_id: uuid.UUID) -> list[ReuseModerationEvent]:
        """Every moderation of one reuse, oldest first."""
        ...


class ReuseEvents(Protocol):
    """What the registry tells others, in the same unit of work."""

    def reuse_declared(self, reuse: Reuse) -> None:
        """Queue the ``reuse.declared`` notifications of the reuse's publishers."""
        ...


class ReuseWork(Protocol):
    """The unit of work of the reuse registry's rules."""

    @property
    def reuses(self) -> ReuseRepository: ...

    @property
    def datasets(self) -> DatasetRepository: ...

    @property
    def apps(self) -> AppRepository: ...

    @property
    def notifications(self) -> ReuseEvents: ...
