"""CKAN's timestamps and validation errors are read in the connector, once, for every
service and the problem table."""

from __future__ import annotations

import datetime as dt

import pytest

from civic.connectors.ckan.interfaces import CkanUnavailable, CkanValidationError
from civic.connectors.ckan.mapping import from_package
from civic.connectors.ckan.parsing import parse_dataset, parse_timestamp
from civic.services.publishing.sync import ckan_message


def test_ckan_s_naive_text_is_read_as_utc() -> None:
    assert parse_timestamp("2026-11-30T09:15:02.123456") == dt.datetime(
        2026, 11, 30, 9, 15, 2, 123456, tzinfo=dt.UTC
    )


def test_an_offset_that_is_given_is_kept() -> None:
    parsed = parse_timestamp("2026-11-30T10:15:02+01:00")
    assert parsed is not None
    assert parsed.utcoffset() == dt.timedelta(hours=1)
    assert parsed == dt.datetime(2026, 11, 30, 9, 15, 2, tzinfo=dt.UTC)


def test_no_timestamp_is_none() -> None:
    assert parse_timestamp("") is None


def test_text_that_is_not_a_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="isoformat"):
        parse_timestamp("yesterday")


def test_a_dataset_s_times_come_out_typed() -> None:
    package = {
        "id": "1",
        "name": "ds",
        "metadata_modified": "2026-11-30T09:15:02.123456",
        "metadata_created": "",
    }
    dataset = parse_dataset(package)
    assert dataset.metadata_modified == dt.datetime(2026, 11, 30, 9, 15, 2, 123456, tzinfo=dt.UTC)
    assert dataset.metadata_created is None
    assert from_package(dataset).metadata_modified == dataset.metadata_modified


def test_a_dataset_with_a_time_that_is_not_one_is_not_a_ckan_answer() -> None:
    with pytest.raises(CkanUnavailable, match="metadata_modified"):
        parse_dataset({"id": "1", "name": "ds", "metadata_modified": "yesterday"})


REFUSAL = CkanValidationError(
    {
        "__type": "Validation Error",
        "name": ["That URL is already in use.", "Must be at least 2 characters long"],
        "license_id": "Unknown licence",
        "__junk": {"x": 1},
    }
)


def test_validation_errors_are_read_per_field_without_ckan_s_own_keys() -> None:
    assert REFUSAL.field_messages == [
        ("name", ["That URL is already in use.", "Must be at least 2 characters long"]),
        ("license_id", ["Unknown licence"]),
    ]
    assert REFUSAL.fields == {"name", "license_id"}


def test_a_publisher_reads_them_on_one_line() -> None:
    assert ckan_message(REFUSAL) == (
        "CKAN refused the dataset: name: That URL is already in use.; Must be at least 2 "
        "characters long, license_id: Unknown licence"
    )
    assert ckan_message(CkanValidationError({"__type": "Validation Error"})) == (
        "CKAN refused the dataset: no reason given"
    )
