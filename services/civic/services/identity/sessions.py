"""Web sessions held in PostgreSQL: started at login, ended by logout, a password
change or an account's disabling, in every browser at once.

The browser's cookie holds only a random id (:data:`TOKEN_PREFIX` and 256 random
bits); the ``web_sessions`` row holds its SHA-256, the account, and two limits: an
absolute expiry set at login (never extended) and an idle one (``last_seen_at``,
refreshed at most every :func:`touch_interval`). Ending a session deletes its row,
so a copied cookie opens nothing afterwards. PostgreSQL, not Redis: a Redis outage
must not log everyone out nor stop logins.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.identity.models import Role, User, WebSession
from civic.services.uow import UnitOfWork

# Cookie values of logged-in sessions start with this; anything else is anonymous and
# never looked up.
TOKEN_PREFIX = "s."  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A live session and its account, as read by :func:`find_session`."""

    token_hash: str
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    data: dict[str, Any]


def token_hash(token: str) -> str:
    """The SHA-256 of a cookie's value, hex (what the table stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_session_token(value: str) -> bool:
    """Whether a cookie value has the shape of a logged-in session's id."""
    return value.startswith(TOKEN_PREFIX) and 40 <= len(value) <= 100


def touch_interval(idle_seconds: int) -> dt.timedelta:
    """How stale ``last_seen_at`` may get before a request refreshes it (a write at most
    once a minute per session, not one per page)."""
    return dt.timedelta(seconds=max(1, min(60, idle_seconds // 10)))


def start_session(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    *,
    lifetime_seconds: int,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A new session of ``user_id``: its cookie value (shown once) and absolute expiry.

    Also deletes sessions of anyone that have expired (their rows serve nothing).
    """
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(seconds=lifetime_seconds)
    uow.session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    uow.session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created=now,
            last_seen_at=now,
            expires_at=expires_at,
            data={},
        )
    )
    uow.session.flush()
    return token, expires_at


def find_session(
    uow: UnitOfWork, token: str, *, idle_seconds: int, now: dt.datetime | None = None
) -> ActiveSession | None:
    """The live session whose cookie value is ``token``, with its active account, or None
    (unknown, ended, expired, idle too long, or the account disabled). One indexed read.
    """
    if not is_session_token(token):
        return None
    now = now or utcnow()
    row = uow.session.execute(
        sa.select(
            WebSession.token_hash,
            WebSession.user_id,
            User.email,
            User.display_name,
            User.role,
            WebSession.last_seen_at,
            WebSession.expires_at,
            WebSession.data,
        )
        .join(User, User.id == WebSession.user_id)
        .where(
            WebSession.token_hash == token_hash(token),
            WebSession.expires_at > now,
            WebSession.last_seen_at > now - dt.timedelta(seconds=idle_seconds),
            User.is_active.is_(True),
        )
    ).one_or_none()
    return ActiveSession(*row) if row is not None else None


def record_use(
    uow: UnitOfWork,
    hashed: str,
    *,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Mark the session as seen now (idle expiry restarts); store ``data`` if given."""
    values: dict[str, Any] = {"last_seen_at": now or utcnow()}
    if data is not None:
        values["data"] = data
    uow.session.execute(
        sa.update(WebSession).where(WebSession.token_hash == hashed).values(**values)
    )


def end_session(uow: UnitOfWork, token: str) -> None:
    """End the session whose cookie value is ``token`` (logout). Unknown: nothing happens."""
    uow.session.execute(sa.delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_sessions_of(uow: UnitOfWork, user_id: uuid.UUID) -> int:
    """End every session of ``user_id`` (password change, account disabled); how many."""
    result = uow.session.execute(sa.delete(WebSession).where(WebSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]
