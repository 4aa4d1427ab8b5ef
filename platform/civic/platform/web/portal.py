"""The developer portal: register apps, see and rotate credentials, edit, delete.

And a person's personal API tokens (:mod:`civic.services.tokens.personal`): listed,
created (the secret shown once, on a page never cached) and revoked.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.pages.labels import _
from civic.platform.web import forms
from civic.platform.web.session import check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.apps import access, registry
from civic.services.apps.errors import InvalidAppMetadata
from civic.services.apps.metadata import parse_metadata
from civic.services.apps.models import ActorType
from civic.services.apps.standing import ensure_may_act
from civic.services.errors import DomainError
from civic.services.identity.models import Role
from civic.services.identity.rights import ROLE_RIGHTS, SCOPES
from civic.services.tokens import personal
from civic.services.tokens.initial import issue_initial_access_token
from civic.services.tokens.personal_app import PERSONAL_APP_CHANNEL, find_personal_app
from civic.services.uow import UnitOfWork

Page = str | tuple[str, int] | WerkzeugResponse
# Grace periods offered for the old secret when rotating: seconds (0: it stops at once).
SECRET_GRACE_CHOICES = ("0", "3600", "86400", "604800")


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
    bp.add_url_rule("/tokens", view_func=tokens, methods=["GET"])
    bp.add_url_rule("/tokens", view_func=create_token, methods=["POST"])
    bp.add_url_rule("/tokens/<token_id>/revoke", view_func=revoke_token, methods=["POST"])
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
        # Confirm first: a form without ``confirm`` (the app page's button) shows what
        # rotating does and offers a grace period for the old secret.
        ensure_may_act(app, "a new client secret")  # a suspended app is refused at once
        grace = request.form.get("grace", "")
        if request.form.get("confirm") != "yes" or grace not in SECRET_GRACE_CHOICES:
            return render_template("web/rotate_secret.html", app=app, choices=SECRET_GRACE_CHOICES)
        secret = registry.rotate_client_secret(uow, app, grace_seconds=int(grace))
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


@login_required
def tokens() -> Page:
    with current_bootstrap().unit_of_work() as uow:
        return _tokens_page(uow, {})


@login_required
def create_token() -> Page:
    check_csrf()
    form: dict[str, Any] = {
        "name": request.form.get("name", ""),
        "scopes": request.form.getlist("scope"),
        "expires_in_days": request.form.get("expires_in_days", ""),
        "client_id": request.form.get("client_id", ""),
        "actor_type": request.form.get("actor_type", ""),
    }
    with current_bootstrap().unit_of_work() as uow:
        try:
            days = int(form["expires_in_days"] or personal.DEFAULT_EXPIRY_DAYS)
            actor = ActorType(form["actor_type"]) if form["actor_type"] else None
        except ValueError:
            return _tokens_page(
                uow, form, error=_("Choose a lifetime and an actor type from the lists.")
            )
        try:
            issued = personal.create_personal_token(
                uow,
                user_id=_user_id(),
                name=form["name"],
                scopes=form["scopes"],
                expires_in_days=days,
                client_id=form["client_id"] or None,
                actor_type=actor,
                created_via="portal",
            )
        except DomainError as error:
            return _tokens_page(uow, form, error=str(error))
        uow.commit()
        page = render_template("web/token_created.html", token=issued.record, secret=issued.secret)
    response = make_response(page)
    # The secret is in this page: no cache, no back-button copy, no proxy keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def revoke_token(token_id: str) -> Page:
    check_csrf()
    with current_bootstrap().unit_of_work() as uow:
        personal.revoke_personal_token(uow, personal.parse_token_id(token_id), user_id=_user_id())
        uow.commit()
    return redirect(url_for("portal.tokens"))


def _tokens_page(
    uow: UnitOfWork, form: dict[str, Any], *, error: str | None = None
) -> tuple[str, int]:
    user = current_user()
    role = user.role if user else Role.DEVELOPER
    rights = ROLE_RIGHTS[role]
    apps = [app for app in registry.apps_of(uow, _user_id()) if app.is_active]
    page = render_template(
        "web/tokens.html",
        tokens=personal.tokens_of(uow, _user_id()),
        state=personal.state,
        apps=[app for app in apps if app.registered_via != PERSONAL_APP_CHANNEL],
        personal_app=find_personal_app(uow, _user_id()),
        scopes=[name for name in SCOPES if name in rights],
        actor_types=[actor.value for actor in ActorType],
        lifetimes=(7, 30, 90, 180, 365),
        default_days=personal.DEFAULT_EXPIRY_DAYS,
        form=form,
        error=error,
    )
    return page, 422 if error else 200


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
    errors = {error.field: app_field_message(error.field)} if error is not None else {}
    page = render_template(
        "web/app_form.html",
        form=values,
        action=action,
        app=app,
        errors=errors,
        field_label=app_field_label,
        **forms.choices(),
    )
    return page, status


def app_field_label(field: str) -> str:
    """The app form's label of a metadata field (RFC 7591's names)."""
    labels = {
        "client_name": _("Name"),
        "actor_type": _("Who is behind it"),
        "organization_name": _("Organization name"),
        "territory": _("Territory (e.g. an INSEE code)"),
        "client_uri": _("Website"),
        "redirect_uris": _("Redirect URIs (one per line; https, or http on 127.0.0.1)"),
        "grant_types": _("Grant types"),
        "token_endpoint_auth_method": _("Client type"),
        "scope": _("Scopes (reading public data needs none)"),
        "contacts": _("Contacts (emails, one per line)"),
    }
    return labels.get(field, field)


def app_field_message(field: str) -> str:
    """What to write in the app form's field ``field``, which the services refused."""
    messages = {
        "client_name": lambda: _("Give a name of at most 200 characters."),
        "actor_type": lambda: _("Choose who is behind the app."),
        "organization_name": lambda: _("At most 300 characters."),
        "territory": lambda: _("At most 50 characters."),
        "client_uri": lambda: _("Give a web address starting with https://."),
        "redirect_uris": lambda: _(
            "Give https addresses (http only on 127.0.0.1), one per line, without a fragment."
        ),
        "grant_types": lambda: _(
            "Choose at least one grant type; refresh tokens come with the authorization code,"
            " and a public client cannot use client credentials."
        ),
        "scope": lambda: _("Choose scopes from the list."),
        "contacts": lambda: _("Give email addresses, one per line."),
    }
    found = messages.get(field)
    return found() if found else _("This value is not valid.")
