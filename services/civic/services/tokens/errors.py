"""Errors of the token services."""

from __future__ import annotations

from civic.services.errors import DomainError


class TokenError(DomainError):
    """Base class of token errors."""


class InvalidToken(TokenError):  # noqa: N818 - RFC 6750's invalid_token
    """An access token that is unknown, expired, revoked, or whose app or user lost access.

    The message says which, in words fit for the token's holder.
    """
