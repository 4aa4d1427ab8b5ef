"""Reuse pages: the list with filters, one reuse, the portal's declaration form, the feed.

Dataset and organization pages (the publishing pages) show their reuses by
including ``reuses/_dataset_reuses.html`` (with ``dataset`` in the context, an
object or dict with a ``name``) and ``reuses/_organization_reuses.html`` (with
``organization``); both read through the Jinja globals installed here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.pages.form_errors import Errors, field_key, from_validation
from civic.platform.pages.labels import _
from civic.platform.web.atom import reuse_feed
from civic.platform.web.forms import ACTOR_CHOICES
from civic.platform.web.session import WebUser, check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.apps import registry as apps
from civic.services.apps.models import ActorType
from civic.services.catalog.errors import UnknownOrganization
from civic.services.catalog.organizations import get_organization, list_organizations
from civic.services.errors import InvalidInput
from civic.services.identity.rights import ADMIN, REUSES_WRITE, ROLE_RIGHTS
from civic.services.reuses import registry
from civic.services.reuses.documents import reuse_document
from civic.services.reuses.errors import ReuseError, ReuseUrlTaken, UnknownReuse
from civic.services.reuses.inputs import ReuseInput
from civic.services.reuses.registry import ReuseActor, ReuseFilters
from civic.services.reuses.vocabulary import ReusePurpose, ReuseType
from civic.services.uow import UnitOfWork

Page = str | tuple[str, int] | WerkzeugResponse
PAGE_SIZE = 20
# The filters' and form's choices, in the enums' order (their words: pages.labels).
REUSE_TYPES = tuple(kind.value for kind in ReuseType)
REUSE_PURPOSES = tuple(purpose.value for purpose in ReusePurpose)


def init_app(app: Flask) -> None:
    """Register the reuse pages and the feed, and the globals the partials use."""
    app.register_blueprint(blueprint())
    app.jinja_env.globals.update(
        reuses_of_dataset=_reuses_of_dataset,
        reuses_of_organization=_reuses_of_organization,
        reuse_type_labels=REUSE_TYPES,
        reuse_purpose_labels=REUSE_PURPOSES,
    )


def blueprint() -> Blueprint:
    """The reuse list and page, the portal's declaration form, the organization feed."""
    bp = Blueprint("reuse_pages", __name__)
    bp.add_url_rule("/reuses", view_func=list_page, methods=["GET"])
    bp.add_url_rule("/reuses/<reuse_id>", view_func=reuse_page, methods=["GET"])
    bp.add_url_rule("/portal/reuses/new", view_func=new_reuse, methods=["GET"])
    bp.add_url_rule("/portal/reuses/new", view_func=declare_reuse, methods=["POST"])
    bp.add_url_rule(
        "/feeds/organizations/<name>.atom", view_func=organization_feed, methods=["GET"]
    )
    return bp


def list_page() -> Page:
    args = request.args
    filters = ReuseFilters(
        type=[ReuseType(v) for v in args.getlist("type") if v in REUSE_TYPES],
        topic=[v for v in args.getlist("topic") if v],
        purpose=[ReusePurpose(v) for v in args.getlist("purpose") if v in REUSE_PURPOSES],
        actor_type=[ActorType(v) for v in args.getlist("actor_type") if v in _ACTOR_VALUES],
        dataset=args.get("dataset") or None,
        organization=args.get("organization") or None,
        q=args.get("q", "")[:200],
    )
    page = max(1, min(_int(args.get("page"), 1), 10_000))
    with current_bootstrap().unit_of_work() as uow:
        found = registry.list_reuses(uow, filters, page=page, page_size=PAGE_SIZE)
        reuses = [reuse_document(reuse) for reuse in found.reuses]
        rows, _total = list_organizations(uow, page_size=1000)
        organizations = sorted(
            ((org.name, org.title) for org, _count in rows), key=lambda pair: pair[1].casefold()
        )
    pages = (found.total + PAGE_SIZE - 1) // PAGE_SIZE
    filtered = any(args.get(name) for name in ("type", "topic", "purpose", "actor_type"))
    filtered = filtered or bool(filters.dataset or filters.organization)
    return render_template(
        "reuses/list.html",
        reuses=reuses,
        found=found,
        args=args,
        topics=current_settings().reuse_topics,
        actor_choices=ACTOR_CHOICES,
        organizations=organizations,
        filtered=filtered,
        pages=pages,
        previous_url=_page_url(page - 1) if page > 1 else None,
        next_url=_page_url(page + 1) if page < pages else None,
    )


def _page_url(page: int) -> str:
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params["page"] = page
    return url_for("reuse_pages.list_page", **params)


def reuse_page(reuse_id: str) -> Page:
    user = current_user()
    with current_bootstrap().unit_of_work() as uow:
        viewer = _actor(user) if user else None
        try:
            reuse = registry.get_reuse(uow, _uuid(reuse_id), viewer=viewer)
        except UnknownReuse:
            abort(404)
        history = registry.moderation_history(uow, reuse.id) if viewer else []
        return render_template("reuses/detail.html", reuse=reuse_document(reuse), history=history)


@login_required
def new_reuse() -> Page:
    user = _user()
    values = {"datasets": request.args.get("dataset", ""), "owner": "", "actor_type": ""}
    return _form(user, values)


@login_required
def declare_reuse() -> Page:
    check_csrf()
    user = _user()
    form = request.form
    values = {key: form.get(key, "") for key in _FIELDS}
    data = {
        "title": values["title"],
        "description": values["description"],
        "url": values["url"].strip(),
        "type": values["type"],
        "topic": values["topic"],
        "purpose": values["purpose"],
        "datasets": [name for name in re.split(r"[\s,;]+", values["datasets"]) if name],
        "image_url": values["image_url"].strip() or None,
    }
    if REUSES_WRITE not in ROLE_RIGHTS[user.role]:
        return _form(user, values, errors={"_": _("Your role may not declare reuses.")}, status=403)
    try:
        body = ReuseInput.model_validate(data)
    except ValidationError as error:
        return _form(user, values, errors=from_validation(error), status=422)
    with current_bootstrap().unit_of_work() as uow:
        try:
            actor = _declaring_actor(uow, user, values["owner"], values["actor_type"])
            reuse = registry.declare_reuse(uow, actor, body, topics=current_settings().reuse_topics)
        except InvalidInput as error:
            errors = _service_errors(error, list(body.datasets))
            return _form(user, values, errors=errors, status=422)
        except ReuseUrlTaken as taken:
            # One reuse per canonical URL (issue 18): 409, with the existing one's location.
            errors = {"url": _("Another reuse has this address already.")}
            page = make_response(*_form(user, values, errors=errors, status=409))
            page.headers["Location"] = url_for(
                "reuse_pages.reuse_page", reuse_id=str(taken.existing_id)
            )
            return page
        except ReuseError as error:
            return _form(user, values, errors={"_": str(error)}, status=409)
        uow.commit()
        reuse_id = reuse.id
    return redirect(url_for("reuse_pages.reuse_page", reuse_id=str(reuse_id)))


def organization_feed(name: str) -> Response:
    with current_bootstrap().unit_of_work() as uow:
        try:
            organization = get_organization(uow, name)
        except UnknownOrganization:
            abort(404)
        reuses = registry.reuses_of_organization(uow, organization.name, limit=50)
        body = reuse_feed(
            organization,
            [reuse_document(reuse) for reuse in reuses],
            self_path=url_for("reuse_pages.organization_feed", name=organization.name),
        )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


_FIELDS = (
    "title",
    "description",
    "url",
    "type",
    "topic",
    "purpose",
    "datasets",
    "image_url",
    "owner",
    "actor_type",
)
_ACTOR_VALUES = {actor.value for actor in ActorType}


def _declaring_actor(uow: UnitOfWork, user: WebUser, owner: str, actor_type: str) -> ReuseActor:
    """The reuse's owner: one of the user's apps (its actor type), or the user with one chosen."""
    if owner.startswith("app:"):
        app = apps.get_owned_app(uow, owner.removeprefix("app:"), user.id)
        return ReuseActor(app.id, user.id, app.actor_type, label=user.email, via="portal")
    chosen = ActorType(actor_type) if actor_type in _ACTOR_VALUES else None
    return ReuseActor(None, user.id, chosen, label=user.email, via="portal")


def _service_errors(error: InvalidInput, datasets: list[str]) -> Errors:
    """The services' refusals, by field, in the page's language."""
    errors: Errors = {}
    for pointer, text in error.field_errors:
        key = field_key(pointer.removeprefix("#/").split("/"))
        if key == "datasets":
            index = int(pointer.rsplit("/", 1)[-1]) if pointer[-1:].isdigit() else -1
            name = datasets[index] if 0 <= index < len(datasets) else ""
            message = _("No dataset is named %(name)s.", name=name) if name else text
        elif key == "topic":
            message = _("Choose a value from the list.")
        elif key == "actor_type":
            message = _("Choose who made the reuse.")
        else:
            message = text
        errors.setdefault(key, message)
    return errors


def field_label(key: str) -> str:
    """The label of the declaration form's field ``key``."""
    labels = {
        "title": _("Title"),
        "url": _("Link (http or https)"),
        "description": _("Description"),
        "type": _("Type"),
        "topic": _("Topic"),
        "purpose": _("Purpose"),
        "datasets": _("Datasets used (their names, separated by spaces or commas)"),
        "image_url": _("Image (optional, http or https)"),
        "actor_type": _("Declared as"),
    }
    return labels.get(key, key)


def _form(
    user: WebUser, values: dict[str, str], *, errors: Errors | None = None, status: int = 200
) -> tuple[str, int]:
    with current_bootstrap().unit_of_work() as uow:
        owned = [
            (app.client_id, app.client_name, app.actor_type.value)
            for app in apps.apps_of(uow, user.id)
        ]
    page = render_template(
        "reuses/form.html",
        form=values,
        errors=errors or {},
        field_label=field_label,
        apps=owned,
        types=REUSE_TYPES,
        purposes=REUSE_PURPOSES,
        topics=current_settings().reuse_topics,
        actor_choices=ACTOR_CHOICES,
    )
    return page, status


def _actor(user: WebUser) -> ReuseActor:
    return ReuseActor(
        None, user.id, None, is_admin=ADMIN in ROLE_RIGHTS[user.role], label=user.email
    )


def _user() -> WebUser:
    user = current_user()
    if user is None:  # login_required ran first
        raise RuntimeError("no user logged in")
    return user


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _reuses_of_dataset(name: str, limit: int = 50) -> list[dict[str, Any]]:
    with current_bootstrap().unit_of_work() as uow:
        return [reuse_document(r) for r in registry.reuses_of_dataset(uow, name, limit=limit)]


def _reuses_of_organization(name: str, limit: int = 50) -> list[dict[str, Any]]:
    with current_bootstrap().unit_of_work() as uow:
        return [reuse_document(r) for r in registry.reuses_of_organization(uow, name, limit=limit)]
