"""The reuse registry's rules without a database: one reuse per canonical URL, ownership,
suspended apps, moderation, notifications."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from civic.services.apps.errors import AppNotActive
from civic.services.apps.models import ActorType, AppStatus
from civic.services.catalog import datasets
from civic.services.errors import InvalidInput
from civic.services.repositories.memory import MemoryUnitOfWork
from civic.services.reuses import registry
from civic.services.reuses.errors import (
    InvalidModeration,
    ReuseRefused,
    ReuseUrlTaken,
    UnknownReuse,
)
from civic.services.reuses.inputs import ReusePatch
from civic.services.reuses.registry import ReuseActor
from civic.services.reuses.vocabulary import ModerationAction, ReuseState

from .builders import ADMIN, LICENSES, app, dataset_input, organization, reuse_input

TOPICS = ["health", "transport"]
URL = "https://carte.example.fr/air"
CITIZEN = ActorType.CITIZEN


@pytest.fixture
def uow() -> Iterator[MemoryUnitOfWork]:
    with MemoryUnitOfWork() as work:
        organization(work, "ministere")
        for name in ("air", "eau"):
            datasets.publish_dataset(
                work, ADMIN, dataset_input(name, "ministere"), licenses=LICENSES
            )
        work.commit()
        yield work


def person() -> ReuseActor:
    return ReuseActor(None, uuid.uuid4(), CITIZEN, via="portal")


def admin() -> ReuseActor:
    return ReuseActor(None, uuid.uuid4(), None, is_admin=True, label="admin")


def test_a_declared_reuse_is_published_owned_and_notified(uow: MemoryUnitOfWork) -> None:
    actor = person()
    reuse = registry.declare_reuse(uow, actor, reuse_input(URL, "air", "eau"), topics=TOPICS)
    assert reuse.state is ReuseState.PUBLISHED
    assert reuse.owner_user_id == actor.user_id and reuse.owner_actor_type is CITIZEN
    assert [d.name for d in reuse.datasets] == ["air", "eau"]
    assert reuse.canonical_url == URL and reuse.created is not None
    assert uow.store.declared == [reuse]
    assert registry.get_reuse(uow, reuse.id) is reuse


@pytest.mark.parametrize(
    "variant",
    [
        "https://CARTE.example.fr/air",
        "https://carte.example.fr/air/",
        "https://carte.example.fr/air#x",
        "https://carte.example.fr/air?utm=1",
        "http://carte.example.fr/air",
        "https://carte.example.fr:443/air",
    ],
)
def test_a_reuse_is_one_per_canonical_url_and_the_refusal_names_it(
    uow: MemoryUnitOfWork, variant: str
) -> None:
    first = registry.declare_reuse(uow, person(), reuse_input(URL, "air"), topics=TOPICS)
    uow.commit()
    with pytest.raises(ReuseUrlTaken) as taken:
        registry.declare_reuse(uow, person(), reuse_input(variant, "eau"), topics=TOPICS)
    assert taken.value.existing_id == first.id
    assert str(first.id) in str(taken.value)


def test_moving_a_reuse_onto_another_ones_address_is_refused(uow: MemoryUnitOfWork) -> None:
    owner = person()
    registry.declare_reuse(uow, owner, reuse_input(URL, "air"), topics=TOPICS)
    other = registry.declare_reuse(
        uow, owner, reuse_input("https://other.example.fr/", "air"), topics=TOPICS
    )
    with pytest.raises(ReuseUrlTaken):
        registry.update_reuse(
            uow, owner, other.id, ReusePatch(url=URL + "/?fbclid=1"), topics=TOPICS
        )
    # Its own address, spelled otherwise, is no clash.
    same = registry.update_reuse(
        uow, owner, other.id, ReusePatch(url="http://OTHER.example.fr"), topics=TOPICS
    )
    assert same.url == "http://OTHER.example.fr"
    assert same.canonical_url == "https://other.example.fr"


def test_only_the_owner_or_an_administrator_changes_a_reuse(uow: MemoryUnitOfWork) -> None:
    owner = person()
    reuse = registry.declare_reuse(uow, owner, reuse_input(URL, "air"), topics=TOPICS)
    with pytest.raises(ReuseRefused):
        registry.update_reuse(uow, person(), reuse.id, ReusePatch(title="Mine"), topics=TOPICS)
    assert (
        registry.update_reuse(uow, owner, reuse.id, ReusePatch(title="Better"), topics=TOPICS).title
        == "Better"
    )
    assert (
        registry.update_reuse(
            uow, admin(), reuse.id, ReusePatch(title="Fixed"), topics=TOPICS
        ).title
        == "Fixed"
    )


def test_nothing_is_declared_or_changed_in_a_suspended_apps_name(uow: MemoryUnitOfWork) -> None:
    robot = app(uow)
    actor = ReuseActor(robot.id, None, robot.actor_type)
    reuse = registry.declare_reuse(uow, actor, reuse_input(URL, "air"), topics=TOPICS)
    robot.status = AppStatus.SUSPENDED
    with pytest.raises(AppNotActive):
        registry.declare_reuse(
            uow, actor, reuse_input("https://b.example.fr", "air"), topics=TOPICS
        )
    with pytest.raises(AppNotActive):
        registry.update_reuse(uow, actor, reuse.id, ReusePatch(title="x"), topics=TOPICS)


def test_unknown_topics_and_datasets_and_a_missing_actor_type_are_field_errors(
    uow: MemoryUnitOfWork,
) -> None:
    nobody = ReuseActor(None, uuid.uuid4(), None)
    with pytest.raises(InvalidInput) as refused:
        registry.declare_reuse(
            uow, nobody, reuse_input(URL, "air", "nowhere", topic="sport"), topics=TOPICS
        )
    assert [pointer for pointer, _ in refused.value.field_errors] == [
        "#/topic",
        "#/actor_type",
        "#/datasets/1",
    ]
    assert uow.store.declared == []


def test_a_withdrawn_dataset_cannot_be_declared_as_used(uow: MemoryUnitOfWork) -> None:
    datasets.withdraw_dataset(uow, ADMIN, "eau")
    with pytest.raises(InvalidInput):
        registry.declare_reuse(uow, person(), reuse_input(URL, "eau"), topics=TOPICS)


def test_moderation_needs_an_administrator_and_a_reason_and_hides_flagged_reuses(
    uow: MemoryUnitOfWork,
) -> None:
    owner = person()
    reuse = registry.declare_reuse(uow, owner, reuse_input(URL, "air"), topics=TOPICS)
    with pytest.raises(ReuseRefused):
        registry.moderate_reuse(uow, owner, reuse.id, ModerationAction.FLAG, reason="spam")
    with pytest.raises(InvalidModeration):
        registry.moderate_reuse(uow, admin(), reuse.id, ModerationAction.FLAG, reason="  ")
    event = registry.moderate_reuse(uow, admin(), reuse.id, ModerationAction.FLAG, reason="spam")
    assert (event.from_state, event.to_state) == (ReuseState.PUBLISHED, ReuseState.FLAGGED)
    with pytest.raises(InvalidModeration, match="already flagged"):
        registry.moderate_reuse(uow, admin(), reuse.id, ModerationAction.FLAG, reason="again")
    with pytest.raises(UnknownReuse):
        registry.get_reuse(uow, reuse.id)  # hidden from the public
    assert registry.get_reuse(uow, reuse.id, viewer=owner) is reuse
    registry.moderate_reuse(uow, admin(), reuse.id, ModerationAction.RESTORE, reason="ok")
    assert [e.action for e in registry.moderation_history(uow, reuse.id)] == [
        ModerationAction.FLAG,
        ModerationAction.RESTORE,
    ]


def test_a_declaration_rolled_back_leaves_nothing(uow: MemoryUnitOfWork) -> None:
    reuse = registry.declare_reuse(uow, person(), reuse_input(URL, "air"), topics=TOPICS)
    uow.rollback()
    assert uow.reuses.get(reuse.id) is None and uow.store.declared == []
    registry.declare_reuse(uow, person(), reuse_input(URL, "air"), topics=TOPICS)  # URL free
