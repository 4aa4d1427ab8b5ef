"""``/admin``: what waits for an administrator, and the way to each part of the console."""

from __future__ import annotations

from flask import Blueprint, render_template

from civic.platform.admin import admin_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.admin import contests, users
from civic.services.admin import reuses as admin_reuses
from civic.services.reuses.vocabulary import ReuseState


def blueprint() -> Blueprint:
    """The console's home page."""
    bp = Blueprint("admin_home", __name__)

    @bp.get("/admin")
    @bp.get("/admin/")
    @admin_required
    def index() -> str:
        with current_bootstrap().unit_of_work() as uow:
            waiting = {
                "requests": len(users.pending_requests(uow)),
                "contests": len(contests.open_contests(uow)),
                "flagged": admin_reuses.queue(uow, state=ReuseState.FLAGGED, page_size=1)[1],
            }
        settings = current_settings()
        has_sink = settings.env != "production" and bool(settings.mail_sink_dir)
        return render_template("admin/index.html", waiting=waiting, has_sink=has_sink)

    return bp
