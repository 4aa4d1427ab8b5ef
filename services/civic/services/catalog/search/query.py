"""The catalog's search parameters and answers, defined once.

:class:`SearchQuery` is the query string of ``GET /api/v1/datasets`` (the API validates
it and documents it in OpenAPI), the search of the ``/catalog`` page (read leniently
by :meth:`SearchQuery.from_args`: a value it does not know is dropped, not refused)
and what the services search with. CKAN's ``package_search`` speaks another language
(Lucene's ``q`` and ``fq``): its parameters are
:class:`~civic.services.catalog.ckan_search.CkanSearch`, over the same limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field

from civic.services.catalog.models import Dataset, OrganizationLevel

Sort = Literal["relevance", "title", "-title", "modified", "-modified", "created", "-created"]
SORTS: tuple[str, ...] = get_args(Sort)
# The facets, in the order the pages show them; each is also a filter of SearchQuery.
FACETS = ("organization", "level", "tags", "formats", "license", "themes")
MAX_PAGE_SIZE = 1000  # also CKAN's ckan.search.rows_max, which the facade keeps
MAX_PAGE = 100_000
FACET_LIMIT = 50  # values per facet at most
MAX_TEXT = 500  # characters of the full-text query

if TYPE_CHECKING:
    LevelName = str
else:
    # The OpenAPI document lists the levels inline; the enum is the one definition.
    LevelName = Literal[tuple(level.value for level in OrganizationLevel)]


class SearchQuery(BaseModel):
    """A catalog search: text, filters by facet, sort and page.

    Repeat a filter to accept several values. Immutable.
    """

    model_config = ConfigDict(frozen=True, title="SearchArgs")

    q: str = Field(default="", max_length=MAX_TEXT, description="full text, French or English")
    organization: list[str] = Field(default_factory=list)
    level: list[LevelName] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    license: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    sort: Sort = "relevance"
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)

    @classmethod
    def from_args(
        cls,
        args: QueryArgs,
        *,
        page_size: int,
        sorts: Iterable[str] = SORTS,
        max_page: int = MAX_PAGE,
    ) -> SearchQuery:
        """The search a page's query string asks for, never refused: a text too long is
        cut, a page out of range brought back into it, a sort not in ``sorts`` or a
        level not known dropped."""
        sort = args.get("sort", "relevance")
        try:
            page = max(1, min(int(args.get("page", "1")), max_page))
        except ValueError:
            page = 1
        filters: dict[str, list[str]] = {name: args.getlist(name) for name in FACETS}
        filters["level"] = [value for value in filters["level"] if value in _LEVELS]
        return cls(
            q=args.get("q", "")[:MAX_TEXT],
            page=page,
            page_size=page_size,
            sort=sort if sort in sorts else "relevance",  # type: ignore[arg-type]  # one of SORTS
            **filters,
        )


_LEVELS = frozenset(level.value for level in OrganizationLevel)


class QueryArgs(Protocol):
    """A query string as Flask and Werkzeug hold it (a ``MultiDict``)."""

    def get(self, key: str, default: str = ...) -> str: ...  # pragma: no cover

    def getlist(self, key: str) -> list[str]: ...  # pragma: no cover


Facets = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of datasets, the total over all pages, and the facets."""

    datasets: list[Dataset]
    total: int
    page: int
    page_size: int
    facets: Facets = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchDocuments:
    """One page of dataset documents (as the API shows them), the total and the facets."""

    documents: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    facets: Facets = field(default_factory=dict)


def page_of(query: SearchQuery) -> tuple[int, int]:
    """The query's page size and page, each within its bounds."""
    return max(1, min(query.page_size, MAX_PAGE_SIZE)), max(1, query.page)


def empty_facets(names: Sequence[str] = FACETS) -> Facets:
    """Each facet of ``names`` without values."""
    return {name: [] for name in names}
