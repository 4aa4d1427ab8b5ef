"""Facet counts: each facet's values over a search's matches, most frequent first.

:func:`ranked_counts` is the one ranking (count, then value, per facet) that both
the API's search and CKAN's ``package_search`` use; :func:`facet_counts` counts the
API's six facets over its matches, and :func:`facets` / :func:`facets_json` read
them in a statement of their own or as one JSON column of the search's first row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from civic.services.catalog.search.query import FACET_LIMIT, FACETS, Facets, empty_facets
from civic.services.uow import UnitOfWork


def ranked_counts(parts: Sequence[sa.Select[Any]], *, limit: int | None) -> sa.Subquery:
    """The union of ``parts`` (rows of ``facet``, ``value``, ``n``), each row with its
    ``position`` within its facet (by count, then value); at most ``limit`` a facet."""
    union = sa.union_all(*parts).subquery("counts")
    ranked = sa.select(
        union.c.facet,
        union.c.value,
        union.c.n,
        sa.func.row_number()
        .over(partition_by=union.c.facet, order_by=(union.c.n.desc(), union.c.value.asc()))
        .label("position"),
    ).subquery("ranked")
    statement = sa.select(ranked.c.facet, ranked.c.value, ranked.c.n, ranked.c.position)
    if limit is not None:
        statement = statement.where(ranked.c.position <= limit)
    return statement.subquery("facet_counts")


def facet_counts(matched: sa.CTE) -> sa.Subquery:
    """Each of the six facets' values over ``matched``, at most FACET_LIMIT each."""
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
    return ranked_counts(parts, limit=FACET_LIMIT)


def collect(rows: Iterable[Sequence[Any]], names: Sequence[str] = FACETS) -> Facets:
    """Rows of ``(facet, value, count)``, in order, as each facet's list of pairs."""
    found = empty_facets(names)
    for facet, value, count in rows:
        found[str(facet)].append((str(value), int(count)))
    return found


def facets(uow: UnitOfWork, matched: sa.CTE, params: dict[str, Any]) -> Facets:
    """The six facets over ``matched``, in a statement of their own."""
    counts = facet_counts(matched)
    rows = uow.session.execute(
        sa.select(counts.c.facet, counts.c.value, counts.c.n).order_by(
            counts.c.facet, counts.c.position
        ),
        params,
    )
    return collect(rows)


def facets_json(matched: sa.CTE) -> sa.ScalarSelect[Any]:
    """The rows of :func:`facet_counts` as one JSON array of ``[facet, value, count]``."""
    counts = facet_counts(matched)
    return sa.select(
        sa.func.json_agg(
            aggregate_order_by(
                sa.func.json_build_array(counts.c.facet, counts.c.value, counts.c.n),
                counts.c.facet,
                counts.c.position,
            )
        )
    ).scalar_subquery()


def facets_from_json(rows: list[list[Any]] | None) -> Facets:
    """The facets of :func:`facets_json`'s array."""
    return collect(rows or ())
