"""Token families: the tokens descending from one authorization code."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.tokens.models import Token
from civic.services.uow import UnitOfWork


def revoke_family(
    uow: UnitOfWork, family_id: uuid.UUID, *, reason: str, now: dt.datetime | None = None
) -> int:
    """Revoke every token of the family not yet revoked; returns how many."""
    result = uow.session.execute(
        sa.update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
