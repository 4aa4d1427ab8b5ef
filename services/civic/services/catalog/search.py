"""Searching the mirror: PostgreSQL full text in French and English, filters, facets, pages.

Served from the gateway's own database, so it is fast and keeps working while CKAN
is down. A query is parsed with ``websearch_to_tsquery`` (quotes, ``or``, ``-``) in
French, English and without stemming, and a dataset matches any of the three.
Filters combine as AND across fields and OR within one field; facets are counted
over the whole filtered result, not the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from civic.services.catalog.models import Dataset, Organization, OrganizationLevel
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


def search_datasets(uow: UnitOfWork, query: SearchQuery, *, facets: bool = True) -> SearchResults:
    """Live datasets matching ``query``, with facet counts when ``facets`` is true."""
    page_size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    page = max(1, query.page)
    tsquery = _tsquery(query.q)
    conditions = _conditions(query, tsquery)
    matched = (
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
                if tsquery is not None
                else sa.literal(0.0)
            ).label("rank"),
        )
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(*conditions)
        .cte("matched")
    )
    session = uow.session
    # The total rides along with the page (a window over all matches): one query less.
    ordered = sa.select(matched.c.id, sa.func.count().over().label("total")).order_by(
        *_order(matched, query.sort, tsquery is not None)
    )
    rows = session.execute(ordered.offset((page - 1) * page_size).limit(page_size)).all()
    ids = [row[0] for row in rows]
    total = int(rows[0][1]) if rows else 0
    if not rows and page > 1:
        total = int(session.scalar(sa.select(sa.func.count()).select_from(matched)) or 0)
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
    counted = _facets(uow, matched) if facets and total else {name: [] for name in FACETS}
    return SearchResults(datasets, total, page, page_size, counted)


def _tsquery(text: str) -> sa.ColumnElement[object] | None:
    text = text.strip()
    if not text:
        return None
    return (
        sa.func.websearch_to_tsquery(sa.literal_column("'french'::regconfig"), text)
        .op("||")(sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text))
        .op("||")(sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), text))
    )


def _conditions(
    query: SearchQuery, tsquery: sa.ColumnElement[object] | None
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [Dataset.deleted_at.is_(None)]
    if tsquery is not None:
        conditions.append(Dataset.search_vector.op("@@")(tsquery))
    if query.organization:
        conditions.append(Organization.name.in_(list(query.organization)))
    if query.level:
        levels = [
            OrganizationLevel(v) for v in query.level if v in OrganizationLevel._value2member_map_
        ]
        conditions.append(Organization.level.in_(levels))
    for column, values in (
        (Dataset.tags, query.tags),
        (Dataset.themes, [value.upper() for value in query.themes]),
        (Dataset.formats, [value.upper() for value in query.formats]),
    ):
        if values:
            conditions.append(column.overlap(sa.cast(list(values), column.type)))
    if query.license:
        conditions.append(Dataset.license.in_(list(query.license)))
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


def _facets(uow: UnitOfWork, matched: sa.CTE) -> dict[str, list[tuple[str, int]]]:
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
    rows = uow.session.execute(
        sa.select(ranked.c.facet, ranked.c.value, ranked.c.n)
        .where(ranked.c.position <= FACET_LIMIT)
        .order_by(ranked.c.facet, ranked.c.position)
    )
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet, value, count in rows:
        facets[str(facet)].append((str(value), int(count)))
    return facets
