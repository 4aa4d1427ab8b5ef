"""The app's settings and bootstrap: built once per app, reachable from views and commands."""

from __future__ import annotations

from flask import Flask, current_app

from civic.connectors.mail import SmtpSettings
from civic.platform.settings import Settings
from civic.services.bootstrap import (
    Bootstrap,
    ConnectionSettings,
    UsageSettings,
    WebhookSettings,
)

_EXTENSION = "civic"


def connection_settings(settings: Settings) -> ConnectionSettings:
    """What the services' bootstrap needs to know of the settings (secrets unwrapped):
    each section's fields are read by name (:meth:`Settings.section`), not copied."""
    return settings.section(
        ConnectionSettings,
        probe_timeout=settings.readiness_timeout,
        mail=settings.section(SmtpSettings, "mail_", user_agent=settings.user_agent),
        webhooks=settings.section(WebhookSettings, "webhook_"),
        usage=settings.section(UsageSettings, "usage_"),
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
