"""Who owns a reuse, and what a suspended app may not do (issue 14, holes 3 and 4)."""

from __future__ import annotations

import uuid

import pytest

from civic.services.apps.errors import AppNotActive
from civic.services.apps.models import ActorType, App, AppStatus
from civic.services.apps.standing import ensure_may_act
from civic.services.errors import PermissionDenied
from civic.services.reuses.models import Reuse
from civic.services.reuses.registry import ReuseActor

CITIZEN = ActorType.CITIZEN


def test_a_reuse_declared_through_a_shared_app_is_its_persons_alone() -> None:
    shared, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    reuse = Reuse(owner_app_id=shared, owner_user_id=first)
    assert ReuseActor(shared, first, CITIZEN).owns(reuse)
    assert ReuseActor(None, first, CITIZEN).owns(reuse)  # the portal, no app
    assert not ReuseActor(shared, second, CITIZEN).owns(reuse)  # same app, another person
    assert not ReuseActor(shared, None, CITIZEN).owns(reuse)  # the app acting for itself


def test_a_reuse_an_app_declared_for_itself_is_that_apps_acting_for_itself() -> None:
    robot, person = uuid.uuid4(), uuid.uuid4()
    reuse = Reuse(owner_app_id=robot, owner_user_id=None)
    assert ReuseActor(robot, None, CITIZEN).owns(reuse)
    assert not ReuseActor(robot, person, CITIZEN).owns(reuse)  # a person using the app
    assert not ReuseActor(uuid.uuid4(), None, CITIZEN).owns(reuse)
    assert not ReuseActor(None, None, CITIZEN).owns(Reuse(owner_app_id=None, owner_user_id=None))


@pytest.mark.parametrize("status", [AppStatus.SUSPENDED, AppStatus.REFUSED])
def test_nothing_is_done_in_the_name_of_an_app_that_is_not_active(status: AppStatus) -> None:
    with pytest.raises(AppNotActive, match=f"the app is {status.value}: renaming it") as refused:
        ensure_may_act(App(status=status), "renaming it")
    assert isinstance(refused.value, PermissionDenied)  # 403 at every door
    ensure_may_act(App(status=AppStatus.ACTIVE), "renaming it")
