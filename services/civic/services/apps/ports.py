"""What the app registry's rules need from storage: one narrow repository.

:mod:`.registry` and :mod:`.access` go through :class:`AppWork` for what they write
(registration changes, credentials, deletion, suspensions); the PostgreSQL and
in-memory adapters are in :mod:`civic.services.repositories`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from civic.services.apps.models import AccessEvent, App
from civic.services.identity.models import User


class AppRepository(Protocol):
    """Apps by id and client id, their access history, and their tokens' end."""

    def by_id(self, app_id: uuid.UUID) -> App | None:
        """The app with this id (deleted or not), or None."""
        ...

    def by_client_id(self, client_id: str, *, lock: bool = False) -> App | None:
        """The undeleted app with this client id, or None; ``lock`` holds its row
        until the unit of work ends (``SELECT ... FOR UPDATE``; nothing to hold in memory)."""
        ...

    def add(self, app: App) -> None:
        """Store a new app; its id is set on return."""
        ...

    def person(self, user_id: uuid.UUID) -> User | None:
        """The account ``user_id`` (an app's owner, whose rights cap its scope), or None."""
        ...

    def save(self, app: App) -> None:
        """Write the changes made to ``app`` in this unit of work."""
        ...

    def add_access_event(self, event: AccessEvent) -> None:
        """Record a suspension, refusal or restoration."""
        ...

    def revoke_tokens(self, app_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        """Revoke every OAuth token of the app not yet revoked; returns how many."""
        ...


class AppWork(Protocol):
    """The unit of work of the app registry's writes."""

    @property
    def apps(self) -> AppRepository: ...
