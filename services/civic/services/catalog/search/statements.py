"""The SQL of a catalog search: matches, order, count and the page's documents.

A query is parsed with ``websearch_to_tsquery`` (quotes, ``or``, ``-``) in French,
English and without stemming, and a dataset matches any of them. Filters combine as
AND across fields and OR within one field. A statement is built once per
:class:`Shape` of query (which filters, text or not, sort) with every value a bound
parameter (:func:`params`), so a search builds no SQL expression at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from civic.services.catalog.documents import document_select
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel
from civic.services.catalog.search.facets import facets_json
from civic.services.catalog.search.query import SearchQuery, Sort

# The fields of SearchQuery that filter, in the fixed order of a Shape.
FILTERS = ("organization", "level", "tags", "themes", "formats", "license")


@dataclass(frozen=True, slots=True)
class Shape:
    """What a query's SQL depends on, besides the values of its bound parameters."""

    text: bool
    filters: tuple[str, ...]  # the fields of SearchQuery that filter, in FILTERS' order
    sort: Sort

    @classmethod
    def of(cls, query: SearchQuery) -> Shape:
        """The shape of ``query``."""
        filters = tuple(name for name in FILTERS if getattr(query, name))
        return cls(bool(query.q.strip()), filters, query.sort)

    def matched(self) -> sa.CTE:
        """The live datasets matching, with the columns to sort and count facets by."""
        # The rank is worth its cost (the bulk of a broad text search's) only to sort by.
        return _matched(self.text, self.filters, ranked=self.text and self.sort == "relevance")

    def count(self) -> sa.Select[Any]:
        """How many datasets match."""
        return _count(self.text, self.filters)

    def documents(self) -> sa.Select[Any]:
        """The page's documents, each row with the total and the first with the facets
        (bound parameters ``offset``, ``limit`` and ``first``, the first row's ordinal)."""
        return _documents(self)


def params(query: SearchQuery) -> dict[str, Any]:
    """The bound values of ``query``'s statements (see :func:`_conditions`)."""
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


def order(
    matched: sa.CTE, sort: Sort, has_text: bool
) -> list[sa.UnaryExpression[object] | sa.ColumnElement[object]]:
    """The order of ``sort`` over ``matched``, the id last."""
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
def _documents(shape: Shape) -> sa.Select[Any]:
    matched = shape.matched()
    ordered = order(matched, shape.sort, shape.text)
    paged = (
        sa.select(
            matched.c.id,
            sa.func.count().over().label("total"),
            sa.func.row_number().over(order_by=ordered).label("ordinal"),
        )
        .order_by(*ordered)
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .subquery("paged")
    )
    first = sa.bindparam("first", type_=sa.BigInteger)
    return (
        document_select()
        .add_columns(
            paged.c.total,
            sa.case((paged.c.ordinal == first, facets_json(matched))).label("facets"),
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
