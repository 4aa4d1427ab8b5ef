"""The admin console at ``/admin``: pages for administrators only (everyone else gets
403, anonymous visitors the login page), every form with the session's CSRF token.

The pages call the same services as the API (``/api/v1/admin/...``) and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort

from civic.platform.settings import Settings
from civic.platform.web.session import WebUser, current_user, login_required
from civic.services.identity.models import Role

F = TypeVar("F", bound=Callable[..., Any])


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


def init_app(app: Flask, settings: Settings) -> None:
    """Register the admin console's pages on ``app``."""
    from civic.platform.admin import mail  # noqa: PLC0415 - the pages import this module

    app.register_blueprint(mail.blueprint(settings))
