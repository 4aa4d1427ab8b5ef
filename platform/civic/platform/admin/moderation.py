"""``/admin/reuses``: the moderation queue (flagged reuses first), flag, archive or
restore each with a reason its owner reads."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.admin import PAGE_SIZE, act, admin_required, operator, page_number
from civic.platform.wiring import current_bootstrap
from civic.services.admin import reuses as admin_reuses
from civic.services.reuses.errors import UnknownReuse
from civic.services.reuses.vocabulary import ModerationAction, ReuseState


def blueprint() -> Blueprint:
    """The moderation pages of the console."""
    bp = Blueprint("admin_reuses", __name__)

    def queue_page(status: int = 200, error: object = None) -> tuple[str, int]:
        state_value = request.args.get("state", "")
        state = ReuseState(state_value) if state_value in set(ReuseState) else None
        page = page_number()
        with current_bootstrap().unit_of_work() as uow:
            found, total = admin_reuses.queue(
                uow,
                state=state,
                text=request.args.get("q", "").strip()[:200],
                page=page,
                page_size=PAGE_SIZE,
            )
            rendered = render_template(
                "admin/reuses.html",
                reuses=found,
                total=total,
                page=page,
                page_size=PAGE_SIZE,
                args=request.args,
                states=list(ReuseState),
                actions=list(ModerationAction),
                error=error,
            )
        return rendered, status

    @bp.get("/admin/reuses")
    @admin_required
    def reuses() -> tuple[str, int]:
        return queue_page()

    @bp.post("/admin/reuses/<reuse_id>/moderate")
    @admin_required
    def moderate(reuse_id: str) -> tuple[str, int] | WerkzeugResponse:
        try:
            ident = uuid.UUID(reuse_id)
            action = ModerationAction(request.form.get("action", ""))
        except ValueError:
            abort(400)
        query: dict[str, Any] = request.args.to_dict()
        return act(
            lambda uow: admin_reuses.moderate(
                uow, operator(), ident, action, reason=request.form.get("reason", "")
            ),
            done=url_for("admin_reuses.reuses", **query),
            again=queue_page,
            missing=(UnknownReuse,),
        )

    return bp
