"""The gateway's application factory (gunicorn runs ``civic.platform.app:create_app()``)."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app, request
from flask_openapi3.models.info import Info
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from civic.platform import (
    abuse,
    admin,
    api,
    dcat,
    docs,
    health,
    heap,
    observability,
    pages,
    problems,
    quotas,
    request_guards,
    site,
    tracking,
    web,
    wiring,
)
from civic.platform.ckan_action import views as ckan_action_views
from civic.platform.docs import DocumentedApp
from civic.platform.environment import warn_unknown_variables
from civic.platform.logs import configure_logging
from civic.platform.oauth import protection, server, views
from civic.platform.settings import Settings, SettingsError, load_settings
from civic.platform.urls import require_public_url
from civic.platform.web import analytics as usage_pages
from civic.platform.web import evaluation as evaluation_pages
from civic.platform.web import reuses as reuse_pages
from civic.services.bootstrap import Bootstrap

# Signs development and test sessions when CIVIC_SECRET_KEY is unset: known to all,
# hence refused in production (see _secret_key).
INSECURE_DEVELOPMENT_KEY = "civic-insecure-development-key"
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An OAuth 2.0 access token from `/oauth/token` (see "
        "`/.well-known/oauth-authorization-server`). Scopes: datasets:write, reuses:write, "
        "usage:read, reports:read, reports:register, admin.",
    }
}
log = logging.getLogger("civic.app")

API_INFO = Info(
    title="Civic Platform API",
    version="1.0.0",
    description=(
        "Publish and find public datasets, register applications, declare reuses. "
        "Errors are RFC 9457 `application/problem+json`; every response has an "
        "`X-Request-ID`."
    ),
)


def create_app(
    config: Mapping[str, Any] | None = None, *, bootstrap: Bootstrap | None = None
) -> DocumentedApp:
    """Build the gateway.

    ``config`` overrides the settings files and environment (see
    :mod:`civic.platform.settings`); ``bootstrap`` replaces the connections built from
    the settings (unit tests pass fakes). Nothing connects here: the database, Redis
    and CKAN are reached on first use.

    Raises :class:`civic.platform.settings.SettingsError` for a missing or invalid setting
    (among them ``secret_key`` and ``public_url``, required in production).
    """
    settings = load_settings(config)
    configure_logging(settings.log_level)
    warn_unknown_variables()  # a mistyped CIVIC_* variable is said, not ignored

    app = DocumentedApp(
        __name__,
        info=API_INFO,
        # The docs page and document are served by civic.platform.docs, at our paths.
        doc_ui=False,
        validation_error_status=422,
        validation_error_model=problems.Problem,
        validation_error_callback=problems.validation_problem,
        security_schemes=SECURITY_SCHEMES,
    )
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_content_length, SECRET_KEY=_secret_key(settings)
    )
    require_public_url(settings)
    # Keep documented field order (status before details) in JSON answers.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    bootstrap = bootstrap or wiring.build_bootstrap(settings)
    wiring.init_app(app, settings, bootstrap)
    observability.init_app(app)
    app.before_request(_refuse_oversize_body)
    request_guards.init_app(app)  # NUL characters, invalid UTF-8, bad or too deep JSON
    problems.init_app(app)
    abuse.init_app(app, settings)  # per-address limits, before any token is looked up
    # Before the limiter, whose key is the token's app.
    protection.init_app(app, settings.read_cache_bytes)
    limiter = quotas.init_app(app, settings)
    tracking.init_app(app, settings, bootstrap)  # after the token check: events name the app
    heap.init_app(app, settings.heap_trim_every)  # freed memory back to the system
    server.init_app(app, settings)
    app.register_blueprint(views.blueprint())
    web.init_app(app, settings, limiter)
    reuse_pages.init_app(app)
    usage_pages.init_app(app)
    evaluation_pages.init_app(app)
    pages.init_app(app)
    admin.init_app(app, settings)  # the admin console (/admin)
    site.init_app(app, settings)  # the layout, home page, error pages for people

    app.register_api(health.blueprint())
    api.register(app)
    app.register_api(dcat.blueprint())
    ckan_action_views.init_app(app)  # CKAN's Action API, after tracking: errors in CKAN's shape
    docs.init_app(app)
    _ensure_sync_once(app)
    if settings.trusted_proxies:
        # remote_addr (per-address limits, hashed usage addresses), scheme and host from
        # the X-Forwarded-* headers set by that many proxies (see Settings.trusted_proxies).
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app


def _ensure_sync_once(app: DocumentedApp) -> None:
    """Flask asks ``ensure_sync`` about each hook and the view on every request (about 20
    times), each time inspecting the function's code flags: decided once here for every
    function registered by now, the same answers. Others (registered later, made per
    call) are asked as before, so nothing is kept for them."""
    plain = app.ensure_sync
    known: dict[Callable[..., Any], Callable[..., Any]] = {}
    registries: list[Iterable[Callable[..., Any]]] = [
        app.view_functions.values(),
        app.teardown_appcontext_funcs,
    ]
    for table in (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.url_value_preprocessors,
        app.url_default_functions,
        app.template_context_processors,
    ):
        registries.extend(table.values())
    for handlers in app.error_handler_spec.values():
        for by_class in handlers.values():
            registries.append(by_class.values())
    for functions in registries:
        for function in functions:
            with contextlib.suppress(TypeError):  # an unhashable callable: asked each time
                known[function] = plain(function)

    def ensure_sync(function: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return known[function]
        except (KeyError, TypeError):
            return plain(function)

    app.ensure_sync = ensure_sync  # type: ignore[method-assign, assignment]


def _secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.env == "production":
        raise SettingsError("secret_key: required in production (set CIVIC_SECRET_KEY)")
    log.warning("CIVIC_SECRET_KEY is unset: sessions are signed with the development key")
    return INSECURE_DEVELOPMENT_KEY


def _refuse_oversize_body() -> None:
    # Werkzeug raises 413 only when a view reads a body whose declared length is too
    # large, and silently cuts a chunked one at the limit. Checking here answers
    # every route the same way, before any work is done.
    limit: int = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return
    if "wsgi.input_terminated" not in request.environ:
        return  # no length and an unterminated stream: Werkzeug reads no body at all
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    # Hand the views the body already read; the stream stays "terminated", so
    # Werkzeug reads it to its end as it would have read the socket's.
    request.environ["wsgi.input"] = io.BytesIO(body)
