"""``/admin/audit``: every administrator's action (who, what, when, why), searchable,
and ``/admin/audit.csv``, the same as CSV (formula-like cells escaped)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request

from civic.platform.admin import PAGE_SIZE, admin_required, page_number
from civic.platform.wiring import current_bootstrap
from civic.services.admin import audit


def _date(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC) if value else None
    except ValueError:
        return None


def filters_from_query() -> audit.AuditFilters:
    """The log's filters from the query string (``action``, ``actor``, ``target``,
    ``since`` and ``until`` as ISO dates, UTC)."""
    args = request.args
    return audit.AuditFilters(
        action=args.get("action", "").strip()[:50],
        actor=args.get("actor", "").strip()[:320],
        target=args.get("target", "").strip()[:300],
        since=_date(args.get("since", "")),
        until=_date(args.get("until", "")),
    )


def blueprint() -> Blueprint:
    """The audit log pages of the console."""
    bp = Blueprint("admin_audit", __name__)

    @bp.get("/admin/audit")
    @admin_required
    def log() -> str:
        page = page_number()
        with current_bootstrap().unit_of_work() as uow:
            entries, total = audit.search(uow, filters_from_query(), page=page, page_size=PAGE_SIZE)
            return render_template(
                "admin/audit.html",
                entries=entries,
                total=total,
                page=page,
                page_size=PAGE_SIZE,
                args=request.args,
            )

    @bp.get("/admin/audit.csv")
    @admin_required
    def log_csv() -> Response:
        with current_bootstrap().unit_of_work() as uow:
            text = audit.export(uow, filters_from_query())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        return Response(
            text,
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="admin-audit-{stamp}.csv"',
                "Cache-Control": "no-store",
            },
        )

    return bp
