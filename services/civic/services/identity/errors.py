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


class AddressUnverified(LoginRefused):
    """The right password, but the address was never verified (told only to whoever
    knows the password, so it reveals nothing to others)."""


class WeakPassword(InvalidAccount):
    """A password that is too short, too long, common or easy to guess (the message says why)."""


class LinkInvalid(IdentityError):  # noqa: N818 - what the caller holds
    """A mailed link that is unknown, used, superseded or expired (one message for all)."""


class UnknownRoleRequest(IdentityError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No pending role request has this id."""


class RoleRequestRefused(IdentityError, Conflict):  # noqa: N818 - what happened to the request
    """A role request that cannot be made or decided (the message says why)."""
