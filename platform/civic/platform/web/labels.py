"""Words for raw values on the account and admin pages: roles, request states, times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

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


def when(moment: dt.datetime | None) -> str:
    """A time to the minute, in UTC (no microseconds, no offset arithmetic for readers)."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def context() -> dict[str, Any]:
    """What templates may call."""
    return {"role_label": role_label, "request_status_label": request_status_label, "when": when}
