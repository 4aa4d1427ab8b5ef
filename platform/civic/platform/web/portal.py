"""The developer portal: register apps, see and rotate credentials, edit, delete."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.web import forms
from civic.platform.web.session import check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.apps import access, registry
from civic.services.apps.errors import InvalidAppMetadata
from civic.services.apps.metadata import parse_metadata
from civic.services.tokens.initial import issue_initial_access_token

Page = str | tuple[str, int] | WerkzeugResponse


def blueprint() -> Blueprint:
    """The portal's pages, under ``/portal``."""
    bp = Blueprint("portal", __name__, url_prefix="/portal")
    bp.add_url_rule("/", view_func=index, methods=["GET"])
    bp.add_url_rule("/apps/new", view_func=new_app, methods=["GET"])
    bp.add_url_rule("/apps/new", view_func=create_app, methods=["POST"])
    bp.add_url_rule("/apps/<client_id>", view_func=show_app, methods=["GET"])
    bp.add_url_rule("/apps/<client_id>/secret", view_func=rotate_secret, methods=["POST"])
    bp.add_url_rule("/apps/<client_id>/edit", view_func=edit_app, methods=["GET"])
    bp.add_url_rule("/apps/<client_id>/edit", view_func=update_app, methods=["POST"])
    bp.add_url_rule("/apps/<client_id>/delete", view_func=delete_app, methods=["POST"])
    bp.add_url_rule("/initial-token", view_func=initial_token, methods=["POST"])
    return bp


# Pages are rendered inside their unit of work: the objects they show are live there.


@login_required
def index() -> Page:
    with current_bootstrap().unit_of_work() as uow:
        apps = registry.apps_of(uow, _user_id())
        return render_template("web/portal.html", apps=apps)


@login_required
def new_app() -> Page:
    return _app_form(forms.empty_form(), action=url_for("portal.create_app"))


@login_required
def create_app() -> Page:
    check_csrf()
    try:
        metadata = parse_metadata(forms.metadata_from_form(request.form))
    except InvalidAppMetadata as error:
        values = forms.form_from_submission(request.form)
        return _app_form(values, action=url_for("portal.create_app"), error=error, status=422)
    with current_bootstrap().unit_of_work() as uow:
        app, issued = registry.register_app(
            uow, metadata, owner_id=_user_id(), registered_via="portal"
        )
        uow.commit()
        return render_template("web/credentials.html", app=app, issued=issued, new=True)


@login_required
def show_app(client_id: str) -> Page:
    with current_bootstrap().unit_of_work() as uow:
        app = registry.get_owned_app(uow, client_id, _user_id())
        history = access.access_history(uow, app.id)
        return render_template("web/app.html", app=app, history=history)


@login_required
def rotate_secret(client_id: str) -> Page:
    check_csrf()
    with current_bootstrap().unit_of_work() as uow:
        app = registry.get_owned_app(uow, client_id, _user_id())
        secret = registry.rotate_client_secret(uow, app)
        uow.commit()
        issued = registry.Credentials(app.client_id, secret, None)
        return render_template("web/credentials.html", app=app, issued=issued, new=False)


@login_required
def edit_app(client_id: str) -> Page:
    action = url_for("portal.update_app", client_id=client_id)
    with current_bootstrap().unit_of_work() as uow:
        app = registry.get_owned_app(uow, client_id, _user_id())
        return _app_form(forms.form_from_app(app), action=action, app=app)


@login_required
def update_app(client_id: str) -> Page:
    check_csrf()
    action = url_for("portal.update_app", client_id=client_id)
    with current_bootstrap().unit_of_work() as uow:
        app = registry.get_owned_app(uow, client_id, _user_id())
        try:
            metadata = parse_metadata(forms.metadata_from_form(request.form))
            registry.update_app(uow, app, metadata)
        except InvalidAppMetadata as error:
            values = forms.form_from_submission(request.form)
            return _app_form(values, action=action, app=app, error=error, status=422)
        uow.commit()
    return redirect(url_for("portal.show_app", client_id=client_id))


@login_required
def delete_app(client_id: str) -> Page:
    check_csrf()
    with current_bootstrap().unit_of_work() as uow:
        registry.delete_app(uow, registry.get_owned_app(uow, client_id, _user_id()))
        uow.commit()
    return redirect(url_for("portal.index"))


@login_required
def initial_token() -> Page:
    check_csrf()
    ttl = current_settings().oauth_initial_token_ttl
    with current_bootstrap().unit_of_work() as uow:
        token = issue_initial_access_token(
            uow, owner_id=_user_id(), issued_by_id=None, ttl_seconds=ttl
        )
        uow.commit()
    return render_template("web/initial_token.html", token=token, ttl=ttl)


def _user_id() -> uuid.UUID:
    user = current_user()
    if user is None:  # login_required ran first
        raise RuntimeError("no user logged in")
    return user.id


def _app_form(
    values: dict[str, Any],
    *,
    action: str,
    app: Any = None,
    error: InvalidAppMetadata | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "web/app_form.html", form=values, action=action, app=app, error=error, **forms.choices()
    )
    return page, status
