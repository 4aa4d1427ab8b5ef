"""The admin console at ``/admin``: pages for administrators only (everyone else gets
403, anonymous visitors the login page), every form with the session's CSRF token.

The pages call the same services as the API (``/api/v1/admin/...``) and the
``civic admin`` commands (:mod:`civic.services.admin`); every action is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.settings import Settings
from civic.platform.web.service_errors import said
from civic.platform.web.session import WebUser, check_csrf, current_user, login_required
from civic.platform.wiring import current_bootstrap
from civic.services.admin.audit import Operator
from civic.services.errors import DomainError
from civic.services.identity.models import Role
from civic.services.uow import UnitOfWork

F = TypeVar("F", bound=Callable[..., Any])
PAGE_SIZE = 50


def admin_required(view: F) -> F:
    """Log in first; then administrators only (403 for the others)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        me = current_user()
        if me is None or me.role is not Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)  # type: ignore[return-value]


def current_admin() -> WebUser:
    """The logged-in administrator (after :func:`admin_required`)."""
    me = current_user()
    if me is None or me.role is not Role.ADMIN:
        abort(403)
    return me


def operator() -> Operator:
    """The logged-in administrator as the audit log names them."""
    me = current_admin()
    return Operator(me.id, me.email, "pages")


def page_number() -> int:
    """The ``page`` query parameter (1 when absent or not a positive number)."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


Page = tuple[str, int]


def act(
    work: Callable[[UnitOfWork], object],
    *,
    done: str,
    again: Callable[[int, str], Page],
    missing: tuple[type[Exception], ...] = (),
) -> Page | WerkzeugResponse:
    """One console form's POST: check the CSRF token, run ``work`` in a unit of work
    and commit, then go to ``done``; a refusal rolls back and shows ``again`` with the
    error in the page's language (422); the ``missing`` errors (an unknown target) are a 404."""
    check_csrf()
    with current_bootstrap().unit_of_work() as uow:
        try:
            work(uow)
        except missing:
            abort(404)
        except DomainError as error:
            uow.rollback()
            return again(422, said(error))
        uow.commit()
    return redirect(done)


def init_app(app: Flask, settings: Settings) -> None:
    """Register the admin console's pages on ``app``."""
    # Imported here: the page modules import this one.
    from civic.platform.admin import (  # noqa: PLC0415
        apps,
        audit,
        home,
        mail,
        moderation,
        organizations,
        people,
    )

    for module in (home, people, apps, moderation, organizations, audit):
        app.register_blueprint(module.blueprint())
    app.register_blueprint(mail.blueprint(settings))
