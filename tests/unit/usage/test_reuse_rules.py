"""Reuse inputs and ownership rules, without a database."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from civic.services.apps.models import ActorType
from civic.services.notifications.dispatch import RetryPolicy
from civic.services.reuses.inputs import ModerationInput, ReuseInput
from civic.services.reuses.models import Reuse
from civic.services.reuses.registry import ReuseActor
from civic.services.reuses.vocabulary import MODERATION_TARGET, ModerationAction, ReuseState

VALID = {
    "title": "Bus stops map",
    "url": "https://example.org/bus",
    "type": "visualization",
    "topic": "transport",
    "purpose": "general_interest",
    "datasets": ["bus-stops", "bus-stops"],
}


def test_a_reuse_input_is_validated_and_datasets_deduplicated() -> None:
    reuse = ReuseInput.model_validate(VALID)
    assert reuse.datasets == ["bus-stops"]
    assert reuse.description == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "javascript:alert(1)"),
        ("url", "ftp://example.org/x"),
        ("type", "podcast"),
        ("purpose", "profit"),
        ("datasets", []),
        ("datasets", ["Not A Slug"]),
        ("title", "   "),
        ("image_url", "data:image/png;base64,xx"),
    ],
)
def test_bad_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        ReuseInput.model_validate({**VALID, field: value})
    assert raised.value.errors()[0]["loc"][0] == field


def test_moderation_needs_a_reason_and_maps_to_states() -> None:
    with pytest.raises(ValidationError):
        ModerationInput.model_validate({"action": "flag", "reason": ""})
    assert MODERATION_TARGET[ModerationAction.RESTORE] is ReuseState.PUBLISHED


def test_owners_are_the_same_app_or_the_same_person() -> None:
    app, person = uuid.uuid4(), uuid.uuid4()
    reuse = Reuse(owner_app_id=app, owner_user_id=None)
    assert ReuseActor(app, None, ActorType.CITIZEN).owns(reuse)
    assert not ReuseActor(uuid.uuid4(), person, ActorType.CITIZEN).owns(reuse)
    mine = Reuse(owner_app_id=None, owner_user_id=person)
    assert ReuseActor(None, person, ActorType.CITIZEN).owns(mine)


def test_webhook_retries_back_off_exponentially_up_to_a_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base=10, max_wait=60)
    assert [policy.wait(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
