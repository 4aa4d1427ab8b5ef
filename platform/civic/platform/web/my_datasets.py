"""``/account/datasets``: a publisher's datasets (those of their organizations; every
organization's for an administrator), each with its state in CKAN, a link to edit it,
and a withdrawal that says first what it does: the dataset leaves the catalog and
CKAN (the outbox worker deletes it there), its reuses and usage stay. The withdrawal
is the catalog's own (``civic.services.catalog.datasets.withdraw_dataset``), the one
``DELETE /api/v1/datasets/<name>`` and CKAN's ``package_delete`` use.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.pages.labels import sync_label
from civic.platform.web.service_errors import said
from civic.platform.web.session import WebUser, check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap
from civic.services.catalog import datasets, members
from civic.services.catalog.errors import UnknownDataset
from civic.services.catalog.models import Dataset
from civic.services.catalog.permissions import actor_for_user
from civic.services.errors import DomainError
from civic.services.identity.accounts import get_user
from civic.services.identity.models import Role
from civic.services.uow import UnitOfWork

# Datasets listed on one page.
PAGE_SIZE = 200


def _publisher() -> WebUser:
    me = current_user()
    if me is None or me.role not in (Role.PUBLISHER, Role.ADMIN):
        abort(403)
    return me


def _mine(uow: UnitOfWork, me: WebUser, name: str | None = None) -> list[Dataset]:
    return members.datasets_of(uow, me.id, every=me.role is Role.ADMIN, name=name, limit=PAGE_SIZE)


def blueprint() -> Blueprint:
    """The publisher's list of datasets and the withdrawal pages."""
    bp = Blueprint("my_datasets", __name__)

    @bp.get("/account/datasets")
    @login_required
    def datasets_page() -> str:
        me = _publisher()
        with current_bootstrap().unit_of_work() as uow:
            found = _mine(uow, me)
            return render_template(
                "accounts/datasets.html",
                datasets=found,
                sync_label=sync_label,
                withdrawn=request.args.get("withdrawn", "")[:100],
                page_size=PAGE_SIZE,
            )

    def withdraw_page(name: str, status: int = 200, error: str | None = None) -> tuple[str, int]:
        me = _publisher()
        with current_bootstrap().unit_of_work() as uow:
            found = _mine(uow, me, name)
            if not found:
                abort(404)
            page = render_template("accounts/dataset_withdraw.html", dataset=found[0], error=error)
        return page, status

    @bp.get("/account/datasets/<name>/withdraw")
    @login_required
    def withdraw_form(name: str) -> tuple[str, int]:
        return withdraw_page(name)

    @bp.post("/account/datasets/<name>/withdraw")
    @login_required
    def withdraw(name: str) -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        me = _publisher()
        with current_bootstrap().unit_of_work() as uow:
            if not _mine(uow, me, name):
                abort(404)
            try:
                datasets.withdraw_dataset(uow, actor_for_user(uow, get_user(uow, me.id)), name)
            except UnknownDataset:
                abort(404)
            except DomainError as error:
                uow.rollback()
                return withdraw_page(name, 422, said(error))
            uow.commit()
        return redirect(url_for("my_datasets.datasets_page", withdrawn=name))

    return bp
