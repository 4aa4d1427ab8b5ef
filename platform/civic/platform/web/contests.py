"""``/portal/apps/<client_id>/contest``: the owner of a suspended or refused app reads why,
contests with a message, and reads the administrators' answers (the exchange is kept)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.web.service_errors import said
from civic.platform.web.session import check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap
from civic.services.admin import contests
from civic.services.apps import access
from civic.services.apps.errors import NotAppOwner, UnknownApp
from civic.services.apps.models import App
from civic.services.uow import UnitOfWork


def _owned(uow: UnitOfWork, client_id: str) -> App:
    me = current_user()
    if me is None:
        abort(401)
    try:
        app, _ = access.history_of(uow, client_id, viewer_id=me.id, viewer_is_admin=False)
    except (UnknownApp, NotAppOwner):
        abort(404)  # someone else's app is not shown to exist
    return app


def blueprint() -> Blueprint:
    """The contest page of the portal."""
    bp = Blueprint("contests", __name__)

    def page(client_id: str, status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            app = _owned(uow, client_id)
            rendered = render_template(
                "accounts/contest.html",
                app=app,
                history=access.access_history(uow, app.id),
                exchange=contests.contests_of(uow, app.id),
                error=error,
            )
        return rendered, status

    @bp.get("/portal/apps/<client_id>/contest")
    @login_required
    def contest_page(client_id: str) -> tuple[str, int]:
        return page(client_id)

    @bp.post("/portal/apps/<client_id>/contest")
    @login_required
    def contest(client_id: str) -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        me = current_user()
        if me is None:
            abort(401)
        with current_bootstrap().unit_of_work() as uow:
            _owned(uow, client_id)
            try:
                contests.contest(uow, client_id, me.id, request.form.get("message", ""))
            except contests.ContestRefused as error:
                uow.rollback()
                return page(client_id, 409, said(error))
            uow.commit()
        return redirect(url_for("contests.contest_page", client_id=client_id))

    return bp
