"""The reuse documents are the dicts their models describe: validated by the models,
with the models' keys in the models' order (one definition, issue 15)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from civic.services.apps.models import ActorType
from civic.services.catalog import datasets
from civic.services.repositories.memory import MemoryUnitOfWork
from civic.services.reuses import registry
from civic.services.reuses.documents import (
    ModerationRecord,
    ReuseOut,
    moderation_document,
    reuse_document,
)
from civic.services.reuses.registry import ReuseActor
from civic.services.reuses.vocabulary import ModerationAction

from .builders import ADMIN, LICENSES, app, dataset_input, organization, reuse_input

TOPICS = ["health"]


@pytest.fixture
def uow() -> Iterator[MemoryUnitOfWork]:
    with MemoryUnitOfWork() as work:
        organization(work, "ministere-sante")
        datasets.publish_dataset(
            work, ADMIN, dataset_input("qualite-air", "ministere-sante"), licenses=LICENSES
        )
        work.commit()
        yield work


def keys_in_order(document: dict[str, Any], model: type[BaseModel]) -> None:
    assert list(document) == list(model.model_fields)
    model.model_validate(document)


def test_a_reuse_document_is_what_reuse_out_describes(uow: MemoryUnitOfWork) -> None:
    owner = app(uow, actor_type=ActorType.ASSOCIATION, client_name="Carte de l'air")
    actor = ReuseActor(owner.id, None, ActorType.ASSOCIATION)
    reuse = registry.declare_reuse(
        uow, actor, reuse_input("https://carte.example.fr/air", "qualite-air"), topics=TOPICS
    )
    document = reuse_document(reuse)
    keys_in_order(document, ReuseOut)
    assert document["owner"]["actor_type"] == "association"
    assert document["datasets"][0]["organization"] == "ministere-sante"
    assert document["created"].endswith("+00:00")


def test_a_moderation_document_is_what_moderation_record_describes(
    uow: MemoryUnitOfWork,
) -> None:
    person = ReuseActor(None, uuid.uuid4(), ActorType.CITIZEN, via="portal")
    reuse = registry.declare_reuse(
        uow, person, reuse_input("https://carte.example.fr/eau", "qualite-air"), topics=TOPICS
    )
    administrator = ReuseActor(None, uuid.uuid4(), None, is_admin=True, label="admin@état.fr")
    event = registry.moderate_reuse(
        uow, administrator, reuse.id, ModerationAction.ARCHIVE, reason="lien mort"
    )
    document = moderation_document(event)
    keys_in_order(document, ModerationRecord)
    assert (document["action"], document["to_state"]) == ("archive", "archived")
