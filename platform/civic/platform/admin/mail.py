"""``/admin/mail``: the mails the development SMTP sink kept, for administrators, in
development and test only (``mail_sink_dir`` set, never in production: 404 there)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template

from civic.connectors.mail import sink
from civic.platform.admin import admin_required
from civic.platform.settings import Settings


def blueprint(settings: Settings) -> Blueprint:
    """The sink's pages, or a blueprint without routes when there is no sink."""
    bp = Blueprint("admin_mail", __name__)
    folder = settings.mail_sink_dir
    if settings.env == "production" or not folder:
        return bp
    path = Path(folder)

    @bp.get("/admin/mail")
    @admin_required
    def mails() -> str:
        return render_template("admin/mail.html", mails=sink.list_mails(path))

    @bp.get("/admin/mail/<name>")
    @admin_required
    def mail(name: str) -> str:
        found = sink.find_mail(path, name)
        if found is None:
            abort(404)
        return render_template("admin/mail_one.html", mail=found)

    return bp
