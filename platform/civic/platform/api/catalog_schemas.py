"""OpenAPI models of the catalog's answers and query strings.

The bodies are the services' (:mod:`civic.services.catalog.inputs`), and so is the
search's query string (:class:`~civic.services.catalog.search.SearchQuery`) and the
documents answered (:mod:`civic.services.catalog.documents`), which are re-exported here.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel

from civic.services.catalog.documents import DatasetOut, OrganizationOut, ResourceOut
from civic.services.catalog.search import MAX_PAGE, MAX_PAGE_SIZE

__all__ = [
    "DatasetList",
    "DatasetOut",
    "FacetItem",
    "NamePath",
    "OrganizationList",
    "OrganizationOut",
    "PageArgs",
    "ResourceList",
    "ResourceOut",
    "ResourcePath",
]


class NamePath(BaseModel):
    name: str = Field(description="the dataset's or organization's name (slug)", max_length=100)


class ResourcePath(BaseModel):
    name: str = Field(max_length=100)
    resource_id: str = Field(description="the resource's id (a UUID)", max_length=36)


class ResourceList(RootModel[list[ResourceOut]]):
    """A dataset's resources, in order."""


class FacetItem(BaseModel):
    value: str
    count: int


class DatasetList(BaseModel):
    """One page of a catalog search."""

    results: list[DatasetOut]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[FacetItem]] = Field(
        description="organization, level, tags, formats, license, themes: counts over all pages"
    )


class PageArgs(BaseModel):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class OrganizationList(BaseModel):
    results: list[OrganizationOut]
    total: int
    page: int
    page_size: int
