"""Errors of the app services."""

from __future__ import annotations

from civic.services.errors import DomainError, NotFound, PermissionDenied


class AppError(DomainError):
    """Base class of app errors."""


class InvalidAppMetadata(AppError):  # noqa: N818 - RFC 7591's invalid_client_metadata
    """Metadata the platform refuses; ``field`` names the offending one."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidRedirectUri(InvalidAppMetadata):
    """A redirect URI the platform refuses (not https, a fragment, not absolute...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="redirect_uris")


class UnknownApp(AppError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No (undeleted) app has this client id."""


class NotAppOwner(AppError, PermissionDenied):  # noqa: N818 - reads as the HTTP meaning
    """The caller neither owns the app nor administers the platform."""


class InvalidAccessChange(AppError):  # noqa: N818 - named for what the caller asked
    """A suspension or restoration that cannot be made (no reason, already in that state)."""


class AppNotActive(AppError, PermissionDenied):  # noqa: N818 - reads as the HTTP meaning
    """The app is suspended or refused: nothing is done in its name (see ``apps.standing``)."""
