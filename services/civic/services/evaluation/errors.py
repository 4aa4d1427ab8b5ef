"""Errors of the evaluation domain."""

from __future__ import annotations

from civic.services.errors import DomainError, InvalidInput


class EvaluationError(DomainError):
    """Base class of the evaluation's errors."""


class InvalidCatalog(EvaluationError):  # noqa: N818 - reads as what it reports
    """The pathway catalog is malformed; the message names the entry and the field."""


class InvalidReportRequest(InvalidInput, EvaluationError):
    """A report was asked for an impossible period or scope (e.g. ``from`` after ``to``)."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__([(pointer, detail)])
        self.detail = detail

    def __str__(self) -> str:
        return self.detail
