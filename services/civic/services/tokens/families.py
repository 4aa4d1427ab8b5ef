"""Token families: the tokens descending from one authorization code.

Revoking goes through :class:`~civic.services.tokens.ports.TokenWork` (tested in
memory in tests/unit/domain).
"""

from __future__ import annotations

import datetime as dt
import uuid

from civic.services.clock import utcnow
from civic.services.tokens.ports import TokenWork


def revoke_family(
    uow: TokenWork, family_id: uuid.UUID, *, reason: str, now: dt.datetime | None = None
) -> int:
    """Revoke every token of the family not yet revoked; returns how many."""
    return uow.tokens.revoke_family(family_id, reason=reason, now=now or utcnow())
