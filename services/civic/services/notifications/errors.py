"""Errors of notifications."""

from __future__ import annotations

from civic.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied


class NotificationError(DomainError):
    """Base class of notification errors."""


class UnknownWebhook(NotificationError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No webhook has this id (in an organization the caller manages)."""


class WebhookRefused(NotificationError, PermissionDenied):  # noqa: N818 - the HTTP meaning
    """The caller does not manage this organization's webhooks."""


class InvalidWebhook(NotificationError, InvalidInput):  # noqa: N818 - the HTTP meaning
    """The URL is refused (not http(s), or a private, loopback or link-local target)."""
