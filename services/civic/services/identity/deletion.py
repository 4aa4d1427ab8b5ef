"""A person deletes their account: personal data erased, evidence kept.

Erased: the name, the address, the password, every web session, mailed link, OAuth
token and personal token, the organizations' memberships, the contacts of their
apps, their pending role requests. Kept, as the evaluation's evidence: the account's
row (emptied, marked deleted, with its role, so its actor type is still known), its
apps (deleted: their credentials stop working) with their usage and access records,
and its reuses, all now under that anonymous owner. The address is free for a new
account afterwards.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.apps.models import AccessEvent, App
from civic.services.clock import utcnow
from civic.services.identity import passwords, sessions
from civic.services.identity.errors import LoginRefused
from civic.services.identity.models import (
    AccountToken,
    RoleRequest,
    RoleRequestStatus,
    User,
    memberships,
)
from civic.services.reuses.models import Reuse
from civic.services.tokens.models import (
    AuthorizationCode,
    InitialAccessToken,
    PersonalToken,
    Token,
)
from civic.services.uow import UnitOfWork

DELETED_NAME = "Deleted account"
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: never a real address


@dataclass(frozen=True, slots=True)
class DeletionSummary:
    """What deleting an account keeps, said before the person confirms."""

    apps: int
    reuses: int
    access_records: int


def summary(uow: UnitOfWork, user: User) -> DeletionSummary:
    """How many apps, reuses and access records the account's deletion keeps anonymously."""
    session = uow.session
    app_ids = sa.select(App.id).where(App.owner_id == user.id)
    return DeletionSummary(
        apps=session.scalar(sa.select(sa.func.count()).select_from(app_ids.subquery())) or 0,
        reuses=session.scalar(sa.select(sa.func.count()).where(Reuse.owner_user_id == user.id))
        or 0,
        access_records=session.scalar(
            sa.select(sa.func.count()).where(AccessEvent.app_id.in_(app_ids))
        )
        or 0,
    )


def delete_account(
    uow: UnitOfWork, user: User, password: str, *, now: dt.datetime | None = None
) -> None:
    """Delete ``user``'s account after checking ``password`` (see the module's doc).

    Raises :class:`LoginRefused` when the password is wrong.
    """
    if not passwords.verify_password(user.password_hash, password):
        raise LoginRefused("the password is wrong")
    erase(uow, user, now=now)


def erase(uow: UnitOfWork, user: User, *, now: dt.datetime | None = None) -> None:
    """Erase ``user``'s personal data and keep the evidence (no password check)."""
    now = now or utcnow()
    session = uow.session
    sessions.end_sessions_of(uow, user.id)
    session.execute(sa.delete(AccountToken).where(AccountToken.user_id == user.id))
    session.execute(sa.delete(AuthorizationCode).where(AuthorizationCode.user_id == user.id))
    session.execute(
        sa.update(Token)
        .where(Token.user_id == user.id, Token.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="account_deleted")
    )
    session.execute(
        sa.update(PersonalToken)
        .where(PersonalToken.user_id == user.id, PersonalToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="account_deleted")
    )
    session.execute(
        sa.update(InitialAccessToken)
        .where(InitialAccessToken.owner_id == user.id, InitialAccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    app_ids = sa.select(App.id).where(App.owner_id == user.id).scalar_subquery()
    session.execute(
        sa.update(Token)
        .where(Token.app_id.in_(app_ids), Token.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="app_deleted")
    )
    session.execute(
        sa.update(App)
        .where(App.owner_id == user.id)
        .values(
            deleted_at=sa.func.coalesce(App.deleted_at, now),
            registration_token_hash=None,
            contacts=[],
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(sa.delete(memberships).where(memberships.c.user_id == user.id))
    session.execute(
        sa.update(RoleRequest)
        .where(RoleRequest.user_id == user.id, RoleRequest.status == RoleRequestStatus.PENDING)
        .values(status=RoleRequestStatus.WITHDRAWN, decided_at=now)
    )
    session.execute(sa.update(RoleRequest).where(RoleRequest.user_id == user.id).values(message=""))
    # Access records name the administrator who acted by address: an admin leaving
    # keeps the record, not the address.
    session.execute(
        sa.update(AccessEvent)
        .where(AccessEvent.actor_id == user.id)
        .values(actor_label=DELETED_NAME)
    )
    user.email = f"deleted-{user.id.hex}@{DELETED_DOMAIN}"
    user.display_name = DELETED_NAME
    user.password_hash = None
    user.is_active = False
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = None
    user.deleted_at = now
    session.flush()
    session.expire(user, ["organizations"])
