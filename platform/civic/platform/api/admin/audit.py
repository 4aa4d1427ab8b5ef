"""``/api/v1/admin/audit`` and ``/audit.csv``: the log of every admin action (who,
what, when, why, by which door), searched as JSON or exported as CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response
from flask_openapi3.blueprint import APIBlueprint
from pydantic import BaseModel, Field

from civic.platform.api import BEARER
from civic.platform.api.admin.acting import Paging, paged
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin import audit
from civic.services.admin.models import AdminAction
from civic.services.errors import InvalidInput
from civic.services.identity.rights import ADMIN


class AuditArgs(Paging):
    action: str = Field(default="", max_length=50, description="a prefix: app. or app.suspend")
    actor: str = Field(default="", max_length=320)
    target: str = Field(default="", max_length=300)
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    reason: str
    details: dict[str, Any]
    via: str


class AuditList(BaseModel):
    results: list[AuditEntry]
    total: int
    page: int
    page_size: int


def _entry(entry: AdminAction) -> dict[str, Any]:
    return AuditEntry(
        id=entry.id,
        at=entry.created,
        actor=entry.actor_label,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_label=entry.target_label,
        reason=entry.reason,
        details=entry.details,
        via=entry.via,
    ).model_dump(mode="json")


def _audit_filters(query: AuditArgs) -> audit.AuditFilters:
    return audit.AuditFilters(
        action=query.action,
        actor=query.actor,
        target=query.target,
        since=query.since,
        until=query.until,
    )


def routes(bp: APIBlueprint) -> None:
    """Adds the audit log's routes to the admin blueprint."""

    @bp.get("/audit", summary="The audit log", responses={200: AuditList}, security=BEARER)
    def audit_log(query: AuditArgs) -> Response:
        """Needs ``admin``. Every admin action, newest first: who, what, when, why."""
        require(ADMIN)
        if query.since and query.until and query.since >= query.until:
            raise InvalidInput([("#/until", "until must come after since")])
        with current_bootstrap().unit_of_work() as uow:
            entries, total = audit.search(
                uow, _audit_filters(query), page=query.page, page_size=query.page_size
            )
            return paged(entries, total, query, _entry)

    @bp.get(
        "/audit.csv",
        summary="The audit log as CSV",
        responses={200: None},
        security=BEARER,
    )
    def audit_csv(query: AuditArgs) -> Response:
        """Needs ``admin``. Oldest first; cells a spreadsheet would run are escaped."""
        require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            text = audit.export(uow, _audit_filters(query))
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="admin-audit.csv"'},
        )
