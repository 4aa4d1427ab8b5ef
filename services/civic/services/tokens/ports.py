"""What the token rules need from storage: revoking families, finding personal tokens.

The PostgreSQL and in-memory adapters are in :mod:`civic.services.repositories`;
the hot path of every API call (:mod:`.principals`) stays one SQL statement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from civic.services.tokens.models import PersonalToken


class TokenRepository(Protocol):
    """OAuth token families and personal tokens."""

    def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        """Revoke every token of the family not yet revoked; returns how many."""
        ...

    def personal(self, token_id: uuid.UUID) -> PersonalToken | None:
        """The personal token with this id, or None."""
        ...

    def save(self, token: PersonalToken) -> None:
        """Write the changes made to ``token`` in this unit of work."""
        ...


class TokenWork(Protocol):
    """The unit of work of the token rules."""

    @property
    def tokens(self) -> TokenRepository: ...
