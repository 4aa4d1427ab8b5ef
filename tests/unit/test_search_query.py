"""SearchQuery: the one definition of the catalog's search parameters."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from civic.services.catalog.models import OrganizationLevel
from civic.services.catalog.search import FACETS, MAX_PAGE_SIZE, SearchQuery


def test_the_api_refuses_what_is_out_of_bounds() -> None:
    with pytest.raises(ValidationError):
        SearchQuery(page_size=MAX_PAGE_SIZE + 1)
    with pytest.raises(ValidationError):
        SearchQuery.model_validate({"level": ["galactic"]})
    with pytest.raises(ValidationError):
        SearchQuery.model_validate({"sort": "size"})


def test_the_levels_are_the_enum() -> None:
    for level in OrganizationLevel:
        assert SearchQuery.model_validate({"level": [level.value]}).level == [level.value]


def test_a_page_reads_its_query_string_leniently() -> None:
    args = MultiDict(
        [
            ("q", "x" * 600),
            ("page", "999999"),
            ("sort", "-created"),
            ("level", "galactic"),
            ("level", "local"),
            ("tags", "a"),
            ("tags", "b"),
        ]
    )
    query = SearchQuery.from_args(args, page_size=20, sorts=("relevance", "title"), max_page=10)
    assert len(query.q) == 500
    assert query.page == 10
    assert query.sort == "relevance"
    assert query.level == ["local"]
    assert query.tags == ["a", "b"]
    assert query.page_size == 20
    assert SearchQuery.from_args(MultiDict([("page", "two")]), page_size=5).page == 1


def test_every_facet_is_a_filter() -> None:
    assert set(FACETS) <= set(SearchQuery.model_fields)
