"""The rules of personal API tokens: scopes capped by rights, expiry, names, last use."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from civic.services.apps.models import ActorType
from civic.services.catalog.models import OrganizationLevel
from civic.services.identity.models import Role
from civic.services.tokens import credentials, personal, personal_app
from civic.services.tokens.personal import InvalidPersonalToken, ScopesBeyondRights

NOW = dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.UTC)


def test_a_new_secret_is_recognized_by_its_prefix_and_stored_as_a_digest() -> None:
    secret = credentials.new_secret(personal.PREFIX)
    assert personal.is_personal_token(secret)
    assert secret.startswith("civic_pat_") and len(secret) > 50
    assert not personal.is_personal_token(credentials.new_secret(credentials.ACCESS_TOKEN))
    assert credentials.digest(secret) != secret and len(credentials.digest(secret)) == 64


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        (Role.PUBLISHER, ["datasets:write", "usage:read"]),
        (Role.DEVELOPER, ["reuses:write"]),
        (Role.EVALUATOR, ["reports:read"]),
        (Role.ADMIN, ["admin", "datasets:write"]),
        (Role.DEVELOPER, []),
    ],
)
def test_scopes_within_the_holders_rights_are_granted(role: Role, scopes: list[str]) -> None:
    assert personal.check_scopes(scopes, role=role) == scopes


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.DEVELOPER, "datasets:write"),
        (Role.PUBLISHER, "admin"),
        (Role.EVALUATOR, "datasets:write"),
        (Role.PUBLISHER, "reports:read"),
    ],
)
def test_a_scope_beyond_the_holders_rights_is_refused(role: Role, scope: str) -> None:
    with pytest.raises(ScopesBeyondRights, match=f"{role.value} account may not use {scope}"):
        personal.check_scopes([scope], role=role)


def test_unknown_scopes_are_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidPersonalToken) as raised:
        personal.check_scopes(["datasets:delete"], role=Role.ADMIN)
    assert raised.value.field_errors == [("#/scopes", "unknown scope(s): datasets:delete")]


def test_the_apps_registered_scopes_and_the_calling_token_cap_too() -> None:
    with pytest.raises(ScopesBeyondRights, match="app is not registered for datasets:write"):
        personal.check_scopes(["datasets:write"], role=Role.PUBLISHER, app_scope="usage:read")
    with pytest.raises(ScopesBeyondRights, match="token making this request"):
        personal.check_scopes(
            ["datasets:write"], role=Role.PUBLISHER, within=frozenset({"usage:read"})
        )
    assert personal.check_scopes(
        ["usage:read"],
        role=Role.PUBLISHER,
        app_scope="datasets:write usage:read",
        within=frozenset({"usage:read"}),
    ) == ["usage:read"]


def test_expiry_defaults_to_90_days_and_is_bounded() -> None:
    assert personal.expiry(None, now=NOW) == NOW + dt.timedelta(days=90)
    assert personal.expiry(1, now=NOW) == NOW + dt.timedelta(days=1)
    assert personal.expiry(366, now=NOW) == NOW + dt.timedelta(days=366)
    for days in (0, -1, 367, 10_000):
        with pytest.raises(InvalidPersonalToken, match="from 1 to 366 days"):
            personal.expiry(days, now=NOW)


def test_names_are_trimmed_and_required() -> None:
    assert personal.clean_name("  harvest   from\tckan ") == "harvest from ckan"
    with pytest.raises(InvalidPersonalToken, match="needs a name"):
        personal.clean_name(" \t ")
    with pytest.raises(InvalidPersonalToken, match="at most 200"):
        personal.clean_name("x" * 201)


def test_the_last_use_is_written_at_most_once_a_minute() -> None:
    assert personal.should_touch(None, NOW)
    assert not personal.should_touch(NOW - dt.timedelta(seconds=59), NOW)
    assert personal.should_touch(NOW - dt.timedelta(seconds=60), NOW)
    assert personal.should_touch(NOW - dt.timedelta(days=3), NOW)


@pytest.mark.parametrize(
    ("role", "levels", "expected"),
    [
        (Role.PUBLISHER, [OrganizationLevel.LOCAL], ActorType.PUBLIC_LOCAL),
        (Role.PUBLISHER, [OrganizationLevel.REGIONAL], ActorType.PUBLIC_LOCAL),
        (
            Role.PUBLISHER,
            [OrganizationLevel.LOCAL, OrganizationLevel.NATIONAL],
            ActorType.PUBLIC_NATIONAL,
        ),
        (Role.ADMIN, [], ActorType.PUBLIC_NATIONAL),
        (Role.EVALUATOR, [], ActorType.RESEARCH),
        (Role.DEVELOPER, [], ActorType.CITIZEN),
    ],
)
def test_a_personal_apps_actor_type_comes_from_its_person(
    role: Role, levels: list[OrganizationLevel], expected: ActorType
) -> None:
    assert personal_app.default_actor_type(role, levels) is expected


def _token(**fields: Any) -> Any:
    values: dict[str, Any] = {
        "revoked_at": None,
        "expires_at": NOW + dt.timedelta(days=1),
        "app": SimpleNamespace(is_active=True),
    }
    return SimpleNamespace(**(values | fields))


def test_a_tokens_state_names_the_first_reason_it_does_not_work() -> None:
    assert personal.state(_token(), now=NOW) == "active"
    assert personal.state(_token(expires_at=NOW), now=NOW) == "expired"
    assert personal.state(_token(revoked_at=NOW, expires_at=NOW), now=NOW) == "revoked"
    inactive = SimpleNamespace(is_active=False)
    assert personal.state(_token(app=inactive), now=NOW) == "app_inactive"


def test_a_token_id_that_is_not_a_uuid_is_an_unknown_token() -> None:
    with pytest.raises(personal.UnknownPersonalToken):
        personal.parse_token_id("../../etc")
