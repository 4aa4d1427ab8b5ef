"""Contestability: the owner of a suspended (or refused) app sees why and contests with
a message; an administrator answers, restores the app or confirms the suspension.
The exchange is kept (``app_contests``), beside the access record it answers.

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa

from civic.services.admin import apps as admin_apps
from civic.services.admin import audit
from civic.services.admin.audit import Operator
from civic.services.admin.models import AppContest, ContestStatus
from civic.services.apps import registry
from civic.services.apps.errors import InvalidAccessChange, NotAppOwner
from civic.services.apps.models import AccessAction, AccessEvent, App, AppStatus
from civic.services.clock import utcnow
from civic.services.errors import Conflict, NotFound
from civic.services.uow import UnitOfWork

MAX_MESSAGE = 5000


class ContestRefused(Conflict):
    """A contest that cannot be made or answered (the message says why)."""


class UnknownContest(NotFound):
    """No open contest has this id."""


class Decision(enum.StrEnum):
    """What an administrator does with a contest."""

    ANSWER = "answer"  # reply, the suspension stays, the contest stays open to them
    RESTORE = "restore"
    CONFIRM = "confirm"


def _last_cut(uow: UnitOfWork, app: App) -> AccessEvent | None:
    return uow.session.scalar(
        sa.select(AccessEvent)
        .where(
            AccessEvent.app_id == app.id,
            AccessEvent.action.in_((AccessAction.SUSPENDED, AccessAction.REFUSED)),
        )
        .order_by(AccessEvent.created.desc(), AccessEvent.id.desc())
        .limit(1)
    )


def contests_of(uow: UnitOfWork, app_id: uuid.UUID) -> list[AppContest]:
    """Every contest of one app, oldest first."""
    return list(
        uow.session.scalars(
            sa.select(AppContest)
            .where(AppContest.app_id == app_id)
            .order_by(AppContest.created, AppContest.id)
        )
    )


def open_contests(uow: UnitOfWork) -> list[tuple[AppContest, App]]:
    """Contests waiting for an administrator, oldest first, with their apps."""
    rows = uow.session.execute(
        sa.select(AppContest, App)
        .join(App, App.id == AppContest.app_id)
        .where(AppContest.status.in_((ContestStatus.OPEN, ContestStatus.ANSWERED)))
        .order_by(AppContest.created)
    )
    return [(contest, app) for contest, app in rows.unique()]


def contest(
    uow: UnitOfWork,
    client_id: str,
    user_id: uuid.UUID,
    message: str,
    *,
    now: dt.datetime | None = None,
) -> AppContest:
    """The app's owner contests its suspension or refusal with ``message``.

    Raises :class:`UnknownApp`, :class:`NotAppOwner` (someone else's app, admins
    included: they answer, they do not contest), and :class:`ContestRefused` (the app
    is active, no message, or a contest of this suspension is open already).
    """
    app = registry.get_app(uow, client_id)
    if app.owner_id != user_id:
        raise NotAppOwner("only the app's owner contests its suspension")
    if app.status is AppStatus.ACTIVE:
        raise ContestRefused("the app is active: there is nothing to contest")
    message = message.strip()
    if not message:
        raise ContestRefused("write what you contest and why")
    if len(message) > MAX_MESSAGE:
        raise ContestRefused(f"a message has at most {MAX_MESSAGE} characters")
    cut = _last_cut(uow, app)
    if cut is None:
        raise ContestRefused("the app has no recorded suspension")
    waiting = uow.session.scalar(
        sa.select(AppContest.id).where(
            AppContest.access_event_id == cut.id, AppContest.status == ContestStatus.OPEN
        )
    )
    if waiting is not None:
        raise ContestRefused("your contest is waiting for an administrator already")
    entry = AppContest(
        app_id=app.id,
        access_event_id=cut.id,
        author_id=user_id,
        message=message,
        created=now or utcnow(),
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def decide(
    uow: UnitOfWork,
    operator: Operator,
    contest_id: uuid.UUID,
    decision: Decision,
    answer: str,
    *,
    now: dt.datetime | None = None,
) -> AppContest:
    """An administrator answers a contest: a reply, a restoration or a confirmation,
    always with words the owner reads. Logged (and a restoration recorded as such).

    Raises :class:`UnknownContest` (unknown or closed) and :class:`ContestRefused` (no
    answer, or an app that cannot be restored).
    """
    entry = uow.session.get(AppContest, contest_id, with_for_update=True)
    if entry is None or entry.status in (ContestStatus.RESTORED, ContestStatus.CONFIRMED):
        raise UnknownContest("no open contest has this id")
    answer = answer.strip()
    if not answer:
        raise ContestRefused("write an answer: the app's owner reads it")
    app = uow.session.get(App, entry.app_id)
    if app is None:
        raise UnknownContest("no open contest has this id")
    now = now or utcnow()
    if decision is Decision.RESTORE:
        try:
            admin_apps.change_access(
                uow, operator, app.client_id, AccessAction.RESTORED, reason=answer, now=now
            )
        except InvalidAccessChange as error:
            raise ContestRefused(str(error)) from error
    entry.status = {
        Decision.ANSWER: ContestStatus.ANSWERED,
        Decision.RESTORE: ContestStatus.RESTORED,
        Decision.CONFIRM: ContestStatus.CONFIRMED,
    }[decision]
    entry.answer = answer
    entry.answered_by = operator.label
    entry.answered_at = now
    audit.record(
        uow,
        operator,
        f"contest.{decision.value}",
        target_type="app",
        target_id=app.client_id,
        target_label=app.client_name,
        reason=answer,
        details={"contest": str(entry.id)},
        now=now,
    )
    return entry
