"""Roots of the domain exceptions.

Each domain defines its own base class under :class:`DomainError` (e.g.
``class CatalogError(DomainError)``) and subclasses the generic kinds below when the
meaning matches, so that the gateway's one exception table (``civic.platform.problems``)
can answer with the right status without knowing every domain.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error a service raises on purpose.

    ``str(error)`` is shown to API clients as the problem's ``detail``: write it for
    them, and never put secrets or internal addresses in it.
    """


class NotFound(DomainError):  # noqa: N818 - reads as the HTTP meaning it maps to
    """The object asked for does not exist (or is hidden from the caller)."""


class Conflict(DomainError):  # noqa: N818 - reads as the HTTP meaning it maps to
    """The change clashes with the current state (a duplicate name, a stale version)."""


class PermissionDenied(DomainError):  # noqa: N818 - reads as the HTTP meaning it maps to
    """The caller is known but may not do this."""


class InvalidInput(DomainError):  # noqa: N818 - reads as the HTTP meaning it maps to
    """Fields of the request are invalid; ``field_errors`` lists ``(pointer, detail)`` pairs.

    A pointer is a JSON Pointer fragment (``#/resources/0/url``), so the gateway can
    answer the same ``errors`` as for a request that failed its schema.
    """

    def __init__(self, field_errors: list[tuple[str, str]]) -> None:
        self.field_errors = field_errors
        super().__init__(f"{len(field_errors)} invalid field(s)")
