"""The outbox as the services see it: add a message in the caller's unit of work.

The PostgreSQL adapter is :func:`civic.services.outbox.messages.enqueue` (wrapped in
:mod:`civic.services.repositories.sql`); the in-memory one keeps a list
(:mod:`civic.services.repositories.memory`). The relay that delivers messages is not
part of this port.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol


class Outbox(Protocol):
    """Messages to deliver once the unit of work commits."""

    def add(
        self,
        aggregate_type: str,
        aggregate_id: uuid.UUID,
        operation: str,
        payload: dict[str, Any] | None = None,
    ) -> int:
        """Add a message; returns its id (it exists once the unit of work commits)."""
        ...

    def hold(self, seconds: float) -> None:
        """Messages added from now on become due ``seconds`` after they are added, and
        wake no worker: for a caller that delivers them itself (0: due at once)."""
        ...
