"""Administrators and apps: search; suspend, refuse and restore with a reason; quota
plans; verifying the declared actor type. Each action lands in the audit log.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.apps import access, registry
from civic.services.apps.errors import InvalidAccessChange
from civic.services.apps.models import AccessAction, AccessEvent, ActorType, App, AppStatus
from civic.services.clock import utcnow
from civic.services.identity.models import User
from civic.services.quotas import plans
from civic.services.uow import UnitOfWork

MAX_PAGE_SIZE = 1000
_VERBS = {
    AccessAction.SUSPENDED: "app.suspend",
    AccessAction.REFUSED: "app.refuse",
    AccessAction.RESTORED: "app.restore",
}


@dataclass(frozen=True, slots=True)
class AppFilters:
    """What to search apps by; empty fields match everything."""

    name: str = ""
    owner: str = ""
    actor_type: ActorType | None = None
    status: AppStatus | None = None
    verified: bool | None = None


def search_apps(
    uow: UnitOfWork, filters: AppFilters, *, page: int = 1, page_size: int = 50
) -> tuple[list[App], int]:
    """Undeleted apps matching ``filters`` by name, newest first; and how many match."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = sa.select(App).outerjoin(User, User.id == App.owner_id).where(App.deleted_at.is_(None))
    if filters.name:
        query = query.where(
            sa.or_(
                App.client_name.icontains(filters.name, autoescape=True),
                App.client_id == filters.name,
            )
        )
    if filters.owner:
        query = query.where(User.email.icontains(filters.owner.lower(), autoescape=True))
    if filters.actor_type is not None:
        query = query.where(App.actor_type == filters.actor_type)
    if filters.status is not None:
        query = query.where(App.status == filters.status)
    if filters.verified is not None:
        query = query.where(App.actor_type_verified.is_(filters.verified))
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(
        query.order_by(App.created.desc(), App.client_id)
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    )
    return list(rows.unique()), total


def change_access(
    uow: UnitOfWork,
    operator: Operator,
    client_id: str,
    action: AccessAction,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[App, AccessEvent]:
    """Suspend, refuse or restore an app with a reason (the owner reads it), logged.

    Raises :class:`UnknownApp` and :class:`InvalidAccessChange` (no reason, same state).
    """
    app, event = access.change_access_of(
        uow, client_id, action, reason=reason, actor_id=operator.user_id
    )
    if operator.user_id is None:
        event.actor_label = operator.label
    audit.record(
        uow,
        operator,
        _VERBS[action],
        target_type="app",
        target_id=app.client_id,
        target_label=app.client_name,
        reason=reason,
        details={"status": app.status.value},
        now=now,
    )
    return app, event


def set_plan(
    uow: UnitOfWork,
    operator: Operator,
    client_id: str,
    plan: str | None,
    *,
    plans_available: Mapping[str, str],
    reason: str = "",
) -> App:
    """Put an app on a rate-limit plan (None: the default), logged.

    Raises :class:`UnknownApp` and :class:`UnknownPlan`.
    """
    app = registry.get_app(uow, client_id)
    before = app.plan
    plans.set_plan(uow, app, plan, plans=plans_available)
    audit.record(
        uow,
        operator,
        "app.plan",
        target_type="app",
        target_id=app.client_id,
        target_label=app.client_name,
        reason=reason,
        details={"from": before or "default", "to": app.plan or "default"},
    )
    return app


def verify_actor_type(
    uow: UnitOfWork,
    operator: Operator,
    client_id: str,
    *,
    verified: bool = True,
    reason: str = "",
    now: dt.datetime | None = None,
) -> App:
    """Mark the app's declared actor type as checked (or no longer), logged.

    Raises :class:`UnknownApp`, and :class:`InvalidAccessChange` when it is already so.
    """
    app = registry.get_app(uow, client_id)
    if app.actor_type_verified is verified:
        state = "verified" if verified else "unverified"
        raise InvalidAccessChange(f"the app's actor type is already {state}")
    now = now or utcnow()
    app.actor_type_verified = verified
    app.actor_type_verified_at = now if verified else None
    app.actor_type_verified_by = operator.label if verified else None
    audit.record(
        uow,
        operator,
        "app.verify_actor_type" if verified else "app.unverify_actor_type",
        target_type="app",
        target_id=app.client_id,
        target_label=app.client_name,
        reason=reason,
        details={"actor_type": app.actor_type.value},
        now=now,
    )
    return app
