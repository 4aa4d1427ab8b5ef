"""Administrators and accounts: search; change a role and memberships; disable and
restore; answer role requests. Each action lands in the audit log.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.catalog.models import Organization
from civic.services.clock import utcnow
from civic.services.identity import accounts
from civic.services.identity.errors import (
    InvalidAccount,
    RoleRequestRefused,
    UnknownOrganization,
    UnknownRoleRequest,
)
from civic.services.identity.models import Role, RoleRequest, RoleRequestStatus, User
from civic.services.uow import UnitOfWork

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class UserFilters:
    """What to search accounts by; empty fields match everything."""

    text: str = ""  # in the address or the name
    role: Role | None = None
    active: bool | None = None


def search_users(
    uow: UnitOfWork, filters: UserFilters, *, page: int = 1, page_size: int = 50
) -> tuple[list[User], int]:
    """Accounts (deleted ones left out) by address; and how many match."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = sa.select(User).where(User.deleted_at.is_(None))
    if filters.text:
        query = query.where(
            sa.or_(
                User.email.icontains(filters.text.lower(), autoescape=True),
                User.display_name.icontains(filters.text, autoescape=True),
            )
        )
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.is_active.is_(filters.active))
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(
        query.order_by(User.email).offset((max(page, 1) - 1) * page_size).limit(page_size)
    )
    return list(rows), total


def _organizations(uow: UnitOfWork, names: Sequence[str]) -> list[Organization]:
    found = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        organization = uow.session.scalar(sa.select(Organization).where(Organization.name == name))
        if organization is None:
            raise UnknownOrganization(f"no organization is named {name!r}")
        found.append(organization)
    return found


def set_role(
    uow: UnitOfWork,
    operator: Operator,
    user_id: uuid.UUID,
    role: Role,
    *,
    organizations: Sequence[str] = (),
    reason: str = "",
) -> User:
    """Give an account a role and, for a publisher, its organizations (at least one).

    Raises :class:`UnknownUser`, :class:`UnknownOrganization` and :class:`InvalidAccount`.
    An administrator cannot take the admin role from themselves (someone must remain).
    """
    user = accounts.get_user(uow, user_id)
    if user.deleted_at is not None:
        raise InvalidAccount("this account was deleted")
    if user.id == operator.user_id and role is not Role.ADMIN:
        raise InvalidAccount("you cannot take the admin role from yourself")
    members = _organizations(uow, organizations)
    if role is Role.PUBLISHER and not members:
        raise InvalidAccount("a publisher belongs to at least one organization")
    if role is not Role.PUBLISHER and members:
        raise InvalidAccount("only publishers are members of organizations")
    before = (user.role.value, sorted(o.name for o in user.organizations))
    user.role = role
    user.organizations = members
    uow.session.flush()
    audit.record(
        uow,
        operator,
        "user.role",
        target_type="user",
        target_id=str(user.id),
        target_label=user.email,
        reason=reason,
        details={
            "from": before[0],
            "to": role.value,
            "organizations": ",".join(sorted(o.name for o in members)),
        },
    )
    return user


def set_active(
    uow: UnitOfWork, operator: Operator, user_id: uuid.UUID, active: bool, *, reason: str
) -> User:
    """Disable an account (its sessions end at once) or restore it, with a reason.

    Raises :class:`UnknownUser` and :class:`InvalidAccount` (no reason, same state,
    or disabling oneself).
    """
    if not reason.strip():
        raise InvalidAccount("a reason is required")
    user = accounts.get_user(uow, user_id)
    if user.deleted_at is not None:
        raise InvalidAccount("this account was deleted")
    if user.is_active is active:
        raise InvalidAccount(f"the account is already {'active' if active else 'disabled'}")
    if user.id == operator.user_id:
        raise InvalidAccount("you cannot disable your own account")
    if active:
        accounts.enable_user(uow, user)
    else:
        accounts.disable_user(uow, user)
    audit.record(
        uow,
        operator,
        "user.enable" if active else "user.disable",
        target_type="user",
        target_id=str(user.id),
        target_label=user.email,
        reason=reason,
    )
    return user


def pending_requests(uow: UnitOfWork) -> list[RoleRequest]:
    """Role requests waiting for an answer, oldest first."""
    return list(
        uow.session.scalars(
            sa.select(RoleRequest)
            .where(RoleRequest.status == RoleRequestStatus.PENDING)
            .order_by(RoleRequest.created)
        )
    )


def decide_request(
    uow: UnitOfWork,
    operator: Operator,
    request_id: uuid.UUID,
    *,
    grant: bool,
    answer: str = "",
    organizations: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> RoleRequest:
    """Grant (the role is given, with ``organizations`` for a publisher) or refuse a
    pending role request; the person reads ``answer``. Logged.

    Raises :class:`UnknownRoleRequest`, :class:`RoleRequestRefused` (a refusal without
    an answer), and what :func:`set_role` raises.
    """
    request = uow.session.get(RoleRequest, request_id, with_for_update=True)
    if request is None or request.status is not RoleRequestStatus.PENDING:
        raise UnknownRoleRequest("no pending request has this id")
    if grant:
        set_role(
            uow,
            operator,
            request.user_id,
            request.role,
            organizations=organizations,
            reason=answer or "role request granted",
        )
    elif not answer.strip():
        raise RoleRequestRefused("say why the request is refused: the person reads it")
    request.status = RoleRequestStatus.GRANTED if grant else RoleRequestStatus.REFUSED
    request.decided_at = now or utcnow()
    request.decided_by = operator.label
    request.answer = answer.strip() or None
    user = uow.session.get(User, request.user_id)
    audit.record(
        uow,
        operator,
        "role_request.grant" if grant else "role_request.refuse",
        target_type="user",
        target_id=str(request.user_id),
        target_label=user.email if user is not None else "",
        reason=answer,
        details={"role": request.role.value},
    )
    return request
