"""Who is logged in: server-side sessions, the cookie, and the current user.

The ``civic_session`` cookie holds only a random id. A logged-in browser's id
(``s.`` and 256 random bits) names a row of ``web_sessions`` in PostgreSQL, which
holds its SHA-256 (see :mod:`civic.services.identity.sessions`): logout, a password
change and an account's disabling delete rows, so a copied cookie opens nothing
afterwards, in every worker at once; the signing key alone forges nothing. The row
also bounds the session: an absolute expiry set at login (``[session] lifetime``,
never extended) and an idle one (``[session] idle_timeout``).

An anonymous browser's id (``a.`` and random bits) is never stored: it only keys the
CSRF token of the login form (login CSRF), and is replaced at login by a new id
(no session fixation).

Reading the current user is one indexed read, done the first time a request asks
(:func:`current_user`; every page's layout does); static files and API calls read
nothing. ``last_seen_at`` is written at most once a minute per session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError

from civic.platform.settings import Settings
from civic.platform.web import headers
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.clock import utcnow
from civic.services.identity import sessions
from civic.services.identity.models import Role, User
from civic.services.uow import UnitOfWork

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "civic_session"
ANONYMOUS_PREFIX = "a."
# The key Flask-WTF keeps its raw CSRF token under; here derived from the cookie's id.
CSRF_KEY = "csrf_token"


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


class BrowserSession(dict[str, Any], SessionMixin):
    """``flask.session``: what a browser's cookie opens.

    Holds the CSRF token (derived from the cookie's id: nothing to store) and, for a
    logged-in browser, the row's ``data`` (flashed messages), read with the account
    on first use. Anything else set on an anonymous session is not kept.
    """

    def __init__(self, sent: str | None, secret: str) -> None:
        super().__init__()
        self.sent = sent  # the cookie's value as the browser sent it
        self.token: str | None = sent
        self.secret = secret
        self.new = sent is None
        self.modified = False
        self.accessed = False
        self.looked_up = False
        self.user: WebUser | None = None
        self.record: sessions.ActiveSession | None = None
        self.expires_at: dt.datetime | None = None

    @property
    def permanent(self) -> bool:
        # A logged-in session lasts until its absolute expiry; read without a lookup.
        return self.logged_in_token is not None

    @permanent.setter
    def permanent(self, value: bool) -> None:
        pass  # decided by the session's kind, not by the views

    # Identity ---------------------------------------------------------------------

    @property
    def logged_in_token(self) -> str | None:
        """The cookie's id if it has the shape of a logged-in session's."""
        token = self.token
        return token if token is not None and sessions.is_session_token(token) else None

    def look_up(self) -> WebUser | None:
        """The session's live account (one indexed read, once per request), or None."""
        if self.looked_up:
            return self.user
        self.looked_up = True
        token = self.logged_in_token
        if token is None:
            return None
        idle = current_settings().session_idle_timeout
        record = current_bootstrap().read(
            lambda uow: sessions.find_session(uow, token, idle_seconds=idle)
        )
        if record is None:  # ended, expired or disabled: the browser gets a fresh id
            self._replace(None)
            return None
        self.record, self.expires_at = record, record.expires_at
        self.user = WebUser(record.user_id, record.email, record.display_name, record.role)
        for key, value in record.data.items():
            dict.__setitem__(self, key, value)
        return self.user

    def begin(self, token: str, user: WebUser, expires_at: dt.datetime) -> None:
        """This browser is now logged in with the new id ``token``."""
        self._replace(token)
        self.looked_up, self.user, self.expires_at = True, user, expires_at

    def end(self) -> None:
        """This browser is logged out: no id (the cookie is deleted)."""
        self._replace(None)
        self.looked_up = True

    def _replace(self, token: str | None) -> None:
        dict.clear(self)
        self.token, self.user, self.record, self.expires_at = token, None, None, None
        self.modified = False

    # The dict Flask and Flask-WTF see ---------------------------------------------

    def _ready(self, key: str) -> None:
        self.accessed = True
        if key == CSRF_KEY:
            if self.token is None:  # an anonymous id, made when a form first needs one
                self.token = ANONYMOUS_PREFIX + secrets.token_urlsafe(32)
            if not dict.__contains__(self, CSRF_KEY):
                digest = hmac.new(self.secret.encode(), b"csrf:" + self.token.encode(), "sha256")
                dict.__setitem__(self, CSRF_KEY, digest.hexdigest())
        else:
            self.look_up()

    def __getitem__(self, key: str) -> Any:
        self._ready(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._ready(str(key))
        return dict.__contains__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._ready(key)
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._ready(key)
        if key != CSRF_KEY:
            self.modified = True
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._ready(key)
        self.modified = True
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        self._ready(key)
        self.modified = True
        return dict.pop(self, key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def stored_data(self) -> dict[str, Any]:
        """What the row keeps: everything but the derived CSRF token."""
        return {key: value for key, value in dict.items(self) if key != CSRF_KEY}


class _SessionInterface(SessionInterface):
    """Opens :class:`BrowserSession` from the cookie and writes the cookie back."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> BrowserSession:
        if "HTTP_COOKIE" not in request.environ:  # API clients: no cookies to parse
            return BrowserSession(None, str(app.secret_key))
        sent = request.cookies.get(self.get_cookie_name(app))
        if sent is not None and not (
            sent.startswith(ANONYMOUS_PREFIX) or sessions.is_session_token(sent)
        ):
            sent = None  # not one of ours (an old signed cookie): a new anonymous id
        return BrowserSession(sent, str(app.secret_key))

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, BrowserSession):
            return
        if not session.accessed and session.token == session.sent and session.record is None:
            return  # untouched, same id, no row: no header, cookie or write (API calls)
        if session.accessed:
            response.vary.add("Cookie")
        name, path = self.get_cookie_name(app), self.get_cookie_path(app)
        token = session.token
        if token != session.sent:
            keep = token is not None and (session.logged_in_token or session.accessed)
            if keep:
                response.set_cookie(
                    name,
                    token,  # type: ignore[arg-type]  # not None when keep
                    expires=session.expires_at,
                    path=path,
                    domain=self.get_cookie_domain(app),
                    secure=self.get_cookie_secure(app),
                    httponly=True,
                    samesite=self.get_cookie_samesite(app),
                )
            elif session.sent is not None:
                response.delete_cookie(
                    name,
                    path=path,
                    domain=self.get_cookie_domain(app),
                    secure=self.get_cookie_secure(app),
                    httponly=True,
                    samesite=self.get_cookie_samesite(app),
                )
        record = session.record
        if record is not None and session.token == session.sent:
            idle = current_settings().session_idle_timeout
            now = utcnow()
            due = now - record.last_seen_at >= sessions.touch_interval(idle)
            if session.modified or due:
                data = session.stored_data() if session.modified else None
                with current_bootstrap().unit_of_work() as uow:
                    sessions.record_use(uow, record.token_hash, data=data, now=now)
                    uow.commit()


def init_app(app: Flask, settings: Settings) -> None:
    """Configure the session cookie of ``app``."""
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=settings.session_lifetime),
    )
    app.session_interface = _SessionInterface()
    app.register_error_handler(CSRFError, _csrf_refused)
    app.context_processor(lambda: {"current_user": current_user()})
    headers.init_app(app, production=settings.env == "production")


def _browser_session() -> BrowserSession | None:
    opened = session._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    return opened if isinstance(opened, BrowserSession) else None


def log_in(uow: UnitOfWork, user: WebUser) -> None:
    """Start a new session for ``user`` in ``uow`` (the caller commits): a new id, so
    no fixation; the session this browser had, if any, ends."""
    opened = _browser_session()
    if opened is None:
        raise RuntimeError("sessions are not installed on this app")
    if (previous := opened.logged_in_token) is not None:
        sessions.end_session(uow, previous)
    token, expires_at = sessions.start_session(
        uow, user.id, lifetime_seconds=current_settings().session_lifetime
    )
    opened.begin(token, user, expires_at)
    g.civic_user = user


def log_out() -> None:
    """End this browser's session (its row is deleted: a copy of the cookie dies too)."""
    opened = _browser_session()
    if opened is not None:
        if (token := opened.logged_in_token) is not None:
            with current_bootstrap().unit_of_work() as uow:
                sessions.end_session(uow, token)
                uow.commit()
        opened.end()
    g.civic_user = None


def current_user() -> WebUser | None:
    """The logged-in, active user of this request, or None."""
    if "civic_user" in g:
        return g.civic_user  # type: ignore[no-any-return]
    opened = _browser_session()
    user = opened.look_up() if opened is not None else None
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


# Control characters (CR/LF would split the Location header: a 500 before; browsers
# drop tabs and newlines from URLs, so "/\t/evil.example" is "//evil.example" to them)
# and backslashes (browsers read "/\evil.example" as "//evil.example").
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (no open redirect, no header injection),
    else ``default``: refused are absolute and protocol-relative URLs, backslashes and
    control characters (CR, LF, tab, NUL...)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if _UNSAFE_IN_NEXT.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


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
