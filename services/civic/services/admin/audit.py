"""The audit log: every administrator's action, who, what, when, why; searchable and
exported as CSV (cells that a spreadsheet would run as formulas are escaped).

Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from civic.services.admin.models import AdminAction
from civic.services.clock import utcnow
from civic.services.csv_cells import formula_safe_row
from civic.services.errors import InvalidInput
from civic.services.identity.models import User
from civic.services.uow import UnitOfWork

OPERATOR_LABEL = "operator (command line)"
# The longest reason or answer an administrator may write (the forms say so too).
MAX_REASON = 5000
MAX_PAGE_SIZE = 1000
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "reason",
    "details",
    "via",
)


class ReasonTooLong(InvalidInput):
    """A reason or an answer longer than :data:`MAX_REASON` characters."""

    def __init__(self, message: str) -> None:
        super().__init__([("#/reason", message)])
        self.args = (message,)


@dataclass(frozen=True, slots=True)
class Operator:
    """Who acts: an administrator's account (``user_id``) or an operator at the CLI."""

    user_id: uuid.UUID | None
    label: str
    via: str  # "pages", "api" or "cli"

    @classmethod
    def command_line(cls) -> Operator:
        """The operator running ``civic`` commands (no account)."""
        return cls(None, OPERATOR_LABEL, "cli")

    @classmethod
    def of_account(cls, uow: UnitOfWork, user_id: uuid.UUID | None, via: str) -> Operator:
        """The administrator ``user_id`` (their address as label); the CLI's when None."""
        if user_id is None:
            return cls(None, OPERATOR_LABEL, via)
        user = uow.session.get(User, user_id)
        return cls(user_id, user.email if user is not None else str(user_id), via)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What to search the log for; empty fields match everything."""

    action: str = ""
    actor: str = ""
    target: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def record(
    uow: UnitOfWork,
    operator: Operator,
    action: str,
    *,
    target_type: str,
    target_id: str,
    target_label: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AdminAction:
    """Add one action to the log (in the caller's transaction: it lands with the change).

    Raises :class:`ReasonTooLong` past :data:`MAX_REASON` characters: the caller's
    transaction, change included, must then be rolled back.
    """
    if len(reason) > MAX_REASON:
        raise ReasonTooLong(f"a reason has at most {MAX_REASON:,} characters")
    entry = AdminAction(
        created=now or utcnow(),
        actor_id=operator.user_id,
        actor_label=operator.label,
        action=action,
        target_type=target_type,
        target_id=target_id[:100],
        target_label=target_label[:300],
        reason=reason.strip(),
        details=details or {},
        via=operator.via,
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def _query(filters: AuditFilters) -> sa.Select[tuple[AdminAction]]:
    query = sa.select(AdminAction)
    if filters.action:
        query = query.where(AdminAction.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        query = query.where(AdminAction.actor_label.icontains(filters.actor, autoescape=True))
    if filters.target:
        needle = filters.target
        query = query.where(
            sa.or_(
                AdminAction.target_id == needle,
                AdminAction.target_label.icontains(needle, autoescape=True),
            )
        )
    if filters.since is not None:
        query = query.where(AdminAction.created >= filters.since)
    if filters.until is not None:
        query = query.where(AdminAction.created < filters.until)
    return query


def search(
    uow: UnitOfWork, filters: AuditFilters, *, page: int = 1, page_size: int = 50
) -> tuple[list[AdminAction], int]:
    """A page of the log, newest first, and how many entries match."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = _query(filters)
    total = uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(
        query.order_by(AdminAction.created.desc(), AdminAction.id.desc())
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    )
    return list(rows), total


def of_target(uow: UnitOfWork, target_type: str, target_id: str) -> list[AdminAction]:
    """Every action on one target, oldest first."""
    return list(
        uow.session.scalars(
            sa.select(AdminAction)
            .where(AdminAction.target_type == target_type, AdminAction.target_id == target_id)
            .order_by(AdminAction.created, AdminAction.id)
        )
    )


def csv_text(entries: Iterable[AdminAction]) -> str:
    """The entries as CSV (one header row), formula-like cells escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            formula_safe_row(
                (
                    entry.id,
                    entry.created.astimezone(dt.UTC).isoformat(),
                    entry.actor_label,
                    entry.action,
                    entry.target_type,
                    entry.target_id,
                    entry.target_label,
                    entry.reason,
                    _details(entry.details),
                    entry.via,
                )
            )
        )
    return buffer.getvalue()


def export(uow: UnitOfWork, filters: AuditFilters) -> str:
    """Every matching entry as CSV, oldest first."""
    rows = uow.session.scalars(_query(filters).order_by(AdminAction.created, AdminAction.id))
    return csv_text(rows)


def _details(details: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(details.items()))
