"""The period's reuses as columns: subsets found as rows, the same as record by record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from civic.services.evaluation.measures.datasets import first_reuses
from civic.services.evaluation.records import ReuseRecord
from civic.services.evaluation.reuse_columns import (
    ReuseColumns,
    forget_subsets,
    live_reuses,
    reuse_rows,
    without_owner,
)

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _reuses(n: int, *, zone: dt.tzinfo | None = dt.UTC) -> tuple[ReuseRecord, ...]:
    """``n`` reuses a day apart, owned by three reusers in turn; every fourth withdrawn
    ten days after its creation."""
    found = []
    for k in range(n):
        created = (START + dt.timedelta(days=k)).replace(tzinfo=zone)
        found.append(
            ReuseRecord(
                id=uuid.UUID(int=k + 1),
                owner=f"owner-{k % 3}",
                actor_type="company_small",
                type="application",
                topic="eau",
                purpose="commercial",
                dataset_ids=frozenset({uuid.UUID(int=1000 + k)}),
                created=created,
                withdrawn=created + dt.timedelta(days=10) if k % 4 == 0 else None,
            )
        )
    return tuple(found)


def _by_hand(
    reuses: tuple[ReuseRecord, ...], start: dt.datetime, after: dt.datetime
) -> tuple[ReuseRecord, ...]:
    return tuple(
        r for r in reuses if r.created < after and (r.withdrawn is None or r.withdrawn >= start)
    )


@pytest.mark.parametrize("zone", [dt.UTC, None], ids=["aware", "naive"])
def test_live_reuses_are_those_compared_one_by_one(zone: dt.tzinfo | None) -> None:
    period = _reuses(60, zone=zone)
    for first, last in [(0, 60), (20, 31), (59, 60), (0, 1), (70, 80)]:
        start = (START + dt.timedelta(days=first)).replace(tzinfo=zone)
        after = (START + dt.timedelta(days=last)).replace(tzinfo=zone)
        for reuses in (period, period[:30], period[5:]):
            found = live_reuses(reuses, start, after)
            assert found == _by_hand(reuses, start, after)
            assert all(a is b for a, b in zip(found, _by_hand(reuses, start, after), strict=True))


def test_a_subset_made_here_is_found_as_the_rows_of_its_records() -> None:
    period = _reuses(40)
    live = live_reuses(period, START + dt.timedelta(days=15), START + dt.timedelta(days=35))
    columns, rows = reuse_rows(period, live)
    assert [columns.reuses[row] for row in rows.tolist()] == list(live)
    # A month's reuses (a prefix of the period's) and a tuple made elsewhere.
    for subset in (period[:12], tuple(reversed(period[3:9])), ()):
        columns, rows = reuse_rows(period, subset)
        assert [columns.reuses[row] for row in rows.tolist()] == list(subset)


def test_rows_refuse_a_record_that_is_not_among_the_columns() -> None:
    period = _reuses(10)
    stranger = _reuses(11)[10]
    columns = ReuseColumns(period)
    assert columns.rows((period[0], stranger)) is None
    assert not columns.holds(stranger)
    assert columns.holds(period[9])


def test_without_owner_leaves_out_that_owner_only() -> None:
    period = _reuses(30)
    month = period[:20]
    found = without_owner(month, period, "owner-1")
    assert found == tuple(r for r in month if r.owner != "owner-1")
    columns, rows = reuse_rows(period, found)
    assert [columns.reuses[row].owner for row in rows.tolist()].count("owner-1") == 0
    # An owner with no reuse here: the very same tuple, so what is computed from it
    # is computed once.
    assert without_owner(month, period, "someone-else") is month


def test_retention_counts_as_record_by_record() -> None:
    period = _reuses(50)
    columns, rows = reuse_rows(period, period)
    latest = START + dt.timedelta(days=30)
    cohort = [r for r in period if r.created <= latest]
    kept = sum(
        r.withdrawn is None or r.withdrawn >= r.created + dt.timedelta(days=180) for r in cohort
    )
    assert columns.retained(rows, latest) == (kept, len(cohort))
    naive = _reuses(5, zone=None)
    naive_columns, naive_rows = reuse_rows(naive, naive)
    assert naive_columns.retained(naive_rows, latest.replace(tzinfo=None)) is None


def test_subsets_noted_during_reports_are_let_go() -> None:
    period = _reuses(20)
    found = without_owner(period, period, "owner-2")
    columns, rows = reuse_rows(period, found)
    assert columns._known  # noted, so found at once
    forget_subsets()
    assert not columns._known
    assert reuse_rows(period, found)[1].tolist() == rows.tolist()  # found again by records


@pytest.mark.parametrize("zone", [dt.UTC, None], ids=["aware", "naive"])
def test_first_reuses_are_the_earliest_per_dataset(zone: dt.tzinfo | None) -> None:
    shared = uuid.UUID(int=7)
    period = tuple(
        dataclasses.replace(r, dataset_ids=r.dataset_ids | {shared}) if k % 5 == 0 else r
        for k, r in enumerate(reversed(_reuses(30, zone=zone)))
    )
    for reuses in (period, period[4:], period[:0]):
        expected: dict[int, dt.datetime] = {}
        for reuse in reuses:
            for dataset in reuse.dataset_ids:
                if dataset.int not in expected or reuse.created < expected[dataset.int]:
                    expected[dataset.int] = reuse.created
        assert first_reuses(reuses) == expected
