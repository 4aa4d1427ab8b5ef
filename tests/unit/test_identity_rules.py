"""Rights, passwords and credentials: the identity rules that need no database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civic.services.identity import passwords
from civic.services.identity.accounts import normalize_email
from civic.services.identity.errors import InvalidAccount
from civic.services.identity.models import Role
from civic.services.identity.rights import SCOPES, effective_scopes, join_scope, split_scope
from civic.services.tokens import credentials
from civic.services.uow import ReadUnitOfWork


@pytest.mark.parametrize(
    ("role", "granted", "effective"),
    [
        (Role.PUBLISHER, {"datasets:write", "reports:read"}, {"datasets:write"}),
        (Role.DEVELOPER, {"datasets:write", "reuses:write"}, {"reuses:write"}),
        (Role.EVALUATOR, {"reports:read", "reuses:write"}, {"reports:read"}),
        (Role.ADMIN, set(SCOPES), set(SCOPES)),
        (
            None,
            {"datasets:write", "reuses:write", "usage:read", "admin"},
            {"reuses:write", "usage:read"},
        ),
    ],
)
def test_token_scopes_are_capped_by_the_actor_rights(
    role: Role | None, granted: set[str], effective: set[str]
) -> None:
    assert effective_scopes(granted, role) == effective


def test_scope_strings() -> None:
    assert split_scope("usage:read  admin usage:read") == ["usage:read", "admin"]
    assert split_scope(None) == []
    assert join_scope({"admin", "datasets:write"}) == "datasets:write admin"


def test_passwords_are_argon2id_and_verified() -> None:
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "wrong horse battery staple")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not a hash", "anything")
    assert not passwords.needs_rehash(stored)


def test_short_passwords_are_refused() -> None:
    assert passwords.password_problem("short") is not None
    assert passwords.password_problem("twelve chars") is None


def test_emails_are_normalized_or_refused() -> None:
    assert normalize_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ("ada", "ada@", "@example.org", "a b@example.org", "ada@localhost"):
        with pytest.raises(InvalidAccount):
            normalize_email(bad)


def test_credentials_are_stored_as_digests_and_compared_in_constant_time() -> None:
    secret = credentials.new_secret(credentials.CLIENT_SECRET)
    assert secret.startswith("cvcs_")
    assert len(secret) > 40
    stored = credentials.digest(secret)
    assert secret not in stored
    assert credentials.matches(secret, stored)
    assert not credentials.matches(secret + "x", stored)
    assert not credentials.matches(secret, None)
    assert credentials.new_client_id() != credentials.new_client_id()


def test_a_read_unit_of_work_reads_and_never_commits(sqlite_engine: Engine) -> None:
    uow = ReadUnitOfWork(sqlite_engine)
    with uow:
        assert uow.session.execute(sa.text("SELECT 1")).scalar_one() == 1
        with pytest.raises(RuntimeError):
            uow.commit()
    with pytest.raises(RuntimeError), uow, uow:
        pass  # not reentrant
