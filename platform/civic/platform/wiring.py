"""The app's settings and bootstrap: built once per app, reachable from views and commands."""

from __future__ import annotations

from flask import Flask, current_app

from civic.connectors.mail import SmtpSettings
from civic.platform.settings import Settings
from civic.services.bootstrap import Bootstrap, ConnectionSettings

_EXTENSION = "civic"


def connection_settings(settings: Settings) -> ConnectionSettings:
    """What the services' bootstrap needs to know of the settings (secrets unwrapped)."""
    token = settings.ckan_api_token
    mail_password = settings.mail_password
    return ConnectionSettings(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        ckan_url=settings.ckan_url,
        ckan_api_token=token.get_secret_value() if token is not None else None,
        ckan_timeout=settings.ckan_timeout,
        ckan_retries=settings.ckan_retries,
        database_connect_timeout=settings.database_connect_timeout,
        database_pool_size=settings.database_pool_size,
        redis_timeout=settings.redis_timeout,
        probe_timeout=settings.readiness_timeout,
        user_agent=settings.user_agent,
        mail=SmtpSettings(
            host=settings.mail_host,
            port=settings.mail_port,
            sender=settings.mail_sender,
            tls=settings.mail_tls,
            username=settings.mail_username,
            password=mail_password.get_secret_value() if mail_password is not None else None,
            timeout=settings.mail_timeout,
            user_agent=settings.user_agent,
        ),
    )


def build_bootstrap(settings: Settings) -> Bootstrap:
    """A bootstrap whose connections are built from ``settings`` when first used."""
    return Bootstrap(connection_settings(settings))


def init_app(app: Flask, settings: Settings, bootstrap: Bootstrap) -> None:
    """Attach ``settings`` and ``bootstrap`` to ``app``."""
    app.extensions[_EXTENSION] = _Wiring(settings, bootstrap)


def current_settings() -> Settings:
    """The settings of the current app. Raises RuntimeError outside an app context."""
    return _current().settings


def current_bootstrap() -> Bootstrap:
    """The bootstrap of the current app. Raises RuntimeError outside an app context."""
    return _current().bootstrap


def bootstrap_of(app: Flask) -> Bootstrap | None:
    """The bootstrap of ``app`` (None for an app not made by ``create_app``)."""
    wiring = app.extensions.get(_EXTENSION)
    return wiring.bootstrap if isinstance(wiring, _Wiring) else None


class _Wiring:
    def __init__(self, settings: Settings, bootstrap: Bootstrap) -> None:
        self.settings = settings
        self.bootstrap = bootstrap


def _current() -> _Wiring:
    wiring = current_app.extensions.get(_EXTENSION)
    if not isinstance(wiring, _Wiring):
        raise RuntimeError("this app was not made by civic.platform.app.create_app")
    return wiring
