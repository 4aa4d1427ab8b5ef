"""Unit tests of parameter handling and SQL compilation (no database)."""

from __future__ import annotations

import datetime

import pytest

from ckanext.civic.search import fields
from ckanext.civic.search.compiler import Compiler
from ckanext.civic.search.lucene import QuerySyntaxError, parse
from ckanext.civic.search.params import (
    ParamError,
    min_should_match,
    parse_fl,
    parse_query,
    parse_sort,
    split_local_params,
)


def placeholders_match(compiled) -> bool:
    return compiled.sql.count("%s") == len(compiled.params)


@pytest.mark.parametrize(
    "q",
    [
        "*:*",
        "rivers",
        'title:"A B" -tags:x',
        "name:war* OR title:wo?d",
        "metadata_modified:[NOW-1DAY TO *] views_total:[1 TO 5]",
        "+capacity:public +state:(active OR draft) -res_format:*",
        "title_ngram:won notes:after",
        "a || b && c",
        "+a b -c",
        "id:abc name:def",
    ],
)
def test_placeholders_and_params_line_up(q):
    compiled = Compiler().compile(parse(q))
    assert placeholders_match(compiled)


def test_values_are_parameters_not_sql():
    compiled = Compiler().compile(parse('title:"x\') OR TRUE --"'))
    assert "OR TRUE" not in compiled.sql


def test_mm_spec_of_ckan():
    spec = "2<-1 5<80%"
    assert [min_should_match(spec, n) for n in range(1, 8)] == [1, 2, 2, 3, 4, 4, 5]


def test_dismax_applies_mm_to_optional_clauses():
    spec = parse_query("a b c", {"mm": "2<-1 5<80%"}, "dismax")
    assert spec.tree.min_should == 2
    assert spec.query_fields == ["text"]


def test_local_params():
    assert split_local_params("{!bool must=bees}") == ({"type": ["bool"], "must": ["bees"]}, "")
    local, rest = split_local_params("{!lucene q.op=OR}bees butterflies")
    assert local == {"type": ["lucene"], "q.op": ["OR"]}
    assert rest == "bees butterflies"
    local, _ = split_local_params("{!type=bool must='test string'}")
    assert local == {"type": ["bool"], "must": ["test string"]}


def test_lucene_local_params_set_the_operator():
    spec = parse_query("{!lucene q.op=OR}bees butterflies", {"q.op": "AND"}, "lucene")
    assert [o for o, _ in spec.tree.clauses] == ["SHOULD", "SHOULD"]


def test_unknown_parser_is_rejected():
    with pytest.raises(ParamError):
        parse_query("{!knn f=vector topK=10}[1,2]", {}, "lucene")


def test_sort():
    assert parse_sort("score desc, metadata_modified desc") == [
        ("score", True),
        ("metadata_modified", True),
    ]
    with pytest.raises(ParamError, match="Can't determine a Sort Order"):
        parse_sort("metadata_modified")
    with pytest.raises(ParamError):
        parse_sort("tags asc")


def test_fl():
    assert parse_fl("id validated_data_dict") == ["id", "validated_data_dict"]
    assert parse_fl(["name,title"]) == ["name", "title"]
    assert parse_fl(None) == ["*"]


def test_dates_are_trimmed_to_milliseconds_like_solr():
    assert fields.normalize_date("2014-06-10T08:24:12.782257Z") == "2014-06-10T08:24:12.782Z"
    assert fields.normalize_date("2014-03-22") == "2014-03-22T00:00:00Z"
    assert fields.normalize_date("2019-10-10T03:15:00+02:00") == "2019-10-10T01:15:00Z"


def test_date_math():
    now = datetime.datetime(2024, 5, 17, 13, 45, 10)
    assert fields.date_math("NOW/DAY", now) == datetime.datetime(2024, 5, 17)
    assert fields.date_math("NOW-1DAY", now) == datetime.datetime(2024, 5, 16, 13, 45, 10)
    assert fields.date_math("NOW+2MONTHS/MONTH", now) == datetime.datetime(2024, 7, 1)
    with pytest.raises(ValueError):
        fields.date_math("NOW-1FORTNIGHT", now)


def test_bad_date_in_query_is_a_syntax_error():
    with pytest.raises(QuerySyntaxError):
        Compiler().compile(parse("metadata_modified:[yesterday TO *]"))


def test_field_kinds_follow_ckans_solr_schema():
    assert fields.kind("title") == fields.TEXT
    assert fields.kind("text") == fields.ALL_TEXT
    assert fields.kind("res_name") == fields.GENERAL
    assert fields.kind("tags") == fields.STRING
    assert fields.kind("extras_theme") == fields.TEXT
    assert fields.kind("issued_date") == fields.DATE
    assert fields.is_stored("extras_theme") and not fields.is_stored("text")
