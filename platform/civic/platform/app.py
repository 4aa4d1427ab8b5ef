"""The gateway's application factory (gunicorn runs ``civic.platform.app:create_app()``)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from flask_openapi3.models.info import Info
from werkzeug.exceptions import RequestEntityTooLarge

from civic.platform import api, docs, health, observability, problems, wiring
from civic.platform.docs import DocumentedApp
from civic.platform.logs import configure_logging
from civic.platform.settings import load_settings
from civic.services.bootstrap import Bootstrap

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

    Raises :class:`civic.platform.settings.SettingsError` for a missing or invalid setting.
    """
    settings = load_settings(config)
    configure_logging(settings.log_level)

    app = DocumentedApp(
        __name__,
        info=API_INFO,
        # The docs page and document are served by civic.platform.docs, at our paths.
        doc_ui=False,
        validation_error_status=422,
        validation_error_model=problems.Problem,
        validation_error_callback=problems.validation_problem,
    )
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SECRET_KEY=settings.secret_key.get_secret_value() if settings.secret_key else None,
    )
    # Keep documented field order (status before details) in JSON answers.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    wiring.init_app(app, settings, bootstrap or wiring.build_bootstrap(settings))
    observability.init_app(app)
    app.before_request(_refuse_oversize_body)
    problems.init_app(app)

    app.register_api(health.blueprint())
    api.register(app)
    docs.init_app(app)
    return app


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
