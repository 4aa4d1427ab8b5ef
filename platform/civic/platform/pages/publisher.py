"""The publisher's form: ``/publish`` (a new dataset) and ``/datasets/<name>/edit``.

The form posts plain fields; they become the API's :class:`DatasetInput`, so the
page refuses exactly what the API refuses, and each error is shown beside its field
(``aria-describedby``), with a summary at the top that links to the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.pages.form_errors import Errors, field_key, from_validation
from civic.platform.pages.labels import _, frequency_label, theme_label
from civic.platform.web.session import WebUser, check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog import datasets as service
from civic.services.catalog.documents import dataset_document
from civic.services.catalog.errors import UnknownDataset
from civic.services.catalog.inputs import DatasetInput
from civic.services.catalog.permissions import Actor, actor_for_user
from civic.services.catalog.vocabularies import FREQUENCIES, THEMES
from civic.services.errors import Conflict, DomainError, InvalidInput
from civic.services.identity.accounts import get_user
from civic.services.identity.models import Role
from civic.services.publishing.writes import Outcome, write_dataset
from civic.services.uow import UnitOfWork

# Empty resource rows the form offers beyond the dataset's own.
RESOURCE_ROWS = 3
MAX_RESOURCE_ROWS = 200


def blueprint() -> Blueprint:
    """The publisher's pages (logged-in publishers and administrators)."""
    bp = Blueprint("publisher", __name__)

    @bp.route("/publish", methods=["GET", "POST"])
    @login_required
    def new() -> str | tuple[str, int] | WerkzeugResponse:
        user = _publisher()
        if request.method == "GET":
            return _form(user, {"resources": []}, {}, editing=None)
        return _save(user, editing=None)

    @bp.route("/datasets/<name>/edit", methods=["GET", "POST"])
    @login_required
    def edit(name: str) -> str | tuple[str, int] | WerkzeugResponse:
        user = _publisher()
        if request.method == "POST":
            return _save(user, editing=name)
        with current_bootstrap().unit_of_work() as uow:
            try:
                document = dataset_document(service.get_dataset(uow, name))
            except UnknownDataset:
                abort(404)
        return _form(user, document, {}, editing=name)

    return bp


def _publisher() -> WebUser:
    user = current_user()
    if user is None or user.role not in {Role.PUBLISHER, Role.ADMIN}:
        abort(403)
    return user


def _actor(uow: UnitOfWork, user: WebUser) -> Actor:
    return actor_for_user(uow, get_user(uow, user.id))


def _save(user: WebUser, *, editing: str | None) -> str | tuple[str, int] | WerkzeugResponse:
    check_csrf()
    values = form_values(request.form)
    if editing is not None:
        values["name"] = editing
    try:
        data = DatasetInput.model_validate(values)
    except ValidationError as error:
        return _form(user, values, from_validation(error, _GROUPED), editing=editing), 422
    licenses = list(current_settings().catalog_licenses)
    write: Callable[[UnitOfWork, Actor], service.DatasetWrite]
    if editing is None:
        write = lambda uow, actor: service.publish_dataset(uow, actor, data, licenses=licenses)  # noqa: E731
    else:
        write = lambda uow, actor: service.replace_dataset(  # noqa: E731
            uow, actor, editing, data, licenses=licenses
        )
    try:
        result = write_dataset(
            current_bootstrap(),
            lambda uow: write(uow, _actor(uow, user)),
            wait=current_settings().publish_wait,
        )
    except InvalidInput as error:
        errors = {
            field_key(pointer[2:].split("/"), _GROUPED): detail
            for pointer, detail in error.field_errors
        }
        return _form(user, values, errors, editing=editing), 422
    except Conflict as error:
        return _form(user, values, {"name": str(error)}, editing=editing), 409
    except DomainError as error:
        return _form(user, values, {"_": str(error)}, editing=editing), 403
    flash(_OUTCOME_MESSAGES[result.outcome]())
    return redirect(url_for("pages.dataset", name=result.name))


# What the publisher is told of a stored write (lazy: translated in the request's language).
_OUTCOME_MESSAGES: dict[Outcome, Callable[[], str]] = {
    Outcome.SYNCED: lambda: _("Saved and published in CKAN."),
    Outcome.PENDING: lambda: _(
        "Saved. CKAN has not confirmed yet; it will be sent as soon as CKAN answers."
    ),
    Outcome.UNCHANGED: lambda: _("Nothing changed."),
}


def form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's fields as a :class:`DatasetInput` dict (blank optional fields left out)."""
    text = {key: form.get(key, "").strip() for key in form}
    values: dict[str, Any] = {
        key: text.get(key, "")
        for key in ("name", "title", "description", "organization", "license")
    }
    values["tags"] = [tag.strip() for tag in text.get("tags", "").split(",") if tag.strip()]
    values["themes"] = form.getlist("themes")
    for key in ("spatial", "frequency"):
        if text.get(key):
            values[key] = text[key]
    if text.get("temporal_start") or text.get("temporal_end"):
        values["temporal"] = {
            "start": text.get("temporal_start") or None,
            "end": text.get("temporal_end") or None,
        }
    contact = {key: text.get(f"contact_{key}") for key in ("name", "email", "url")}
    if any(contact.values()):
        values["contact_point"] = {key: value for key, value in contact.items() if value}
    resources = []
    try:
        rows = max(0, min(int(form.get("resource_rows") or RESOURCE_ROWS), MAX_RESOURCE_ROWS))
    except ValueError:
        rows = RESOURCE_ROWS
    for index in range(rows):
        row = {
            key: text.get(f"resources-{index}-{key}", "")
            for key in ("url", "name", "format", "media_type")
        }
        if not row["url"]:
            continue
        resource: dict[str, Any] = {key: value for key, value in row.items() if value}
        resources.append(resource)
    values["resources"] = resources
    return values


# Fields the form shows as one: their errors are shown beside it.
_GROUPED = {
    "temporal.start": "temporal",
    "temporal.end": "temporal",
    "contact_point.name": "contact_point",
    "contact_point.url": "contact_point",
}


def field_label(key: str) -> str:
    """The label of the form's field ``key`` (``resources.0.url``: "Resource 1: Address")."""
    if key.startswith("resources."):
        parts = key.split(".")
        resource = _("Resource %(n)d", n=int(parts[1]) + 1) if parts[1].isdigit() else key
        inner = {
            "url": _("Address (URL)"),
            "name": _("Name"),
            "format": _("Format (CSV, JSON…)"),
            "media_type": _("Media type (text/csv…)"),
        }
        return (
            f"{resource}: {inner[parts[2]]}" if len(parts) > 2 and parts[2] in inner else resource
        )
    labels = {
        "name": _("Name (in the address)"),
        "title": _("Title"),
        "description": _("Description"),
        "organization": _("Organization"),
        "license": _("Licence"),
        "tags": _("Tags (separated by commas)"),
        "themes": _("Themes"),
        "temporal": _("Period covered"),
        "spatial": _("Place (a name or a URI)"),
        "frequency": _("Update frequency"),
        "contact_point": _("Contact point"),
        "contact_point.email": _("Email"),
    }
    return labels.get(key, key)


def field_anchor(key: str) -> str:
    """The id of the form's input for ``key``, where the summary's link leads."""
    anchors = {
        "temporal": "f-temporal_start",
        "contact_point": "f-contact_name",
        "contact_point.email": "f-contact_email",
        "themes": "f-themes",
    }
    return anchors.get(key, "f-" + key.replace(".", "-"))


def _form(user: WebUser, values: dict[str, Any], errors: Errors, *, editing: str | None) -> str:
    with current_bootstrap().unit_of_work() as uow:
        actor = _actor(uow, user)
        organizations = (
            sorted(actor.organizations) if not actor.is_admin else _all_organizations(uow)
        )
    resources = list(values.get("resources") or [])
    resources += [{}] * (RESOURCE_ROWS if len(resources) < RESOURCE_ROWS else 1)
    temporal = values.get("temporal") or {}
    contact = values.get("contact_point") or {}
    return render_template(
        "pages/form.html",
        values=values,
        resources=resources[:MAX_RESOURCE_ROWS],
        temporal=temporal,
        contact=contact,
        errors=errors,
        field_label=field_label,
        field_anchor=field_anchor,
        editing=editing,
        organizations=organizations,
        licenses=list(current_settings().catalog_licenses),
        themes=[(code, theme_label(code)) for code in THEMES],
        frequencies=[(code, frequency_label(code)) for code in FREQUENCIES],
    )


def _all_organizations(uow: UnitOfWork) -> list[str]:
    from civic.services.catalog.organizations import list_organizations  # noqa: PLC0415

    rows, _total = list_organizations(uow, page=1, page_size=1000)
    return [organization.name for organization, _count in rows]
