"""Unit tests of the Lucene / DisMax parser (no database)."""

from __future__ import annotations

import pytest

from ckanext.civic.search.lucene import (
    MUST,
    MUST_NOT,
    SHOULD,
    BoolQuery,
    MatchAll,
    Phrase,
    QuerySyntaxError,
    Range,
    Term,
    parse,
    prepare_dismax,
)


def occurs(query: BoolQuery) -> list[str]:
    return [occur for occur, _ in query.clauses]


def test_match_all():
    assert parse("*:*").clauses == [(MUST, MatchAll())]


def test_default_operator_and_makes_terms_required():
    q = parse("rivers lakes", default_and=True)
    assert q.clauses == [(MUST, Term(None, "rivers")), (MUST, Term(None, "lakes"))]


def test_default_operator_or_makes_terms_optional():
    assert occurs(parse("rivers lakes", default_and=False)) == [SHOULD, SHOULD]


def test_or_between_terms_under_and_operator():
    assert occurs(parse("a OR b", default_and=True)) == [SHOULD, SHOULD]
    assert occurs(parse("a || b", default_and=True)) == [SHOULD, SHOULD]


def test_and_between_terms_under_or_operator():
    assert occurs(parse("a AND b", default_and=False)) == [MUST, MUST]
    assert occurs(parse("a && b", default_and=False)) == [MUST, MUST]


def test_modifiers():
    q = parse("+a -b NOT c !d", default_and=False)
    assert occurs(q) == [MUST, MUST_NOT, MUST_NOT, MUST_NOT]


def test_fielded_terms_and_phrases():
    q = parse('name:warandpeace title:"A Novel"')
    assert q.clauses == [(MUST, Term("name", "warandpeace")), (MUST, Phrase("title", "A Novel"))]


def test_field_group_gives_its_field_to_inner_terms():
    q = parse("+state:(active OR draft)")
    occur, inner = q.clauses[0]
    assert occur == MUST
    assert inner.clauses == [(SHOULD, Term("state", "active")), (SHOULD, Term("state", "draft"))]


def test_ckan_permission_labels_filter():
    q = parse('+permission_labels:("public" OR "member-abc")')
    inner = q.clauses[0][1]
    assert [n for _, n in inner.clauses] == [
        Phrase("permission_labels", "public"),
        Phrase("permission_labels", "member-abc"),
    ]


def test_delete_query_from_ckan():
    q = parse('+entity_type:package AND +(id:"x" OR name:"x") AND +site_id:"s"', default_and=False)
    assert occurs(q) == [MUST, MUST, MUST]


def test_hyphenated_term_is_one_term():
    assert parse("tags:country-sweden").clauses == [(MUST, Term("tags", "country-sweden"))]


def test_escapes():
    assert parse(r"title:Pop\!").clauses == [(MUST, Term("title", "Pop!"))]
    q = parse(r'title:"Seymour\: An Introduction"')
    assert q.clauses == [(MUST, Phrase("title", "Seymour: An Introduction"))]


def test_wildcards_record_offsets():
    term = parse("name:war*").clauses[0][1]
    assert term == Term("name", "war*", (3,))
    assert parse(r"name:war\*").clauses[0][1] == Term("name", "war*", ())


def test_ranges():
    q = parse("metadata_modified:[2020-01-01T00:00:00Z TO NOW] views_total:{1 TO *}")
    assert q.clauses[0][1] == Range("metadata_modified", "2020-01-01T00:00:00Z", "NOW", True, True)
    assert q.clauses[1][1] == Range("views_total", "1", None, False, False)


def test_boost_and_slop_are_accepted():
    q = parse('title:river^2 "a b"~3')
    assert q.clauses[0][1] == Term("title", "river")
    assert q.clauses[1][1] == Phrase(None, "a b", 3)


def test_field_with_whitespace_before_value():
    assert parse("_query_store: true").clauses == [(MUST, Term("_query_store", "true"))]


@pytest.mark.parametrize(
    "bad",
    [
        "--included",
        "+-x",
        "title:",
        "(a",
        "a)",
        '"open',
        "AND a",
        "a AND",
        "[a TO b",
        "[a b]",
        "()",
    ],
)
def test_syntax_errors(bad):
    with pytest.raises(QuerySyntaxError):
        parse(bad)


def test_dismax_keeps_specials_literal():
    q = parse("title:foo (bar) river*", dismax=True, default_and=False)
    assert [n for _, n in q.clauses] == [
        Term(None, "title:foo"),
        Term(None, "(bar)"),
        Term(None, "river*"),
    ]


def test_dismax_double_dash_at_start_is_an_error_like_solr():
    with pytest.raises(QuerySyntaxError):
        parse("--included", dismax=True, default_and=False)


def test_dismax_cleanup():
    assert prepare_dismax('say "hello') == "say  hello"
    assert prepare_dismax("a -- b") == "a  b"
    assert prepare_dismax("a b -") == "a b"


def test_dismax_operators_still_work():
    q = parse('+rivers -lakes "clean water"', dismax=True, default_and=False)
    assert occurs(q) == [MUST, MUST_NOT, SHOULD]
    assert q.clauses[2][1] == Phrase(None, "clean water")
