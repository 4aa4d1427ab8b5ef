"""``/admin/apps``: search apps by name, owner, actor type, status; one app's page with
suspend, refuse and restore (a reason required), its plan, the verification of its
declared actor type, its access record, its owner's contests and their answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform import admin
from civic.platform.admin import PAGE_SIZE, Page, admin_required, operator, page_number
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.admin import apps as admin_apps
from civic.services.admin import audit, contests
from civic.services.apps import access, registry
from civic.services.apps.errors import UnknownApp
from civic.services.apps.models import AccessAction, ActorType, AppStatus
from civic.services.uow import UnitOfWork

_ACTIONS = {
    "suspend": AccessAction.SUSPENDED,
    "refuse": AccessAction.REFUSED,
    "restore": AccessAction.RESTORED,
}


def _choice(enum_class: type[ActorType] | type[AppStatus], value: str) -> object:
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def blueprint() -> Blueprint:
    """The apps pages of the console."""
    bp = Blueprint("admin_apps", __name__)

    @bp.get("/admin/apps")
    @admin_required
    def apps_page() -> str:
        verified = request.args.get("verified", "")
        filters = admin_apps.AppFilters(
            name=request.args.get("name", "").strip()[:200],
            owner=request.args.get("owner", "").strip()[:320],
            actor_type=_choice(ActorType, request.args.get("actor_type", "")),  # type: ignore[arg-type]
            status=_choice(AppStatus, request.args.get("status", "")),  # type: ignore[arg-type]
            verified={"yes": True, "no": False}.get(verified),
        )
        page = page_number()
        with current_bootstrap().unit_of_work() as uow:
            found, total = admin_apps.search_apps(uow, filters, page=page, page_size=PAGE_SIZE)
            return render_template(
                "admin/apps.html",
                apps=found,
                total=total,
                page=page,
                page_size=PAGE_SIZE,
                args=request.args,
                actor_types=list(ActorType),
                statuses=list(AppStatus),
            )

    def app_page(client_id: str, status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            try:
                app = registry.get_app(uow, client_id)
            except UnknownApp:
                abort(404)
            page = render_template(
                "admin/app.html",
                app=app,
                history=access.access_history(uow, app.id),
                contests=contests.contests_of(uow, app.id),
                log=audit.of_target(uow, "app", app.client_id),
                plans=sorted(current_settings().quotas_plans),
                default_plan=current_settings().quotas_default_plan,
                error=error,
            )
        return page, status

    @bp.get("/admin/apps/<client_id>")
    @admin_required
    def app(client_id: str) -> tuple[str, int]:
        return app_page(client_id)

    def act(client_id: str, work: Callable[[UnitOfWork], object]) -> Page | WerkzeugResponse:
        return admin.act(
            work,
            done=url_for("admin_apps.app", client_id=client_id),
            again=lambda status, error: app_page(client_id, status, error),
            missing=(UnknownApp,),
        )

    @bp.post("/admin/apps/<client_id>/access")
    @admin_required
    def change_access(client_id: str) -> tuple[str, int] | WerkzeugResponse:
        action = _ACTIONS.get(request.form.get("action", ""))
        if action is None:
            abort(400)
        return act(
            client_id,
            lambda uow: admin_apps.change_access(
                uow, operator(), client_id, action, reason=request.form.get("reason", "")
            ),
        )

    @bp.post("/admin/apps/<client_id>/plan")
    @admin_required
    def plan(client_id: str) -> tuple[str, int] | WerkzeugResponse:
        chosen = request.form.get("plan", "")
        return act(
            client_id,
            lambda uow: admin_apps.set_plan(
                uow,
                operator(),
                client_id,
                None if chosen in ("", "default") else chosen,
                plans_available=current_settings().quotas_plans,
                reason=request.form.get("reason", ""),
            ),
        )

    @bp.post("/admin/apps/<client_id>/actor-type")
    @admin_required
    def verify(client_id: str) -> tuple[str, int] | WerkzeugResponse:
        return act(
            client_id,
            lambda uow: admin_apps.verify_actor_type(
                uow,
                operator(),
                client_id,
                verified=request.form.get("verified", "yes") == "yes",
                reason=request.form.get("reason", ""),
            ),
        )

    @bp.post("/admin/apps/<client_id>/contests/<contest_id>")
    @admin_required
    def answer(client_id: str, contest_id: str) -> tuple[str, int] | WerkzeugResponse:
        try:
            decision = contests.Decision(request.form.get("decision", ""))
            ident = uuid.UUID(contest_id)
        except ValueError:
            abort(400)
        return act(
            client_id,
            lambda uow: contests.decide(
                uow, operator(), ident, decision, request.form.get("answer", "")
            ),
        )

    return bp
