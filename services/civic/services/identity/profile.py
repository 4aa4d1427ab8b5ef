"""What a person manages on their account page: their name, their web sessions (each
can be ended), and their requests for a role that only an administrator grants.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.clock import utcnow
from civic.services.identity.errors import RoleRequestRefused
from civic.services.identity.models import (
    Role,
    RoleRequest,
    RoleRequestStatus,
    User,
    WebSession,
)
from civic.services.identity.signup import clean_name
from civic.services.uow import UnitOfWork

# Roles a person may ask for; admin is given by an operator only.
REQUESTABLE_ROLES = (Role.PUBLISHER, Role.EVALUATOR)
# A session is named on the page by the start of its hash: enough to tell a person's
# few sessions apart, and the cookie cannot be rebuilt from it.
SESSION_KEY_LENGTH = 16
MAX_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class SessionView:
    """One of a person's web sessions, as their account page lists it."""

    key: str
    created: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    current: bool


def rename(uow: UnitOfWork, user: User, name: str) -> None:
    """Change the display name. Raises :class:`InvalidAccount` when empty or too long."""
    user.display_name = clean_name(name)


def sessions_of(
    uow: UnitOfWork, user_id: uuid.UUID, *, current_hash: str | None, now: dt.datetime | None = None
) -> list[SessionView]:
    """The live sessions of an account, the most recently used first."""
    now = now or utcnow()
    rows = uow.session.scalars(
        sa.select(WebSession)
        .where(WebSession.user_id == user_id, WebSession.expires_at > now)
        .order_by(WebSession.last_seen_at.desc(), WebSession.token_hash)
    )
    return [
        SessionView(
            key=row.token_hash[:SESSION_KEY_LENGTH],
            created=row.created,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            current=row.token_hash == current_hash,
        )
        for row in rows
    ]


def end_session(uow: UnitOfWork, user_id: uuid.UUID, key: str) -> bool:
    """End the session of ``user_id`` named ``key`` (see :data:`SESSION_KEY_LENGTH`);
    whether one ended. Someone else's session is never touched."""
    if len(key) != SESSION_KEY_LENGTH or not all(c in "0123456789abcdef" for c in key):
        return False
    result = uow.session.execute(
        sa.delete(WebSession).where(
            WebSession.user_id == user_id, WebSession.token_hash.startswith(key, autoescape=True)
        )
    )
    return int(result.rowcount) > 0  # type: ignore[attr-defined]


def request_role(
    uow: UnitOfWork,
    user: User,
    role: Role,
    *,
    organization_name: str = "",
    message: str = "",
) -> RoleRequest:
    """Ask the administrators for ``role``. Raises :class:`RoleRequestRefused` for a
    role one cannot ask for, one held already, a publisher without an organization,
    or a request already pending."""
    if role not in REQUESTABLE_ROLES:
        raise RoleRequestRefused("one may ask for the publisher or the evaluator role")
    if user.role is role or user.role is Role.ADMIN:
        raise RoleRequestRefused("you have this role already")
    organization_name = " ".join(organization_name.split())[:300]
    if role is Role.PUBLISHER and not organization_name:
        raise RoleRequestRefused("name the organization you publish for")
    pending = uow.session.scalar(
        sa.select(RoleRequest.id).where(
            RoleRequest.user_id == user.id, RoleRequest.status == RoleRequestStatus.PENDING
        )
    )
    if pending is not None:
        raise RoleRequestRefused("a request of yours is waiting for an administrator already")
    request = RoleRequest(
        user_id=user.id,
        role=role,
        organization_name=organization_name or None,
        message=message.strip()[:MAX_MESSAGE],
    )
    uow.session.add(request)
    uow.session.flush()
    return request


def role_requests_of(uow: UnitOfWork, user_id: uuid.UUID) -> list[RoleRequest]:
    """A person's role requests, newest first."""
    return list(
        uow.session.scalars(
            sa.select(RoleRequest)
            .where(RoleRequest.user_id == user_id)
            .order_by(RoleRequest.created.desc())
        )
    )
