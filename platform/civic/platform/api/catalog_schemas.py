"""OpenAPI models of the catalog's answers and query strings.

The bodies are the services' (:mod:`civic.services.catalog.inputs`), and so is the
search's query string (:class:`~civic.services.catalog.search.SearchQuery`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, RootModel

from civic.services.catalog.inputs import ContactPoint, Temporal
from civic.services.catalog.search import MAX_PAGE, MAX_PAGE_SIZE


class NamePath(BaseModel):
    name: str = Field(description="the dataset's or organization's name (slug)", max_length=100)


class ResourcePath(BaseModel):
    name: str = Field(max_length=100)
    resource_id: str = Field(description="the resource's id (a UUID)", max_length=36)


class ResourceOut(BaseModel):
    """A resource as answered."""

    id: str
    url: str
    name: str
    format: str
    media_type: str | None
    size: int | None
    checksum: str | None


class ResourceList(RootModel[list[ResourceOut]]):
    """A dataset's resources, in order."""


class DatasetOut(BaseModel):
    """A dataset as answered: the fields written, plus ids, times and CKAN's state."""

    id: str
    name: str
    title: str
    description: str
    organization: str
    license: str | None
    tags: list[str]
    themes: list[str]
    temporal: Temporal | None
    spatial: str | None
    frequency: str | None
    contact_point: ContactPoint | None
    resources: list[ResourceOut]
    created: dt.datetime
    modified: dt.datetime
    sync_status: Literal["pending", "synced", "failed"] = Field(
        description="pending: on its way to CKAN; synced: CKAN has it; failed: CKAN refused it "
        "(see sync_error)"
    )
    sync_error: str | None = Field(description="CKAN's message when failed; the last error else")
    ckan_id: str | None


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


class OrganizationOut(BaseModel):
    """A publishing organization as answered."""

    id: str
    name: str
    title: str
    description: str
    level: Literal["national", "regional", "local"]
    territory: str | None
    website: str | None
    ckan_id: str | None
    created: dt.datetime
    modified: dt.datetime
    dataset_count: int | None = None


class OrganizationList(BaseModel):
    results: list[OrganizationOut]
    total: int
    page: int
    page_size: int
