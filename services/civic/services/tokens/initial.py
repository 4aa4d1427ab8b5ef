"""Initial access tokens: who may register apps through RFC 7591 when registration is closed."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.identity.models import User
from civic.services.tokens import credentials
from civic.services.tokens.models import InitialAccessToken
from civic.services.uow import UnitOfWork


def issue_initial_access_token(
    uow: UnitOfWork,
    *,
    owner_id: uuid.UUID,
    issued_by_id: uuid.UUID | None,
    ttl_seconds: int,
    now: dt.datetime | None = None,
) -> str:
    """A new initial access token; apps registered with it belong to ``owner_id``.

    ``issued_by_id`` is the admin who issued it, or None when the developer asked for
    their own in the portal (or an operator at the command line).
    """
    now = now or utcnow()
    value = credentials.new_secret(credentials.INITIAL_ACCESS_TOKEN)
    uow.session.add(
        InitialAccessToken(
            token_hash=credentials.digest(value),
            owner_id=owner_id,
            issued_by_id=issued_by_id,
            expires_at=now + dt.timedelta(seconds=ttl_seconds),
        )
    )
    uow.session.flush()
    return value


def owner_of_initial_access_token(
    uow: UnitOfWork, value: str, *, now: dt.datetime | None = None
) -> User | None:
    """The active owner of a valid (unexpired, unrevoked) initial access token, or None."""
    now = now or utcnow()
    token = uow.session.scalar(
        sa.select(InitialAccessToken).where(
            InitialAccessToken.token_hash == credentials.digest(value),
            InitialAccessToken.revoked_at.is_(None),
            InitialAccessToken.expires_at > now,
        )
    )
    if token is None or not token.owner.is_active:
        return None
    return token.owner
