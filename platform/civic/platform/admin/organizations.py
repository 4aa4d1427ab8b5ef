"""``/admin/organizations``: create publishing organizations and edit them (title,
description, level, territory, website); the worker carries them to CKAN. Withdraw
one at ``/admin/organizations/<name>/withdraw``: what happens to its datasets and
members is said first, the withdrawal is a second step with a reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.admin import act, admin_required, operator
from civic.platform.web.service_errors import said
from civic.platform.web.session import check_csrf
from civic.platform.wiring import current_bootstrap
from civic.services.admin import audit
from civic.services.admin import organizations as admin_organizations
from civic.services.catalog.errors import UnknownOrganization
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.organizations import get_organization, list_organizations
from civic.services.errors import DomainError

_FIELDS = ("name", "title", "description", "level", "territory", "website")


def _input(values: dict[str, str]) -> OrganizationInput:
    data: dict[str, Any] = {key: values.get(key, "").strip() for key in _FIELDS}
    data["territory"] = data["territory"] or None
    data["website"] = data["website"] or None
    return OrganizationInput.model_validate(data)


def _problem(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
    )


def blueprint() -> Blueprint:
    """The organization pages of the console."""
    bp = Blueprint("admin_organizations", __name__)

    def list_page(status: int = 200, error: object = None, values: Any = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            found, total = list_organizations(uow, page_size=1000)
            page = render_template(
                "admin/organizations.html",
                organizations=found,
                total=total,
                levels=list(OrganizationLevel),
                error=error,
                values=values or {},
            )
        return page, status

    @bp.get("/admin/organizations")
    @admin_required
    def organizations() -> tuple[str, int]:
        return list_page()

    @bp.post("/admin/organizations")
    @admin_required
    def create() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        values = request.form.to_dict()
        with current_bootstrap().unit_of_work() as uow:
            try:
                created = admin_organizations.create(uow, operator(), _input(values))
            except ValidationError as error:
                return list_page(422, _problem(error), values)
            except DomainError as error:
                uow.rollback()
                return list_page(422, said(error), values)
            name = created.name
            uow.commit()
        return redirect(url_for("admin_organizations.organization", name=name))

    def edit_page(name: str, status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            try:
                organization = get_organization(uow, name)
            except UnknownOrganization:
                abort(404)
            page = render_template(
                "admin/organization.html",
                organization=organization,
                levels=list(OrganizationLevel),
                error=error,
                log=audit.of_target(uow, "organization", organization.name),
            )
        return page, status

    @bp.get("/admin/organizations/<name>")
    @admin_required
    def organization(name: str) -> tuple[str, int]:
        return edit_page(name)

    @bp.post("/admin/organizations/<name>")
    @admin_required
    def edit(name: str) -> tuple[str, int] | WerkzeugResponse:
        values = {**request.form.to_dict(), "name": name}
        try:
            data = _input(values)
        except ValidationError as error:
            check_csrf()
            return edit_page(name, 422, _problem(error))
        return act(
            lambda uow: admin_organizations.edit(
                uow, operator(), name, data, reason=values.get("reason", "")
            ),
            done=url_for("admin_organizations.organization", name=name),
            again=lambda status, error: edit_page(name, status, error),
            missing=(UnknownOrganization,),
        )

    def withdraw_page(name: str, status: int = 200, error: object = None) -> tuple[str, int]:
        with current_bootstrap().unit_of_work() as uow:
            try:
                plan = admin_organizations.withdrawal(uow, name)
            except UnknownOrganization:
                abort(404)
            page = render_template("admin/organization_withdraw.html", plan=plan, error=error)
        return page, status

    @bp.get("/admin/organizations/<name>/withdraw")
    @admin_required
    def withdraw_form(name: str) -> tuple[str, int]:
        return withdraw_page(name)

    @bp.post("/admin/organizations/<name>/withdraw")
    @admin_required
    def withdraw(name: str) -> tuple[str, int] | WerkzeugResponse:
        return act(
            lambda uow: admin_organizations.withdraw(
                uow, operator(), name, reason=request.form.get("reason", "")
            ),
            done=url_for("admin_organizations.organization", name=name),
            again=lambda status, error: withdraw_page(name, status, error),
            missing=(UnknownOrganization,),
        )

    return bp
