"""Months of the usage partitions and the retention's arithmetic, without a database."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from civic.services.usage import partitions
from civic.services.usage.partitions import (
    add_months,
    expired_before,
    month_of,
    months_between,
    partition_name,
)
from civic.services.usage.storage import _row_time


def test_a_moment_belongs_to_its_utc_month() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    # 1 January 00:30 in Paris is still December in UTC.
    assert month_of(dt.datetime(2027, 1, 1, 0, 30, tzinfo=paris)) == dt.date(2026, 12, 1)
    assert month_of(dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)) == dt.date(
        2026, 12, 1
    )
    assert month_of(dt.date(2026, 2, 28)) == dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 1), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 6, 1), -18, dt.date(2024, 12, 1)),
        (dt.date(2026, 6, 1), 0, dt.date(2026, 6, 1)),
    ],
)
def test_months_are_added_across_years(month: dt.date, count: int, expected: dt.date) -> None:
    assert add_months(month, count) == expected


def test_months_between_includes_both_ends_and_names_are_sortable() -> None:
    months = months_between(dt.date(2025, 11, 20), dt.date(2026, 2, 3))
    assert months == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    names = [partition_name(m) for m in months]
    assert names == ["events_2025_11", "events_2025_12", "events_2026_01", "events_2026_02"]
    assert names == sorted(names)


def test_retention_keeps_the_current_month_and_as_many_whole_months_before() -> None:
    today = dt.date(2026, 12, 3)
    assert expired_before(today, 0) is None  # kept forever
    assert expired_before(today, 1) == dt.date(2026, 11, 1)
    assert expired_before(today, 13) == dt.date(2025, 11, 1)


def test_a_batch_spanning_centuries_gets_its_two_ends_only(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[dt.date]] = []

    def ensure_months(engine: object, months: list[dt.date]) -> list[str]:
        asked.append(list(months))
        return []

    monkeypatch.setattr(partitions, "ensure_months", ensure_months)
    partitions.ensure_span(
        object(),  # type: ignore[arg-type]
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
    )
    partitions.ensure_span(
        object(),  # type: ignore[arg-type]
        dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 3, tzinfo=dt.UTC),
    )
    assert asked == [
        [dt.date(1970, 1, 1), dt.date(2026, 12, 1)],
        [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)],
    ]


def test_the_time_of_an_imported_row_is_read_from_its_copy_text() -> None:
    row = "ab12\t2025-10-10T13:55:36+02:00\tpage_view\timport\t200\n"
    assert _row_time(row) == dt.datetime(2025, 10, 10, 11, 55, 36, tzinfo=dt.UTC)
    assert month_of(_row_time(row)) == dt.date(2025, 10, 1)


class _Engine:
    """Enough of an engine for ensure_months: connect() as a context manager."""

    def connect(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()


def test_a_month_not_made_is_not_tried_again_by_every_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tries: list[dt.date] = []

    def busy(engine: object, month: dt.date) -> int:
        tries.append(month)
        raise sa.exc.OperationalError("LOCK TABLE", {}, Exception("lock timeout"))

    monkeypatch.setattr(partitions, "existing_months", lambda connection: set())
    monkeypatch.setattr(partitions, "_make", busy)
    engine = _Engine()
    month = dt.date(2026, 12, 1)
    for _ in range(5):  # five batches in a row: the events go to the default partition
        assert partitions.ensure_months(engine, [month]) == []  # type: ignore[arg-type]
    assert tries == [month]

    monkeypatch.setattr(partitions, "_make", lambda engine, month: 0)
    monkeypatch.setattr(partitions, "RETRY_AFTER", 0.0)  # a minute later
    assert partitions.ensure_months(engine, [month]) == ["events_2026_12"]  # type: ignore[arg-type]
    monkeypatch.setattr(partitions, "_make", busy)
    assert partitions.ensure_months(engine, [month]) == []  # type: ignore[arg-type]
    assert tries == [month]  # known now: not asked again


def test_the_last_month_of_the_calendar_has_a_partition_to_infinity() -> None:
    """A stray date in December 9999 (an imported log's) makes a partition, not a crash."""
    december = dt.date(9999, 12, 1)
    assert partitions.months_between(dt.date(9999, 11, 5), dt.date(9999, 12, 31)) == [
        dt.date(9999, 11, 1),
        december,
    ]
    assert partitions._bounds(december) == ("9999-12-01 00:00:00+00", "infinity")
    assert partitions.months_apart(dt.date(9999, 11, 5), december) == 1
