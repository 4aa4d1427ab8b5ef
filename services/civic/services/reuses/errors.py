"""Errors of the reuse registry."""

from __future__ import annotations

import uuid

from civic.services.errors import Conflict, DomainError, NotFound, PermissionDenied


class ReuseError(DomainError):
    """Base class of reuse errors."""


class UnknownReuse(ReuseError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No reuse has this id (or the caller may not see it: flagged reuses are hidden)."""


class ReuseUrlTaken(ReuseError, Conflict):  # noqa: N818 - reads as the HTTP meaning
    """Another reuse already has this URL, or a variant of it (same canonical URL).

    ``existing_id`` is that reuse's id: every door answers with its location.
    """

    def __init__(self, message: str, *, existing_id: uuid.UUID) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class ReuseRefused(ReuseError, PermissionDenied):  # noqa: N818 - reads as the HTTP meaning
    """The caller may not change this reuse (not its owner, nor an administrator)."""


class InvalidModeration(ReuseError, Conflict):  # noqa: N818 - named for what was asked
    """A moderation without a reason, or to the state the reuse is already in."""
