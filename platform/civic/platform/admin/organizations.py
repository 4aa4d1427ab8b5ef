"""``/admin/organizations``: create publishing organizations and edit them (title,
description, level, territory, website); the worker carries them to CKAN."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.admin import admin_required, operator
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
                return list_page(422, error, values)
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
        check_csrf()
        values = {**request.form.to_dict(), "name": name}
        with current_bootstrap().unit_of_work() as uow:
            try:
                admin_organizations.edit(
                    uow, operator(), name, _input(values), reason=values.get("reason", "")
                )
            except UnknownOrganization:
                abort(404)
            except ValidationError as error:
                return edit_page(name, 422, _problem(error))
            except DomainError as error:
                uow.rollback()
                return edit_page(name, 422, error)
            uow.commit()
        return redirect(url_for("admin_organizations.organization", name=name))

    return bp
