"""pytest plugin for the CKAN peer suite: per-suite ``-k`` selection in one run.

CKAN's peer suite is several "path + ``-k`` expression" pairs (for example
``ckan/tests/logic/action/test_create.py`` with ``package or dataset``).
pytest takes a single ``-k`` per run, so each ``--peer-suite PATH::EXPR``
is applied here instead: an item is kept if its node id starts with one of
the paths and pytest's own keyword matcher accepts it with that path's
expression (an empty expression keeps everything under the path).

It also seeds CKAN's test factories per test. They draw titles and notes from
Faker's English word list, so a random title can hold a word a test searches for:
``test_query.py::TestPackageQuery::test_overall`` once failed because the title of
its "warandpeace" dataset happened to contain "peace". Seeded from the test's id, each
test gets the same data on every run.

Loaded by ``scripts/ckan-peer-tests`` with ``-p civic_peer_select``.
"""

from __future__ import annotations

import pytest
from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--peer-suite",
        action="append",
        default=[],
        metavar="PATH::EXPR",
        help="keep tests under PATH whose keywords match EXPR (like -k)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    import factory.random  # noqa: PLC0415 - CKAN's venv has it; imported when tests run

    factory.random.reseed_random(f"civic-peer:{item.nodeid}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suites = []
    for spec in config.getoption("peer_suite"):
        path, _, expr = spec.partition("::")
        suites.append((path, Expression.compile(expr) if expr else None))
    if not suites:
        return
    kept, dropped = [], []
    for item in items:
        matcher = KeywordMatcher.from_item(item)
        if any(
            item.nodeid.startswith(path) and (expr is None or expr.evaluate(matcher))
            for path, expr in suites
        ):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
