"""The app registry's and the tokens' rules without a database: suspension, credentials,
deletion, token revocation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from civic.services.apps import registry
from civic.services.apps.access import change_access
from civic.services.apps.errors import AppNotActive, InvalidAccessChange, NotAppOwner, UnknownApp
from civic.services.apps.metadata import parse_metadata
from civic.services.apps.models import AccessAction, AppStatus
from civic.services.errors import InvalidInput
from civic.services.identity.models import Role, User
from civic.services.repositories.memory import MemoryUnitOfWork
from civic.services.tokens import codes, credentials, issuance
from civic.services.tokens.families import revoke_family
from civic.services.tokens.models import AuthorizationCode, PersonalToken, Token
from civic.services.tokens.personal import UnknownPersonalToken, revoke_personal_token

from .builders import app

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
METADATA = {
    "client_name": "Renamed",
    "actor_type": "company_small",
    "grant_types": ["client_credentials"],
}


def token(app_id: uuid.UUID, family_id: uuid.UUID, **fields: object) -> Token:
    values: dict[str, object] = {
        "access_token_hash": uuid.uuid4().hex,
        "expires_at": NOW + dt.timedelta(hours=1),
        "grant_type": "authorization_code",
    }
    return Token(app_id=app_id, family_id=family_id, **{**values, **fields})


def test_a_suspended_app_is_changed_by_nobody_until_restored() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        with pytest.raises(InvalidAccessChange, match="reason"):
            change_access(uow, robot, AccessAction.SUSPENDED, reason=" ", actor=None)
        event = change_access(uow, robot, AccessAction.SUSPENDED, reason="abuse", actor=None)
        assert robot.status is AppStatus.SUSPENDED and event.reason == "abuse"
        with pytest.raises(InvalidAccessChange, match="already suspended"):
            change_access(uow, robot, AccessAction.SUSPENDED, reason="again", actor=None)
        for act in (
            lambda: registry.update_app(uow, robot, parse_metadata(METADATA)),
            lambda: registry.rotate_client_secret(uow, robot),
            lambda: registry.rotate_registration_token(uow, robot),
            lambda: registry.delete_app(uow, robot),
        ):
            with pytest.raises(AppNotActive):
                act()
        change_access(uow, robot, AccessAction.RESTORED, reason="contested", actor=None)
        assert registry.update_app(uow, robot, parse_metadata(METADATA)).client_name == "Renamed"


def test_a_rotated_secret_keeps_working_only_for_its_grace_period() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow, client_secret_hash=credentials.digest("old"))
        with pytest.raises(InvalidInput):
            registry.rotate_client_secret(uow, robot, grace_seconds=registry.MAX_SECRET_GRACE + 1)
        new = registry.rotate_client_secret(uow, robot, grace_seconds=60, now=NOW)
        assert registry.verify_client_secret(robot, new, now=NOW)
        assert registry.verify_client_secret(robot, "old", now=NOW + dt.timedelta(seconds=59))
        assert not registry.verify_client_secret(robot, "old", now=NOW + dt.timedelta(seconds=61))
        newer = registry.rotate_client_secret(uow, robot, now=NOW)  # no grace: old ones stop
        assert not registry.verify_client_secret(robot, new, now=NOW)
        assert registry.verify_client_secret(robot, newer, now=NOW)


def test_a_public_app_has_no_secret_to_rotate() -> None:
    with MemoryUnitOfWork() as uow:
        public = app(uow, token_endpoint_auth_method="none", client_secret_hash=None)
        with pytest.raises(UnknownApp):
            registry.rotate_client_secret(uow, public)


def test_deleting_an_app_revokes_its_tokens_and_hides_it() -> None:
    with MemoryUnitOfWork() as uow:
        robot, other = app(uow), app(uow)
        family = uuid.uuid4()
        mine = [token(robot.id, family), token(robot.id, uuid.uuid4())]
        theirs = token(other.id, uuid.uuid4())
        uow.seed(*mine, theirs)
        registry.delete_app(uow, robot, now=NOW)
        assert all(t.revoked_at == NOW and t.revoked_reason == "app_deleted" for t in mine)
        assert theirs.revoked_at is None
        assert registry.find_app(uow, robot.client_id) is None
        with pytest.raises(UnknownApp):
            registry.get_app(uow, robot.client_id)
        assert registry.get_app(uow, other.client_id) is other


def test_revoking_a_family_revokes_its_live_tokens_once() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        family = uuid.uuid4()
        earlier = NOW - dt.timedelta(days=1)
        tokens = [
            token(robot.id, family),
            token(robot.id, family, revoked_at=earlier, revoked_reason="revoked"),
        ]
        stranger = token(robot.id, uuid.uuid4())
        uow.seed(*tokens, stranger)
        assert revoke_family(uow, family, reason="code_reuse", now=NOW) == 1
        assert tokens[0].revoked_reason == "code_reuse"
        assert tokens[1].revoked_at == earlier and tokens[1].revoked_reason == "revoked"
        assert stranger.revoked_at is None
        assert revoke_family(uow, family, reason="code_reuse", now=NOW) == 0


def test_a_personal_token_is_revoked_by_its_person_or_an_operator_only() -> None:
    with MemoryUnitOfWork() as uow:
        owner = uuid.uuid4()
        record = PersonalToken(
            user_id=owner,
            app_id=uuid.uuid4(),
            name="laptop",
            token_hash=uuid.uuid4().hex,
            hint="abcd",
            created_via="portal",
            expires_at=NOW + dt.timedelta(days=30),
        )
        uow.seed(record)
        with pytest.raises(UnknownPersonalToken):
            revoke_personal_token(uow, record.id, user_id=uuid.uuid4())
        assert record.revoked_at is None
        revoke_personal_token(uow, record.id, user_id=owner, now=NOW)
        later = revoke_personal_token(uow, record.id, user_id=None, now=NOW + dt.timedelta(1))
        assert later.revoked_at == NOW  # revoking again changes nothing


def test_a_revocation_rolled_back_is_undone() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        live = token(robot.id, uuid.uuid4())
        uow.seed(live)
        registry.delete_app(uow, robot, now=NOW)
        uow.rollback()
        assert live.revoked_at is None and robot.deleted_at is None
        assert registry.get_app(uow, robot.client_id) is robot


def _code(uow: MemoryUnitOfWork, robot_id: uuid.UUID, value: str) -> AuthorizationCode:
    robot = uow.apps.by_id(robot_id)
    assert robot is not None
    return codes.save_code(
        uow,
        value,
        app=robot,
        user_id=uuid.uuid4(),
        redirect_uri="https://app.example.fr/cb",
        scope="reuses:write",
        code_challenge="x" * 43,
        code_challenge_method="S256",
        ttl_seconds=60,
        now=NOW,
    )


def test_a_code_is_exchanged_once_and_its_reuse_revokes_what_it_issued() -> None:
    with MemoryUnitOfWork() as uow:
        robot, other = app(uow), app(uow)
        record = _code(uow, robot.id, "code-1")
        assert codes.find_code_for_exchange(uow, "code-1", other, now=NOW) is None
        assert codes.find_code_for_exchange(uow, "code-1", robot, now=NOW) is record
        codes.mark_code_used(uow, record, now=NOW)
        issued = token(robot.id, record.id)  # the family of a code is its id
        uow.seed(issued)
        assert codes.find_code_for_exchange(uow, "code-1", robot, now=NOW) is None
        assert issued.revoked_reason == "code_reuse"


def test_an_expired_code_is_refused() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        _code(uow, robot.id, "code-2")
        later = NOW + dt.timedelta(seconds=61)
        assert codes.find_code_for_exchange(uow, "code-2", robot, now=later) is None


def test_a_refresh_token_exchanged_twice_revokes_its_whole_family() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        family = uuid.uuid4()
        first = token(robot.id, family, refresh_token_hash=credentials.digest("refresh-1"))
        uow.seed(first)
        found = issuance.find_refresh_token_for_rotation(uow, "refresh-1", robot, now=NOW)
        assert found is first
        issuance.mark_rotated(uow, first, now=NOW)
        latest = token(robot.id, family, refresh_token_hash=credentials.digest("refresh-2"))
        uow.seed(latest)
        assert issuance.find_refresh_token_for_rotation(uow, "refresh-1", robot, now=NOW) is None
        assert latest.revoked_reason == "refresh_reuse"  # the legitimate holder's too
        assert issuance.find_refresh_token_for_rotation(uow, "refresh-2", robot, now=NOW) is None


def test_a_token_is_found_by_either_value_and_revoked_once() -> None:
    with MemoryUnitOfWork() as uow:
        robot = app(uow)
        record = token(
            robot.id,
            uuid.uuid4(),
            access_token_hash=credentials.digest("access"),
            refresh_token_hash=credentials.digest("refresh"),
        )
        uow.seed(record)
        assert issuance.find_token(uow, "access") == (record, "access_token")
        assert issuance.find_token(uow, "refresh", "refresh_token") == (record, "refresh_token")
        assert issuance.find_token(uow, "nothing") is None
        issuance.revoke_token(uow, record, now=NOW)
        issuance.revoke_token(uow, record, reason="again", now=NOW + dt.timedelta(1))
        assert (record.revoked_at, record.revoked_reason) == (NOW, "revoked")


def _person(uow: MemoryUnitOfWork, role: Role) -> User:
    person = User(email=f"{uuid.uuid4().hex[:8]}@example.fr", display_name="P", role=role)
    uow.seed(person)
    return person


def test_an_app_acting_for_itself_gets_no_scope_its_owner_cannot_use() -> None:
    wanted = {**METADATA, "scope": "reuses:write usage:read datasets:write admin"}
    with MemoryUnitOfWork() as uow:
        developer = _person(uow, Role.DEVELOPER)
        robot, issued = registry.register_app(
            uow, parse_metadata(wanted), owner_id=developer.id, registered_via="api"
        )
        assert set(robot.scope.split()) == {"reuses:write", "usage:read"}
        assert issued.client_secret is not None
        assert registry.verify_client_secret(robot, issued.client_secret)
        assert robot.client_secret_hash != issued.client_secret  # only its digest is kept
        alone, _ = registry.register_app(
            uow, parse_metadata(wanted), owner_id=None, registered_via="open"
        )
        assert set(alone.scope.split()) == {"reuses:write", "usage:read"}
        publisher = _person(uow, Role.PUBLISHER)
        theirs, _ = registry.register_app(
            uow, parse_metadata(wanted), owner_id=publisher.id, registered_via="api"
        )
        assert "datasets:write" in theirs.scope.split() and "admin" not in theirs.scope.split()


def test_a_public_app_gets_no_secret() -> None:
    public = {
        **METADATA,
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code"],
        "redirect_uris": ["https://app.example.fr/callback"],
    }
    with MemoryUnitOfWork() as uow:
        robot, issued = registry.register_app(
            uow, parse_metadata(public), owner_id=None, registered_via="open"
        )
        assert issued.client_secret is None and robot.client_secret_hash is None


def test_an_app_is_managed_by_its_owner_or_an_administrator_only() -> None:
    with MemoryUnitOfWork() as uow:
        owner, other, admin = (
            _person(uow, Role.DEVELOPER),
            _person(uow, Role.DEVELOPER),
            _person(uow, Role.ADMIN),
        )
        robot, _ = registry.register_app(
            uow, parse_metadata(METADATA), owner_id=owner.id, registered_via="portal"
        )
        assert registry.get_owned_app(uow, robot.client_id, owner.id) is robot
        assert registry.get_owned_app(uow, robot.client_id, admin.id) is robot
        with pytest.raises(NotAppOwner):
            registry.get_owned_app(uow, robot.client_id, other.id)
        with pytest.raises(NotAppOwner):
            registry.get_owned_app(uow, robot.client_id, uuid.uuid4())
