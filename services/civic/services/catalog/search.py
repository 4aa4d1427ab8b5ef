"""Searching the mirror: PostgreSQL full text in French and English, filters, facets, pages.

Served from the gateway's own database, so it is fast and keeps working while CKAN
is down. A query is parsed with ``websearch_to_tsquery`` (quotes, ``or``, ``-``) in
French, English and without stemming, and a dataset matches any of the three.
Filters combine as AND across fields and OR within one field; facets are counted
over the whole filtered result, not the page.

The API's searches can be cached (:class:`SearchCache`): an answer is kept with the
catalog's version it was computed at, and served again only while that version is
current. The version changes at the commit of any write to the catalog (a trigger,
see :class:`~civic.services.catalog.models.CatalogVersion`), so a cached answer is
never older than what the reader could see without the cache.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import joinedload, selectinload

from civic.services.catalog.documents import document_from_row, document_select
from civic.services.catalog.models import CatalogVersion, Dataset, Organization, OrganizationLevel
from civic.services.uow import UnitOfWork

Sort = Literal["relevance", "title", "-title", "modified", "-modified", "created", "-created"]
FACETS = ("organization", "level", "tags", "formats", "license", "themes")
MAX_PAGE_SIZE = 1000
FACET_LIMIT = 50


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A catalog search: text, filters by facet, sort and page."""

    q: str = ""
    organization: Sequence[str] = ()
    level: Sequence[str] = ()
    tags: Sequence[str] = ()
    formats: Sequence[str] = ()
    license: Sequence[str] = ()
    themes: Sequence[str] = ()
    sort: Sort = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of datasets, the total over all pages, and the facets."""

    datasets: list[Dataset]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchDocuments:
    """One page of dataset documents (as the API shows them), the total and the facets."""

    documents: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def search_datasets(uow: UnitOfWork, query: SearchQuery, *, facets: bool = True) -> SearchResults:
    """Live datasets matching ``query``, with facet counts when ``facets`` is true."""
    page_size, page = _page(query)
    shape = _Shape.of(query)
    matched = shape.matched()
    params = _params(query)
    session = uow.session
    # The total rides along with the page (a window over all matches): one query less.
    ordered = sa.select(matched.c.id, sa.func.count().over().label("total")).order_by(
        *_order(matched, query.sort, shape.text)
    )
    rows = session.execute(ordered.offset((page - 1) * page_size).limit(page_size), params).all()
    ids = [row[0] for row in rows]
    total = int(rows[0][1]) if rows else 0
    if not rows and page > 1:
        total = int(session.scalar(shape.count(), params) or 0)
    datasets: list[Dataset] = []
    if ids:
        loaded = {
            dataset.id: dataset
            for dataset in session.scalars(
                sa.select(Dataset)
                .where(Dataset.id.in_(ids))
                .options(selectinload(Dataset.resources), joinedload(Dataset.organization))
            )
        }
        datasets = [loaded[dataset_id] for dataset_id in ids if dataset_id in loaded]
    counted = _facets(uow, shape, params) if facets and total else {name: [] for name in FACETS}
    return SearchResults(datasets, total, page, page_size, counted)


class SearchCache:
    """Search answers of one process, each kept with the catalog version it was computed at.

    At most ``size`` answers holding at most ``DOCUMENTS_PER_ANSWER * size`` documents
    in all (a few pages of 1,000 must not crowd out hundreds of pages of 20, nor the
    worker's memory); the least recently used go first, and an answer larger than the
    whole budget is not kept. Safe to share between threads. The answers are shared:
    callers must not change them.
    """

    DOCUMENTS_PER_ANSWER = 20

    def __init__(self, size: int) -> None:
        self.size = size
        self.budget = self.DOCUMENTS_PER_ANSWER * size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[uuid.UUID, SearchDocuments]] = OrderedDict()
        self._documents = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: uuid.UUID) -> SearchDocuments | None:
        """The answer cached for ``key`` at ``version``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: uuid.UUID, answer: SearchDocuments) -> None:
        """Keep ``answer`` for ``key`` at ``version`` (replacing an older one)."""
        weight = _weight(answer)
        with self._lock:
            self._drop(key)
            if weight > self.budget:
                return
            self._entries[key] = (version, answer)
            self._documents += weight
            while len(self._entries) > self.size or self._documents > self.budget:
                self._drop(next(iter(self._entries)))

    @property
    def documents(self) -> int:
        """How many documents the kept answers hold."""
        return self._documents

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._documents -= _weight(entry[1])

    def __len__(self) -> int:
        return len(self._entries)


def _weight(answer: SearchDocuments) -> int:
    return max(1, len(answer.documents))


def search_documents(
    uow: UnitOfWork, query: SearchQuery, *, cache: SearchCache | None = None
) -> SearchDocuments:
    """Like :func:`search_datasets` with facets, as documents, in one statement.

    The API's search: the page's documents (see
    :func:`~civic.services.catalog.documents.document_select`), the total (a window
    over all matches) and the facets (a JSON column of the first row only, computed
    once) come back in one round trip. A page past the end costs two more statements.
    The statement is built once per shape of query (which filters, text or not, sort)
    with every value a bound parameter, so a search builds no SQL expression at all.

    With ``cache``, the catalog's version is read first (one short statement), and an
    answer computed at that version is served from the cache without the search.
    """
    if cache is None or cache.size <= 0:
        return _search_documents(uow, query)
    version = uow.session.connection().scalar(_VERSION)
    if version is None:  # no version row (an emptied database): nothing can be trusted
        return _search_documents(uow, query)
    key = _cache_key(query)
    answer = cache.get(key, version)
    if answer is None:
        # Computed after the version was read, so it is at least as recent as that version.
        answer = _search_documents(uow, query)
        cache.put(key, version, answer)
    return answer


_VERSION = sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)


def _cache_key(query: SearchQuery) -> Hashable:
    page_size, page = _page(query)
    shape = _Shape.of(query)
    params = _params(query)
    return (shape, page, page_size, *(tuple(params[name]) for name in _FILTERS), params["q"])


def _search_documents(uow: UnitOfWork, query: SearchQuery) -> SearchDocuments:
    page_size, page = _page(query)
    shape = _Shape.of(query)
    params = _params(query)
    params |= {"offset": (page - 1) * page_size, "limit": page_size}
    params["first"] = params["offset"] + 1  # the ordinal of the page's first row
    connection = uow.session.connection()
    rows = connection.execute(shape.documents(), params).mappings().all()
    if rows:
        total = int(rows[0]["total"])
        counted = _facets_from_json(rows[0]["facets"])
    else:
        total = int(connection.scalar(shape.count(), params) or 0) if page > 1 else 0
        counted = _facets(uow, shape, params) if total else {name: [] for name in FACETS}
    documents = [document_from_row(row) for row in rows]
    return SearchDocuments(documents, total, page, page_size, counted)


def _page(query: SearchQuery) -> tuple[int, int]:
    return max(1, min(query.page_size, MAX_PAGE_SIZE)), max(1, query.page)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a query's SQL depends on, besides the values of its bound parameters."""

    text: bool
    filters: tuple[str, ...]  # the fields of SearchQuery that filter, in a fixed order
    sort: Sort

    @classmethod
    def of(cls, query: SearchQuery) -> _Shape:
        filters = tuple(name for name in _FILTERS if getattr(query, name))
        return cls(bool(query.q.strip()), filters, query.sort)

    def matched(self) -> sa.CTE:
        # The rank is worth its cost (the bulk of a broad text search's) only to sort by.
        return _matched(self.text, self.filters, ranked=self.text and self.sort == "relevance")

    def count(self) -> sa.Select[Any]:
        return _count(self.text, self.filters)

    def documents(self) -> sa.Select[Any]:
        return _documents(self)


_FILTERS = ("organization", "level", "tags", "themes", "formats", "license")


def _params(query: SearchQuery) -> dict[str, Any]:
    """The bound values of ``query``'s statement (see :func:`_conditions`)."""
    return {
        "q": query.q.strip(),
        "organization": list(query.organization),
        "level": [
            OrganizationLevel(v) for v in query.level if v in OrganizationLevel._value2member_map_
        ],
        "tags": list(query.tags),
        "themes": [value.upper() for value in query.themes],
        "formats": [value.upper() for value in query.formats],
        "license": list(query.license),
    }


@functools.lru_cache(maxsize=256)
def _matched(text: bool, filters: tuple[str, ...], *, ranked: bool) -> sa.CTE:
    tsquery = _tsquery() if text else None
    return (
        sa.select(
            Dataset.id,
            Dataset.title,
            Dataset.modified,
            Dataset.created,
            Dataset.tags,
            Dataset.themes,
            Dataset.formats,
            Dataset.license,
            Organization.name.label("organization"),
            Organization.level.label("level"),
            (
                sa.func.ts_rank_cd(Dataset.search_vector, tsquery)
                if tsquery is not None and ranked
                else sa.literal(0.0)
            ).label("rank"),
        )
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(*_conditions(tsquery, filters))
        .cte("matched")
    )


@functools.lru_cache(maxsize=256)
def _count(text: bool, filters: tuple[str, ...]) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(_matched(text, filters, ranked=False))


@functools.lru_cache(maxsize=512)
def _documents(shape: _Shape) -> sa.Select[Any]:
    matched = shape.matched()
    order = _order(matched, shape.sort, shape.text)
    paged = (
        sa.select(
            matched.c.id,
            sa.func.count().over().label("total"),
            sa.func.row_number().over(order_by=order).label("ordinal"),
        )
        .order_by(*order)
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .subquery("paged")
    )
    first = sa.bindparam("first", type_=sa.BigInteger)
    return (
        document_select()
        .add_columns(
            paged.c.total,
            sa.case((paged.c.ordinal == first, _facets_json(matched))).label("facets"),
        )
        .join(paged, paged.c.id == Dataset.id)
        .order_by(paged.c.ordinal)
    )


def _tsquery() -> sa.ColumnElement[object]:
    # The civic_* configurations drop accents (unaccent, then stemming): with the
    # vector's unaccented lexemes, "ecoles", "Ecoles" and "écoles" find the same datasets.
    text = sa.bindparam("q", type_=sa.Text)
    query: sa.ColumnElement[object] = sa.func.websearch_to_tsquery(
        sa.literal_column("'french'::regconfig"), text
    )
    for configuration in ("english", "simple", "civic_french", "civic_simple"):
        query = query.op("||")(
            sa.func.websearch_to_tsquery(sa.literal_column(f"'{configuration}'::regconfig"), text)
        )
    return query


def _conditions(
    tsquery: sa.ColumnElement[object] | None, filters: tuple[str, ...]
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [Dataset.deleted_at.is_(None)]
    if tsquery is not None:
        conditions.append(Dataset.search_vector.op("@@")(tsquery))
    for name, column in (
        ("organization", Organization.name),
        ("level", Organization.level),
        ("license", Dataset.license),
    ):
        if name in filters:
            conditions.append(column.in_(sa.bindparam(name, expanding=True)))
    for name, array in (
        ("tags", Dataset.tags),
        ("themes", Dataset.themes),
        ("formats", Dataset.formats),
    ):
        if name in filters:
            conditions.append(array.overlap(sa.bindparam(name, type_=array.type)))
    return conditions


def _order(
    matched: sa.CTE, sort: Sort, has_text: bool
) -> list[sa.UnaryExpression[object] | sa.ColumnElement[object]]:
    c = matched.c
    by: dict[str, list[sa.UnaryExpression[object] | sa.ColumnElement[object]]] = {
        "title": [sa.func.lower(c.title).asc()],
        "-title": [sa.func.lower(c.title).desc()],
        "modified": [c.modified.asc()],
        "-modified": [c.modified.desc()],
        "created": [c.created.asc()],
        "-created": [c.created.desc()],
        "relevance": [c.rank.desc(), c.modified.desc()] if has_text else [c.modified.desc()],
    }
    # The id last: a stable order, so pages neither repeat nor skip a dataset.
    return [*by[sort], c.id.asc()]


def _facet_counts(matched: sa.CTE) -> sa.Subquery:
    """Each facet's values over ``matched`` with their counts, at most FACET_LIMIT each."""
    c = matched.c
    parts = []
    for name, value in (
        ("organization", c.organization),
        ("level", sa.cast(c.level, sa.Text)),
        ("license", c.license),
    ):
        parts.append(
            sa.select(
                sa.literal(name).label("facet"), value.label("value"), sa.func.count().label("n")
            )
            .select_from(matched)
            .where(value.is_not(None))
            .group_by(value)
        )
    for name, column in (("tags", c.tags), ("formats", c.formats), ("themes", c.themes)):
        item = sa.func.unnest(column).table_valued("value").render_derived()
        parts.append(
            sa.select(sa.literal(name).label("facet"), item.c.value, sa.func.count().label("n"))
            .select_from(matched)
            .join(item, sa.true())
            .group_by(item.c.value)
        )
    union = sa.union_all(*parts).subquery("counts")
    ranked = sa.select(
        union.c.facet,
        union.c.value,
        union.c.n,
        sa.func.row_number()
        .over(partition_by=union.c.facet, order_by=(union.c.n.desc(), union.c.value.asc()))
        .label("position"),
    ).subquery("ranked")
    return (
        sa.select(ranked.c.facet, ranked.c.value, ranked.c.n, ranked.c.position)
        .where(ranked.c.position <= FACET_LIMIT)
        .subquery("facet_counts")
    )


def _facets(
    uow: UnitOfWork, shape: _Shape, params: dict[str, Any]
) -> dict[str, list[tuple[str, int]]]:
    counts = _facet_counts(shape.matched())
    rows = uow.session.execute(
        sa.select(counts.c.facet, counts.c.value, counts.c.n).order_by(
            counts.c.facet, counts.c.position
        ),
        params,
    )
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet, value, count in rows:
        facets[str(facet)].append((str(value), int(count)))
    return facets


def _facets_json(matched: sa.CTE) -> sa.ScalarSelect[Any]:
    """The rows of :func:`_facet_counts` as one JSON array of ``[facet, value, count]``."""
    counts = _facet_counts(matched)
    return sa.select(
        sa.func.json_agg(
            aggregate_order_by(
                sa.func.json_build_array(counts.c.facet, counts.c.value, counts.c.n),
                counts.c.facet,
                counts.c.position,
            )
        )
    ).scalar_subquery()


def _facets_from_json(rows: list[list[Any]] | None) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet, value, count in rows or ():
        facets[str(facet)].append((str(value), int(count)))
    return facets
