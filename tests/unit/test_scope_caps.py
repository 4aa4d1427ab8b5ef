"""No token nor app registration carries a scope its holder cannot use (issue 14, hole 9)."""

from __future__ import annotations

import pytest

from civic.services.apps.metadata import parse_metadata
from civic.services.apps.models import App
from civic.services.apps.registry import within_rights
from civic.services.identity.models import Role, User
from civic.services.tokens.issuance import usable_scope

EVERYTHING = "datasets:write reuses:write usage:read reports:read admin"


def _person(role: Role) -> User:
    return User(email=f"{role.value}@example.org", role=role)


@pytest.mark.parametrize(
    ("owner", "user", "expected"),
    [
        (None, None, "reuses:write usage:read"),  # an app alone
        (Role.DEVELOPER, None, "reuses:write usage:read"),  # client credentials: the owner
        (Role.PUBLISHER, None, "datasets:write reuses:write usage:read"),
        (Role.ADMIN, None, EVERYTHING),
        (Role.ADMIN, Role.EVALUATOR, "usage:read reports:read"),  # delegated: the person
        (None, Role.ADMIN, EVERYTHING),
    ],
)
def test_a_token_is_capped_by_its_holders_rights(
    owner: Role | None, user: Role | None, expected: str
) -> None:
    app = App(owner=_person(owner) if owner else None)
    holder = _person(user) if user else None
    assert usable_scope(EVERYTHING, app=app, user=holder) == expected


def test_an_app_acting_for_itself_is_registered_within_its_owners_rights() -> None:
    metadata = parse_metadata(
        {
            "client_name": "Robot",
            "actor_type": "citizen",
            "grant_types": ["client_credentials"],
            "scope": "datasets:write reuses:write admin",
        }
    )
    assert within_rights(metadata, None).scope == "reuses:write"
    assert within_rights(metadata, _person(Role.PUBLISHER)).scope == "datasets:write reuses:write"


def test_an_app_people_delegate_to_may_ask_them_for_any_scope() -> None:
    metadata = parse_metadata(
        {
            "client_name": "Console",
            "actor_type": "public_national",
            "grant_types": ["authorization_code"],
            "redirect_uris": ["https://console.example/cb"],
            "scope": "admin",
        }
    )
    assert within_rights(metadata, None).scope == "admin"  # each token: its person's rights
