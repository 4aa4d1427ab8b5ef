"""The search's SQL is built once per shape, for every sort and filter, without a database."""

from __future__ import annotations

import itertools

from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ClauseElement

from civic.services.catalog.search import SORTS, SearchQuery
from civic.services.catalog.search.engine import cache_key
from civic.services.catalog.search.statements import FILTERS, Shape, params

DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def _sql(statement: ClauseElement) -> str:
    return str(statement.compile(dialect=DIALECT))


def test_every_shape_compiles_with_its_bound_parameters() -> None:
    for sort, text, count in itertools.product(SORTS, (False, True), (0, 1, len(FILTERS))):
        shape = Shape(text, FILTERS[:count], sort)  # type: ignore[arg-type]
        sql = _sql(shape.documents())
        assert "%(offset)s" in sql and "%(limit)s" in sql and "%(first)s" in sql
        assert ("%(q)s" in sql) is text
        assert "ts_rank_cd" in sql if (text and sort == "relevance") else "ts_rank_cd" not in sql
        for name in FILTERS[:count]:  # a bound value, or a list expanded at execution
            assert f"%({name})s" in sql or f"[POSTCOMPILE_{name}]" in sql
        assert shape.documents() is shape.documents()  # built once
        _sql(shape.count())


def test_equal_queries_share_a_cache_key_and_values_are_normalised() -> None:
    one = SearchQuery(q=" eau ", themes=["envi"], formats=["csv"], level=["local"])
    two = SearchQuery(q="eau", themes=["envi"], formats=["csv"], level=["local"])
    assert cache_key(one) == cache_key(two)
    assert cache_key(one) != cache_key(SearchQuery(q="eau", page=2))
    values = params(one)
    assert values["themes"] == ["ENVI"] and values["formats"] == ["CSV"]
    assert Shape.of(one) == Shape(True, ("level", "themes", "formats"), "relevance")
