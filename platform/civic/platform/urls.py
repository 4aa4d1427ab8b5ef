"""Absolute URLs the platform writes, all under the one configured ``public_url``.

A request's ``Host`` (or ``X-Forwarded-Host``) header is chosen by whoever sends it:
built from it, the OAuth issuer, ``registration_client_uri``, ``iss``, Atom links and
DCAT IRIs would name any host an attacker likes, and a cache would keep them for
others. So no absolute URL is built from the request: each comes from
:func:`external_url` (or :func:`public_base_url`), over the ``public_url`` setting,
which production must set (:func:`require_public_url`, called by ``create_app``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from civic.platform.settings import Settings, SettingsError
from civic.platform.wiring import current_settings


def public_base_url(settings: Settings | None = None) -> str:
    """The gateway's public base URL, without a trailing slash (the OAuth issuer)."""
    return (settings or current_settings()).public_url


def external_url(path: str, settings: Settings | None = None) -> str:
    """``path`` (from the site's root, e.g. ``/oauth/token``) as an absolute URL."""
    return public_base_url(settings) + "/" + path.lstrip("/")


def require_public_url(settings: Settings) -> None:
    """Refuse production settings without an https ``public_url`` set on purpose.

    Raises :class:`SettingsError`. Elsewhere the default (`make run`'s address) serves.
    """
    if settings.env != "production":
        return
    if "public_url" not in settings.model_fields_set:
        raise SettingsError(
            "public_url: required in production, the address clients use "
            "(set CIVIC_PUBLIC_URL, e.g. https://data.example.org)"
        )
    if urlsplit(settings.public_url).scheme != "https":
        raise SettingsError("public_url: must be https in production (RFC 8414 issuer)")
