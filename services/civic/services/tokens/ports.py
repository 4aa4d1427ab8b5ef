"""What the token rules need from storage: revoking families, finding personal tokens.

The PostgreSQL and in-memory adapters are in :mod:`civic.services.repositories`;
the hot path of every API call (:mod:`.principals`) stays one SQL statement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from civic.services.tokens.models import AuthorizationCode, PersonalToken, Token


class TokenRepository(Protocol):
    """OAuth authorization codes, tokens and their families, and personal tokens.

    Codes and tokens are found by the digest of their value (never stored as such);
    ``lock`` holds the row until the unit of work ends (``SELECT ... FOR UPDATE``), so
    two concurrent exchanges of one code or refresh token cannot both succeed.
    """

    def add_code(self, code: AuthorizationCode) -> None:
        """Store a new authorization code; its id is set on return."""
        ...

    def code_by_digest(self, digest: str, *, lock: bool = False) -> AuthorizationCode | None:
        """The authorization code with this digest, or None."""
        ...

    def by_access_digest(self, digest: str) -> Token | None:
        """The token whose access token has this digest, or None."""
        ...

    def by_refresh_digest(self, digest: str, *, lock: bool = False) -> Token | None:
        """The token whose refresh token has this digest, or None."""
        ...

    def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        """Revoke every token of the family not yet revoked; returns how many."""
        ...

    def personal(self, token_id: uuid.UUID) -> PersonalToken | None:
        """The personal token with this id, or None."""
        ...

    def save(self, token: Token | PersonalToken | AuthorizationCode) -> None:
        """Write the changes made to ``token`` in this unit of work."""
        ...


class TokenWork(Protocol):
    """The unit of work of the token rules."""

    @property
    def tokens(self) -> TokenRepository: ...
