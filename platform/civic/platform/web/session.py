"""Who is logged in: the session cookie and the current user."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError

from civic.platform.settings import Settings
from civic.platform.wiring import current_bootstrap
from civic.services.identity import accounts
from civic.services.identity.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
_USER_ID = "uid"


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask, settings: Settings) -> None:
    """Configure the session cookie of ``app``."""
    app.config.update(
        SESSION_COOKIE_NAME="civic_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=settings.session_lifetime),
    )
    app.session_interface = _SessionInterface()
    app.register_error_handler(CSRFError, _csrf_refused)
    app.context_processor(lambda: {"current_user": current_user()})
    app.after_request(_no_framing)


@dataclass(frozen=True, slots=True)
class WebUser:
    """The logged-in person, as read at the start of the request."""

    id: uuid.UUID
    email: str
    display_name: str
    role: Role

    @classmethod
    def of(cls, user: User) -> WebUser:
        """A snapshot of ``user`` (usable after its unit of work ends)."""
        return cls(id=user.id, email=user.email, display_name=user.display_name, role=user.role)


def log_in(user: WebUser) -> None:
    """Start a new session for ``user`` (a fresh cookie, so no fixation)."""
    session.clear()
    session[_USER_ID] = str(user.id)
    session.permanent = True
    g.civic_user = user


def log_out() -> None:
    """End the session."""
    session.clear()
    g.civic_user = None


def current_user() -> WebUser | None:
    """The logged-in, active user of this request, or None."""
    if "civic_user" in g:
        return g.civic_user  # type: ignore[no-any-return]
    user = None
    raw = session.get(_USER_ID)
    if isinstance(raw, str):
        try:
            user_id = uuid.UUID(raw)
        except ValueError:
            user_id = None
        if user_id is not None:
            with current_bootstrap().unit_of_work() as uow:
                found = accounts.active_user(uow, user_id)
                user = WebUser.of(found) if found else None
            if user is None:
                session.clear()  # disabled or deleted since: the session ends
    g.civic_user = user
    return user


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, then back here."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (no open redirect), else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def _no_framing(response: Response) -> Response:
    # A framed consent or login page could be clicked through by a hostile site.
    if response.mimetype == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def check_csrf() -> None:
    """Refuse a form without this session's CSRF token (raises ``CSRFError``, a 400)."""
    current_app.extensions["csrf"].protect()


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    page = render_template(
        "web/error.html",
        title="Form refused",
        message="The form expired or was not sent from this site; reload the page and retry.",
    )
    return page, 400
