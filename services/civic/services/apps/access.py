"""Suspending, refusing and restoring apps, always with a reason, always recorded.

A suspended or refused app's credentials and tokens stop working at the next
request (token checks read the app's status; nothing is cached). Each change adds
an :class:`AccessEvent`, the platform's record of "contestability": who cut whom
off, when, and why, and when access came back.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from civic.services.apps.errors import InvalidAccessChange, NotAppOwner
from civic.services.apps.models import AccessAction, AccessEvent, App, AppStatus
from civic.services.apps.ports import AppWork
from civic.services.apps.registry import get_app
from civic.services.clock import utcnow
from civic.services.identity.models import User
from civic.services.uow import UnitOfWork

OPERATOR_LABEL = "operator (command line)"
_TARGET_STATUS = {
    AccessAction.SUSPENDED: AppStatus.SUSPENDED,
    AccessAction.REFUSED: AppStatus.REFUSED,
    AccessAction.RESTORED: AppStatus.ACTIVE,
}


def change_access(
    uow: AppWork,
    app: App,
    action: AccessAction,
    *,
    reason: str,
    actor: User | None,
    now: dt.datetime | None = None,
) -> AccessEvent:
    """Suspend, refuse or restore ``app``, recording ``reason`` and ``actor``.

    ``actor`` None means an operator at the command line. Raises
    :class:`InvalidAccessChange` for an empty reason or an app already in that state.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidAccessChange("a reason is required; the app's owner will read it")
    target = _TARGET_STATUS[action]
    if app.status is target:
        raise InvalidAccessChange(f"the app is already {target.value}")
    now = now or utcnow()
    app.status = target
    app.status_reason = reason
    app.status_changed_at = now
    event = AccessEvent(
        app_id=app.id,
        action=action,
        reason=reason,
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else OPERATOR_LABEL,
        created=now,
    )
    uow.apps.save(app)
    uow.apps.add_access_event(event)
    return event


def access_history(uow: UnitOfWork, app_id: uuid.UUID) -> list[AccessEvent]:
    """Every access change of one app, oldest first."""
    query = (
        sa.select(AccessEvent)
        .where(AccessEvent.app_id == app_id)
        .order_by(AccessEvent.created, AccessEvent.id)
    )
    return list(uow.session.scalars(query))


def change_access_of(
    uow: UnitOfWork,
    client_id: str,
    action: AccessAction,
    *,
    reason: str,
    actor_id: uuid.UUID | None,
) -> tuple[App, AccessEvent]:
    """:func:`change_access` for the app with ``client_id``, by the account ``actor_id``.

    Raises :class:`UnknownApp` and :class:`InvalidAccessChange`.
    """
    app = get_app(uow, client_id)
    actor = uow.session.get(User, actor_id) if actor_id else None
    return app, change_access(uow, app, action, reason=reason, actor=actor)


def history_of(
    uow: UnitOfWork, client_id: str, *, viewer_id: uuid.UUID | None, viewer_is_admin: bool
) -> tuple[App, list[AccessEvent]]:
    """The access record of an app, for its owner or an admin.

    Raises :class:`UnknownApp` and :class:`NotAppOwner`.
    """
    app = get_app(uow, client_id)
    if not viewer_is_admin and (viewer_id is None or app.owner_id != viewer_id):
        raise NotAppOwner("only the app's owner and administrators read its access record")
    return app, access_history(uow, app.id)
