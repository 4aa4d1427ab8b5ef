"""``/admin/users`` (search, role and memberships, disable and restore) and
``/admin/role-requests`` (grant or refuse what people asked for on their account page)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.admin import PAGE_SIZE, Page, act, admin_required, operator, page_number
from civic.platform.wiring import current_bootstrap
from civic.services.admin import audit, users
from civic.services.catalog.organizations import list_organizations
from civic.services.identity import accounts
from civic.services.identity.errors import InvalidAccount, UnknownUser
from civic.services.identity.models import Role
from civic.services.uow import UnitOfWork


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


def _names(value: str) -> list[str]:
    """Organization names from a form's field, separated by commas or spaces."""
    return value.replace(",", " ").split()


def _role(value: str) -> Role | None:
    try:
        return Role(value) if value else None
    except ValueError:
        return None


Done = Page | WerkzeugResponse


def blueprint() -> Blueprint:
    """The people pages of the console."""
    bp = Blueprint("admin_people", __name__)

    @bp.get("/admin/users")
    @admin_required
    def users_page() -> str:
        active = request.args.get("active", "")
        filters = users.UserFilters(
            text=request.args.get("q", "").strip()[:200],
            role=_role(request.args.get("role", "")),
            active={"yes": True, "no": False}.get(active),
        )
        page = page_number()
        with current_bootstrap().unit_of_work() as uow:
            found, total = users.search_users(uow, filters, page=page, page_size=PAGE_SIZE)
            return render_template(
                "admin/users.html",
                users=found,
                total=total,
                page=page,
                page_size=PAGE_SIZE,
                args=request.args,
                roles=list(Role),
            )

    def user_page(user_id: uuid.UUID, status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            try:
                user = accounts.get_user(uow, user_id)
            except UnknownUser:
                abort(404)
            page = render_template(
                "admin/user.html",
                user=user,
                roles=list(Role),
                organizations=[o.name for o in user.organizations],
                known_organizations=list_organizations_names(uow),
                log=audit.of_target(uow, "user", str(user.id)),
                error=error,
            )
        return page, status

    @bp.get("/admin/users/<user_id>")
    @admin_required
    def user(user_id: str) -> tuple[str, int]:
        return user_page(_uuid(user_id))

    def on_user(user_id: str, work: Callable[[UnitOfWork, uuid.UUID], object]) -> Done:
        ident = _uuid(user_id)
        return act(
            lambda uow: work(uow, ident),
            done=url_for("admin_people.user", user_id=user_id),
            again=lambda status, error: user_page(ident, status, error),
        )

    @bp.post("/admin/users/<user_id>/role")
    @admin_required
    def user_role(user_id: str) -> Done:
        def work(uow: UnitOfWork, ident: uuid.UUID) -> object:
            role = _role(request.form.get("role", ""))
            if role is None:
                raise InvalidAccount("choose a role from the list")
            return users.set_role(
                uow,
                operator(),
                ident,
                role,
                organizations=_names(request.form.get("organizations", "")),
                reason=request.form.get("reason", ""),
            )

        return on_user(user_id, work)

    @bp.post("/admin/users/<user_id>/active")
    @admin_required
    def user_active(user_id: str) -> Done:
        return on_user(
            user_id,
            lambda uow, ident: users.set_active(
                uow,
                operator(),
                ident,
                request.form.get("active") == "yes",
                reason=request.form.get("reason", ""),
            ),
        )

    def requests_page(status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            pending = [
                (item, accounts.get_user(uow, item.user_id)) for item in users.pending_requests(uow)
            ]
            page = render_template(
                "admin/role_requests.html",
                pending=pending,
                known_organizations=list_organizations_names(uow),
                error=error,
            )
        return page, status

    @bp.get("/admin/role-requests")
    @admin_required
    def role_requests() -> tuple[str, int]:
        return requests_page()

    @bp.post("/admin/role-requests/<request_id>")
    @admin_required
    def decide(request_id: str) -> Done:
        ident = _uuid(request_id)
        return act(
            lambda uow: users.decide_request(
                uow,
                operator(),
                ident,
                grant=request.form.get("decision") == "grant",
                answer=request.form.get("answer", ""),
                organizations=_names(request.form.get("organizations", "")),
            ),
            done=url_for("admin_people.role_requests"),
            again=requests_page,
        )

    return bp


def list_organizations_names(uow: UnitOfWork) -> list[str]:
    """Every organization's name (the forms' suggestions), at most 1,000."""
    found, _ = list_organizations(uow, page_size=1000)
    return [organization.name for organization, _ in found]
