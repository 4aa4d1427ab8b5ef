"""``/api/v1/organizations``: publishing organizations, created by administrators."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.api.catalog_schemas import NamePath, OrganizationList, OrganizationOut, PageArgs
from civic.platform.oauth.protection import require
from civic.platform.wiring import current_bootstrap
from civic.services.admin import organizations as admin_organizations
from civic.services.admin.audit import Operator
from civic.services.catalog import organizations as service
from civic.services.catalog.documents import organization_document
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.permissions import actor_for_token, ensure_admin
from civic.services.identity.rights import ADMIN

TAG = Tag(
    name="organizations",
    description="Publishing organizations (national, regional, local), mirrored to CKAN",
)


def blueprint() -> APIBlueprint:
    """The organization routes."""
    bp = feature_blueprint(
        "organizations",
        __name__,
        tag=TAG,
        url_prefix="/organizations",
        problem_statuses=(401, 403, 404, 409, 429),
    )

    @bp.get("", summary="Organizations", responses={200: OrganizationList})
    def list_organizations(query: PageArgs) -> Response:
        """Every organization by name, with its number of live datasets."""
        with current_bootstrap().unit_of_work() as uow:
            rows, total = service.list_organizations(
                uow, page=query.page, page_size=query.page_size
            )
            results = [organization_document(org, dataset_count=n) for org, n in rows]
        return jsonify(
            {"results": results, "total": total, "page": query.page, "page_size": query.page_size}
        )

    @bp.post(
        "", summary="Create an organization", responses={201: OrganizationOut}, security=BEARER
    )
    def create_organization(body: OrganizationInput) -> Response:
        """Needs the ``admin`` scope; the worker creates it in CKAN."""
        principal = require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            ensure_admin(
                actor_for_token(uow, principal)
            )  # the admin role and scope, as the catalog checks them
            operator = Operator.of_account(uow, principal.person_id, "api")
            organization = admin_organizations.create(uow, operator, body)
            uow.commit()
            response = jsonify(organization_document(organization))
        response.status_code = 201
        response.headers["Location"] = url_for(
            "organizations.show_organization", name=organization.name
        )
        return response

    @bp.get("/<name>", summary="An organization", responses={200: OrganizationOut})
    def show_organization(path: NamePath) -> Response:
        """One organization."""
        with current_bootstrap().unit_of_work() as uow:
            return jsonify(organization_document(service.get_organization(uow, path.name)))

    @bp.put(
        "/<name>",
        summary="Replace an organization",
        responses={200: OrganizationOut},
        security=BEARER,
    )
    def replace_organization(path: NamePath, body: OrganizationInput) -> Response:
        """Needs the ``admin`` scope; the name cannot change."""
        principal = require(ADMIN)
        with current_bootstrap().unit_of_work() as uow:
            ensure_admin(
                actor_for_token(uow, principal)
            )  # the admin role and scope, as the catalog checks them
            operator = Operator.of_account(uow, principal.person_id, "api")
            organization = admin_organizations.edit(uow, operator, path.name, body)
            uow.commit()
            return jsonify(organization_document(organization))

    return bp
