"""SQL around the compiled predicates: the combined WHERE clause, ORDER BY
from a Solr ``sort`` and the facet counts.

Facets are counted over every matching document, not just the returned
page, ordered like Solr's ``facet.sort=count`` (count, then value), or by
value when ``facet.limit`` is negative (Solr's ``index`` order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from . import fields as F
from .compiler import Compiled
from .params import FacetSpec, ParamError
from .schema import SCHEMA, TABLE

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def where_sql(clauses: Sequence[Compiled]) -> tuple[str, list[Any]]:
    """AND the compiled ``q`` and ``fq`` predicates together."""
    params: list[Any] = []
    for clause in clauses:
        params.extend(clause.params)
    return " AND ".join(f"({c.sql})" for c in clauses) or "TRUE", params


def _literal(field: str) -> str:
    if not _FIELD_NAME.match(field):
        raise ParamError(f"sort param field can't be found: {field}")
    return "'" + field + "'"


def sort_key(field: str) -> str:
    """The SQL expression (over ``m.doc``) that sorts like Solr on a field."""
    if field == "score":
        return "score"
    literal = _literal(field)
    kind = F.kind(field)
    if kind == F.DATE:
        return f"(doc ->> {literal})::timestamptz"
    if kind == F.INT:
        return f"{SCHEMA}.num(doc ->> {literal})"
    return f'(doc ->> {literal}) COLLATE "C"'


def order_sql(sort: Sequence[tuple[str, bool]]) -> str:
    """ORDER BY items; ties end in index order, as Solr's internal ids."""
    items = [f"{sort_key(field)} {'DESC' if desc else 'ASC'} NULLS LAST" for field, desc in sort]
    items.append("seq ASC")
    return ", ".join(items)


def facet_sql(
    specs: Sequence[FacetSpec], where: str, where_params: Sequence[Any]
) -> tuple[str, list[Any]]:
    """One statement counting every requested facet field.

    Returns rows of (field, value, count) in Solr's order per field.
    """
    params: list[Any] = list(where_params)
    branches = []
    for n, spec in enumerate(specs):
        if spec.limit < 0:
            order = 'v COLLATE "C"'
        else:
            order = 'count(*) DESC, v COLLATE "C"'
        limit = None if spec.limit < 0 else spec.limit
        branches.append(
            f"SELECT * FROM (SELECT {n} AS k, %s::text AS field, v AS value, "
            f"count(*) AS n, row_number() OVER (ORDER BY {order}) AS rk "
            f"FROM m, unnest({SCHEMA}.vals(m.doc, %s)) AS v "
            f"GROUP BY v HAVING count(*) >= %s) AS b{n} "
            f"WHERE %s::int IS NULL OR rk <= %s::int"
        )
        params.extend([spec.field, spec.field, max(spec.mincount, 1), limit, limit])
    union = " UNION ALL ".join(branches)
    sql = (
        f"WITH m AS (SELECT doc FROM {TABLE} WHERE {where}) "
        f"SELECT field, value, n FROM ({union}) AS f ORDER BY k, rk"
    )
    return sql, params
