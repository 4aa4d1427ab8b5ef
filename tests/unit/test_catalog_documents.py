"""The catalog's documents: the dicts answered are the models the OpenAPI document shows."""

from __future__ import annotations

import datetime as dt
import uuid

from civic.services.catalog.documents import (
    DatasetOut,
    OrganizationOut,
    ResourceOut,
    comparable,
    dataset_document,
    organization_document,
    resource_document,
)
from civic.services.catalog.inputs import DatasetInput
from civic.services.catalog.models import (
    Dataset,
    Organization,
    OrganizationLevel,
    Resource,
    SyncStatus,
)

NOW = dt.datetime(2026, 12, 2, 18, 30, 5, 123456, tzinfo=dt.UTC)


def _organization() -> Organization:
    return Organization(
        id=uuid.uuid4(),
        name="ville",
        title="Ville",
        description="",
        level=OrganizationLevel.LOCAL,
        territory="Lyon",
        website=None,
        ckan_id=None,
        created=NOW,
        modified=NOW,
    )


def _dataset() -> Dataset:
    resource = Resource(
        id=uuid.uuid4(),
        url="https://example.org/a.csv",
        name="a",
        format="CSV",
        media_type="text/csv",
        size=12,
        checksum=None,
    )
    return Dataset(
        id=uuid.uuid4(),
        name="arbres",
        title="Arbres",
        description="Les arbres",
        organization=_organization(),
        license="etalab-2.0",
        tags=["arbres"],
        themes=["ENVI"],
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=None,
        spatial=None,
        frequency="annual",
        contact_point={"name": "Service", "email": "a@example.org"},
        resources=[resource],
        created=NOW,
        modified=NOW,
        sync_status=SyncStatus.SYNCED,
        sync_error=None,
        ckan_id="abc",
    )


def test_a_dataset_document_is_its_model_field_for_field() -> None:
    document = dataset_document(_dataset())
    assert list(document) == list(DatasetOut.model_fields)
    assert list(document["resources"][0]) == list(ResourceOut.model_fields)
    DatasetOut.model_validate(document)
    # Timestamps keep the +00:00 form the API has always answered.
    assert document["created"] == "2026-12-02T18:30:05.123456+00:00"
    assert document["temporal"] == {"start": "2020-01-01", "end": None}


def test_a_resource_document_is_its_model() -> None:
    resource = _dataset().resources[0]
    document = resource_document(resource)
    assert list(document) == list(ResourceOut.model_fields)
    assert document["id"] == str(resource.id)
    ResourceOut.model_validate(document)


def test_an_organization_document_is_its_model() -> None:
    document = organization_document(_organization(), dataset_count=3)
    assert list(document) == list(OrganizationOut.model_fields)
    assert OrganizationOut.model_validate(document).dataset_count == 3
    assert "dataset_count" not in organization_document(_organization())


def test_the_comparable_part_is_what_a_publisher_writes() -> None:
    document = dataset_document(_dataset())
    kept = comparable(document)
    assert list(kept) == list(DatasetInput.model_fields)
    assert "id" not in kept["resources"][0]
