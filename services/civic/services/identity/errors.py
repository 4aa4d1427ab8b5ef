"""Errors of the identity services."""

from __future__ import annotations

from civic.services.errors import Conflict, DomainError, NotFound


class IdentityError(DomainError):
    """Base class of identity errors."""


class InvalidAccount(IdentityError):  # noqa: N818 - named for what the caller sent
    """An email, name, role or password that the platform refuses (the message says why)."""


class EmailTaken(IdentityError, Conflict):  # noqa: N818 - reads as the HTTP meaning
    """An account with this email exists already."""


class UnknownOrganization(IdentityError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No publishing organization has this name."""


class UnknownUser(IdentityError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No account has this email or id."""


class LoginRefused(IdentityError):  # noqa: N818 - what happened to the attempt
    """Wrong email or password, or a locked or disabled account.

    The message is the same whatever the cause, so that a login form does not tell
    an attacker which emails have accounts.
    """
