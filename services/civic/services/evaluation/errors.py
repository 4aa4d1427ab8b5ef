"""Errors of the evaluation domain."""

from __future__ import annotations

from civic.services.errors import DomainError


class EvaluationError(DomainError):
    """Base class of the evaluation's errors."""


class InvalidPathways(EvaluationError):  # noqa: N818 - reads as what it reports
    """the pathway set is malformed; the message names the entry and the field."""
