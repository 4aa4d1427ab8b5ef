"""The catalog's rules without a database: names, withdrawn names, who may write, the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from civic.services.catalog import datasets, organizations, permissions
from civic.services.catalog.errors import (
    NameTaken,
    UnknownDataset,
    UnknownOrganization,
    WriteRefused,
)
from civic.services.catalog.inputs import OrganizationInput
from civic.services.catalog.models import OrganizationLevel, SyncStatus
from civic.services.errors import InvalidInput
from civic.services.identity.models import Role
from civic.services.identity.rights import ROLE_RIGHTS
from civic.services.repositories.memory import MemoryUnitOfWork

from .builders import ADMIN, LICENSES, dataset_input, organization, publisher


@pytest.fixture
def uow() -> Iterator[MemoryUnitOfWork]:
    with MemoryUnitOfWork() as work:
        organization(work, "ministere")
        organization(work, "region")
        yield work


def test_a_publisher_publishes_in_their_organization_and_the_outbox_says_so(
    uow: MemoryUnitOfWork,
) -> None:
    write = datasets.publish_dataset(
        uow, publisher("ministere"), dataset_input("air", "ministere"), licenses=LICENSES
    )
    assert write.created and write.changed
    assert write.dataset.organization.name == "ministere"
    assert write.dataset.formats == ["CSV"]
    assert uow.store.outbox[-1].aggregate_id == write.dataset.id
    assert (uow.store.outbox[-1].aggregate_type, uow.store.outbox[-1].operation) == (
        "dataset",
        "upsert",
    )
    assert datasets.get_dataset(uow, "air") is write.dataset


def test_a_live_name_is_taken(uow: MemoryUnitOfWork) -> None:
    datasets.publish_dataset(uow, ADMIN, dataset_input("air", "ministere"), licenses=LICENSES)
    with pytest.raises(NameTaken, match="exists already"):
        datasets.publish_dataset(uow, ADMIN, dataset_input("air", "region"), licenses=LICENSES)


def test_a_withdrawn_name_stays_reserved_to_its_organization(uow: MemoryUnitOfWork) -> None:
    datasets.publish_dataset(uow, ADMIN, dataset_input("air", "ministere"), licenses=LICENSES)
    withdrawn = datasets.withdraw_dataset(uow, publisher("ministere"), "air")
    assert withdrawn.dataset.deleted_at is not None
    assert uow.store.outbox[-1].operation == "delete"
    with pytest.raises(UnknownDataset):
        datasets.get_dataset(uow, "air")
    with pytest.raises(NameTaken, match="stays reserved"):
        datasets.publish_dataset(
            uow, publisher("region"), dataset_input("air", "region"), licenses=LICENSES
        )
    again = datasets.publish_dataset(
        uow, publisher("ministere"), dataset_input("air", "ministere"), licenses=LICENSES
    )
    assert again.created and again.dataset is not withdrawn.dataset


def test_a_publisher_writes_only_their_organizations_datasets(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(WriteRefused, match="region"):
        datasets.publish_dataset(
            uow, publisher("ministere"), dataset_input("air", "region"), licenses=LICENSES
        )
    datasets.publish_dataset(uow, ADMIN, dataset_input("air", "region"), licenses=LICENSES)
    with pytest.raises(WriteRefused):
        datasets.withdraw_dataset(uow, publisher("ministere"), "air")
    with pytest.raises(WriteRefused):  # moving a dataset needs the right on both sides
        datasets.replace_dataset(
            uow, publisher("region"), "air", dataset_input("air", "ministere"), licenses=LICENSES
        )


def test_an_unknown_organization_and_a_licence_not_allowed_are_refused(
    uow: MemoryUnitOfWork,
) -> None:
    with pytest.raises(UnknownOrganization):
        datasets.publish_dataset(uow, ADMIN, dataset_input("air", "nowhere"), licenses=LICENSES)
    with pytest.raises(InvalidInput):
        datasets.publish_dataset(
            uow, ADMIN, dataset_input("air", "ministere", license="CC-BY-4.0"), licenses=LICENSES
        )


def test_writing_what_the_dataset_already_is_changes_nothing(uow: MemoryUnitOfWork) -> None:
    data = dataset_input("air", "ministere")
    datasets.publish_dataset(uow, ADMIN, data, licenses=LICENSES)
    messages = len(uow.store.outbox)
    same = datasets.upsert_dataset(uow, ADMIN, data, licenses=LICENSES)
    assert not same.changed and len(uow.store.outbox) == messages
    changed = datasets.upsert_dataset(
        uow, ADMIN, dataset_input("air", "ministere", title="New title"), licenses=LICENSES
    )
    assert changed.changed and changed.dataset.sync_status is SyncStatus.PENDING
    assert len(uow.store.outbox) == messages + 1


def test_a_dataset_cannot_be_renamed(uow: MemoryUnitOfWork) -> None:
    datasets.publish_dataset(uow, ADMIN, dataset_input("air", "ministere"), licenses=LICENSES)
    with pytest.raises(InvalidInput) as refused:
        datasets.replace_dataset(
            uow, ADMIN, "air", dataset_input("eau", "ministere"), licenses=LICENSES
        )
    assert refused.value.field_errors[0][0] == "#/name"


def test_resources_keep_their_id_when_their_url_is_kept(uow: MemoryUnitOfWork) -> None:
    write = datasets.publish_dataset(
        uow, ADMIN, dataset_input("air", "ministere"), licenses=LICENSES
    )
    first = write.dataset.resources[0]
    datasets.patch_dataset(
        uow,
        ADMIN,
        "air",
        datasets.DatasetPatch.model_validate(
            {
                "resources": [
                    {"url": "https://data.example.fr/new.json", "format": "json"},
                    {"url": first.url, "format": "csv"},
                ]
            }
        ),
        licenses=LICENSES,
    )
    dataset = datasets.get_dataset(uow, "air")
    assert [r.url for r in dataset.resources][1] == first.url
    assert dataset.resources[1] is first and first.position == 1
    assert dataset.formats == ["CSV", "JSON"]


def test_organizations_are_created_by_administrators_with_unique_names() -> None:
    data = OrganizationInput(name="ville", title="Ville", level=OrganizationLevel.LOCAL)
    with MemoryUnitOfWork() as uow:
        with pytest.raises(WriteRefused):
            organizations.create_organization(uow, publisher("ville"), data)
        organizations.create_organization(uow, ADMIN, data)
        with pytest.raises(NameTaken):
            organizations.create_organization(uow, ADMIN, data)
        assert organizations.get_organization(uow, "ville").title == "Ville"
        assert uow.store.outbox[-1].aggregate_type == "organization"


def test_an_organization_changes_but_keeps_its_name_and_is_sent_only_when_changed() -> None:
    data = OrganizationInput(name="ville", title="Ville", level=OrganizationLevel.LOCAL)
    with MemoryUnitOfWork() as uow:
        organizations.create_organization(uow, ADMIN, data)
        sent = len(uow.store.outbox)
        organizations.update_organization(uow, ADMIN, "ville", data)
        assert len(uow.store.outbox) == sent
        renamed = data.model_copy(update={"name": "bourg"})
        with pytest.raises(InvalidInput) as refused:
            organizations.update_organization(uow, ADMIN, "ville", renamed)
        assert refused.value.field_errors == [("#/name", "an organization cannot be renamed")]
        retitled = data.model_copy(update={"title": "Ville nouvelle"})
        assert organizations.update_organization(uow, ADMIN, "ville", retitled).title == (
            "Ville nouvelle"
        )
        assert len(uow.store.outbox) == sent + 1


def test_an_actor_writes_for_the_organizations_they_are_a_member_of() -> None:
    with MemoryUnitOfWork() as uow:
        organization(uow, "ministere")
        organization(uow, "region")
        ministere = organizations.get_organization(uow, "ministere")
        person = uuid.uuid4()
        uow.store.memberships.add((person, ministere.id))
        actor = permissions.load_actor(
            uow, user_id=person, role=Role.PUBLISHER, scopes=ROLE_RIGHTS[Role.PUBLISHER]
        )
        assert actor.organizations == {"ministere"}
        assert permissions.member_of(uow, person, ministere.id)
        assert not permissions.member_of(uow, uuid.uuid4(), ministere.id)
        datasets.publish_dataset(uow, actor, dataset_input("air", "ministere"), licenses=LICENSES)
        with pytest.raises(WriteRefused):
            datasets.publish_dataset(uow, actor, dataset_input("eau", "region"), licenses=LICENSES)
        nobody = permissions.load_actor(uow, user_id=None, role=None, scopes=())
        assert nobody.organizations == frozenset()
        with pytest.raises(WriteRefused, match="datasets:write"):
            permissions.ensure_may_write(nobody, "ministere")
