"""The CKAN facade's q/fq translation (luqum's tree into SQL) and its time forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from civic.services.catalog.ckan_documents import ckan_time
from civic.services.catalog.ckan_query import QueryError, parse_time, translate
from civic.services.catalog.ckan_search import _order


def sql(*queries: str) -> tuple[str, list[Any]]:
    compiled = translate(*queries).condition.compile(dialect=postgresql.dialect())
    return str(compiled), list(compiled.params.values())


def test_field_values_become_bound_equalities() -> None:
    text, values = sql("organization:ville-a")
    assert "organizations.name = %(" in text
    assert values == ["ville-a"]
    text, values = sql('tags:"eau potable"')
    assert "datasets.tags @>" in text
    assert values == [["eau potable"]]
    text, values = sql("res_format:csv")
    assert values == [["CSV"]]  # formats are kept in upper case


def test_negation_or_and_groups() -> None:
    text, values = sql("-organization:a", "name:(x OR y) AND tags:t")
    assert "(organizations.name = %(param_1)s) IS NOT true" in text
    assert " OR " in text and " AND " in text
    assert values == ["a", "x", "y", ["t"]]
    text, _ = sql("tags:a tags:b")  # CKAN's Solr schema: q.op=AND
    assert " AND " in text and " OR " not in text


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        ("2026-11-01T10:00:00.123456Z", dt.datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00Z", dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00", dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00.5", dt.datetime(2026, 11, 1, 10, 0, 0, 500000, tzinfo=dt.UTC)),
    ],
)
def test_time_ranges_with_or_without_fraction_and_z(bound: str, expected: dt.datetime) -> None:
    text, values = sql(f"metadata_modified:[{bound} TO *]")
    assert ">=" in text and "<" not in text.replace("<=", "")
    assert [value for value in values if isinstance(value, dt.datetime)] == [expected]


def test_exclusive_and_closed_ranges() -> None:
    text, values = sql("metadata_created:{2026-01-01T00:00:00Z TO 2026-02-01T00:00:00Z]")
    assert " > " in text and " <= " in text
    assert len([value for value in values if isinstance(value, dt.datetime)]) == 2


def test_now_and_date_math() -> None:
    before = dt.datetime.now(dt.UTC)
    assert parse_time("NOW") >= before
    day_ago = parse_time("NOW-1DAY")
    assert dt.timedelta(hours=23) < before - day_ago < dt.timedelta(hours=25)


def test_match_all_and_blank_queries() -> None:
    assert sql("*:*")[1] == []
    assert sql("", "  ")[1] == []
    assert translate("").text == ""


def test_free_words_search_the_full_text_and_are_ranked() -> None:
    translated = translate("horaires bus", "organization:x")
    assert translated.text == "horaires bus"
    text = str(translated.condition.compile(dialect=postgresql.dialect()))
    assert "plainto_tsquery" in text and "@@" in text


@pytest.mark.parametrize(
    "query",
    [
        "a AND (b",
        "nosuchfield:x",
        "name:/regex/",
        "metadata_modified:[yesterday TO *]",
        "notes:[a TO b]",
        "x" * 10_001,
    ],
)
def test_what_cannot_be_answered_is_a_query_error(query: str) -> None:
    with pytest.raises(QueryError):
        translate(query)


def test_sorts() -> None:
    rank = sa.literal(1.0)
    assert len(_order("id asc", None)) == 2  # and the mirror id, for a stable order
    assert len(_order("score desc, metadata_modified desc", None)) == 2  # no words: no score
    assert len(_order("score desc, metadata_modified desc", rank)) == 3
    for bad in ("nope asc", "name sideways", "name asc extra"):
        with pytest.raises(QueryError):
            _order(bad, None)


def test_times_are_written_as_ckan_writes_them() -> None:
    aware = dt.datetime(2026, 11, 1, 11, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert ckan_time(aware) == "2026-11-01T10:00:00.123456"
    assert ckan_time(dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)) == "2026-11-01T10:00:00"
    assert ckan_time(None) is None
