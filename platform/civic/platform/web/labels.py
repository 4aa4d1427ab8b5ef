"""Words for raw values on the account, portal and admin pages: roles, request states,
times, rate-limit plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from civic.platform.pages.labels import actor_type_labels
from civic.platform.wiring import current_settings
from civic.services.apps.models import ActorType, AppStatus
from civic.services.identity.models import Role, RoleRequestStatus


def role_label(role: Role | str) -> str:
    """A role in the page's language."""
    labels = {
        Role.ADMIN: _("Administrator"),
        Role.PUBLISHER: _("Publisher"),
        Role.DEVELOPER: _("Developer"),
        Role.EVALUATOR: _("Evaluator"),
    }
    try:
        return str(labels[Role(role)])
    except ValueError:
        return str(role)


def request_status_label(status: RoleRequestStatus | str) -> str:
    """Where a role request stands, in the page's language."""
    labels = {
        RoleRequestStatus.PENDING: _("waiting for an administrator"),
        RoleRequestStatus.GRANTED: _("granted"),
        RoleRequestStatus.REFUSED: _("refused"),
        RoleRequestStatus.WITHDRAWN: _("withdrawn"),
    }
    try:
        return str(labels[RoleRequestStatus(status)])
    except ValueError:
        return str(status)


def actor_type_label(actor_type: ActorType | str) -> str:
    """Who is behind an app, in the page's language."""
    try:
        return actor_type_labels()[ActorType(actor_type)]
    except ValueError:
        return str(actor_type)


def app_status_label(status: AppStatus | str) -> str:
    """Whether an app works, in the page's language."""
    labels = {
        AppStatus.ACTIVE: _("active"),
        AppStatus.SUSPENDED: _("suspended"),
        AppStatus.REFUSED: _("refused"),
    }
    try:
        return str(labels[AppStatus(status)])
    except ValueError:
        return str(status)


def access_label(action: str) -> str:
    """What was done to an app's access, in the page's language."""
    labels = {"suspended": _("suspended"), "refused": _("refused"), "restored": _("restored")}
    return str(labels.get(action, action))


def contest_status_label(status: str) -> str:
    """Where a contest stands, in the page's language."""
    labels = {
        "open": _("waiting for an administrator"),
        "answered": _("answered, the suspension stays for now"),
        "restored": _("the app was restored"),
        "confirmed": _("the suspension was confirmed"),
    }
    return str(labels.get(status, status))


def when(moment: dt.datetime | None) -> str:
    """A time to the minute, in UTC (no microseconds, no offset arithmetic for readers)."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _rate(limit: str) -> str:
    count, _slash, period = limit.strip().partition("/")
    if not count.strip().isdigit():
        return limit
    number = format_decimal(int(count))
    words = {
        "second": _("%(count)s a second", count=number),
        "minute": _("%(count)s a minute", count=number),
        "hour": _("%(count)s an hour", count=number),
        "day": _("%(count)s a day", count=number),
    }
    return str(words.get(period.strip().rstrip("s"), limit))


def plan_label(plan: str | None) -> str:
    """A rate-limit plan in words: its name and its limits ("standard: 600 a minute,
    50,000 a day"); None is the default plan."""
    settings = current_settings()
    name = plan or settings.quotas_default_plan
    limits = settings.quotas_plans.get(name, "")
    said = ", ".join(_rate(part) for part in limits.split(";") if part.strip())
    shown = name if plan else _("%(name)s (the default)", name=name)
    return f"{shown}: {said}" if said else shown


def moderation_label(action: str) -> str:
    """What an administrator may do to a reuse, in words."""
    words: dict[str, str] = {
        "flag": _("Flag it"),
        "archive": _("Archive it"),
        "restore": _("Restore it"),
    }
    return words.get(action, action)


def context() -> dict[str, Any]:
    """What templates may call."""
    return {
        "role_label": role_label,
        "request_status_label": request_status_label,
        "actor_type_label": actor_type_label,
        "app_status_label": app_status_label,
        "access_label": access_label,
        "contest_status_label": contest_status_label,
        "when": when,
        "plan_label": plan_label,
        "moderation_label": moderation_label,
    }
