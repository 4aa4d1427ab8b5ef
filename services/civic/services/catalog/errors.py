"""Errors of the catalog services (organizations, datasets, resources, search)."""

from __future__ import annotations

from civic.services.errors import Conflict, DomainError, NotFound, PermissionDenied


class CatalogError(DomainError):
    """Base class of catalog errors."""


class UnknownDataset(CatalogError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No live dataset has this name."""


class UnknownResource(CatalogError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """The dataset has no resource with this id."""


class UnknownOrganization(CatalogError, NotFound):  # noqa: N818 - reads as the HTTP meaning
    """No organization has this name."""


class NameTaken(CatalogError, Conflict):  # noqa: N818 - reads as the HTTP meaning
    """A live dataset (or an organization) already has this name."""


class WriteRefused(CatalogError, PermissionDenied):  # noqa: N818 - reads as the HTTP meaning
    """The actor may not write here: not a member of the organization, or not an admin."""
