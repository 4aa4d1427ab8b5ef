"""Who a bearer token is: the app, the person it acts for, and what it may do.

Checked on every API call, so one indexed query (token, app, user and the app's
owner joined) and no cache: a suspended app or a revoked token stops at once.

Two kinds of token are accepted: OAuth access tokens, and personal API tokens
(recognized by their prefix, see :mod:`civic.services.tokens.personal`), which act
for their holder and count for their app. A personal token's check writes its
last-used time when the last one is a minute old or more: a second statement about
once a minute per token, none otherwise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from civic.services.apps.models import App, AppStatus
from civic.services.clock import utcnow
from civic.services.identity.models import Role, User
from civic.services.identity.rights import effective_scopes, join_scope, split_scope
from civic.services.tokens import credentials, personal
from civic.services.tokens.errors import InvalidToken
from civic.services.tokens.models import PersonalToken, Token
from civic.services.uow import UnitOfWork

ActingFor = Literal["user", "owner", "app"]
_USER = aliased(User, name="delegating_user")
_OWNER = aliased(User, name="app_owner")
# One statement, only the columns needed, built once and run on the session's
# connection without the ORM's per-call compilation: this runs on every API call.
# The unique index on access_token_hash finds the row; the joins are by primary key.
_CHECK = (
    sa.select(
        Token.id,
        Token.scope,
        Token.grant_type,
        Token.expires_at,
        Token.revoked_at,
        App.id.label("app_id"),
        App.client_id,
        App.client_name,
        App.actor_type,
        App.plan,
        App.status,
        App.deleted_at,
        _USER.id.label("user_id"),
        _USER.role.label("user_role"),
        _USER.is_active.label("user_active"),
        _OWNER.id.label("owner_id"),
        _OWNER.role.label("owner_role"),
        _OWNER.is_active.label("owner_active"),
    )
    .join(App, App.id == Token.app_id)
    .outerjoin(_USER, _USER.id == Token.user_id)
    .outerjoin(_OWNER, _OWNER.id == App.owner_id)
    .where(Token.access_token_hash == sa.bindparam("digest"))
)
_HOLDER = aliased(User, name="token_holder")
_CHECK_PERSONAL = (
    sa.select(
        PersonalToken.id,
        PersonalToken.scope,
        PersonalToken.expires_at,
        PersonalToken.revoked_at,
        PersonalToken.last_used_at,
        PersonalToken.user_id,
        App.id.label("app_id"),
        App.client_id,
        App.client_name,
        App.actor_type,
        App.plan,
        App.status,
        App.deleted_at,
        App.owner_id,
        _HOLDER.role.label("user_role"),
        _HOLDER.is_active.label("user_active"),
    )
    .join(App, App.id == PersonalToken.app_id)
    .join(_HOLDER, _HOLDER.id == PersonalToken.user_id)
    .where(PersonalToken.token_hash == sa.bindparam("digest"))
)
# Only when the last use is older than a minute, and only once if workers race.
_TOUCH = (
    sa.update(PersonalToken)
    .where(
        PersonalToken.id == sa.bindparam("token_id"),
        sa.or_(
            PersonalToken.last_used_at.is_(None),
            PersonalToken.last_used_at <= sa.bindparam("cutoff"),
        ),
    )
    .values(last_used_at=sa.bindparam("used_at"))
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a valid access token."""

    token_id: uuid.UUID
    app_id: uuid.UUID
    client_id: str
    client_name: str
    actor_type: str
    plan: str | None
    grant_type: str
    scopes: frozenset[str]
    # The granted scopes within the rights of whoever the token acts for.
    effective_scopes: frozenset[str]
    # "user": a person delegated it; "owner": client credentials with the owner's
    # rights; "app": an app without owner acting for itself alone.
    acting_for: ActingFor
    # The person whose rights apply (the user, or the app's owner), if any.
    person_id: uuid.UUID | None
    person_role: Role | None
    expires_at: dt.datetime

    def may(self, scope: str) -> bool:
        """Whether the token may use ``scope`` (granted and within the actor's rights)."""
        return scope in self.effective_scopes

    @property
    def is_personal_token(self) -> bool:
        """Whether this is a personal API token (not an OAuth access token)."""
        return self.grant_type == personal.GRANT_TYPE


def check_access_token(uow: UnitOfWork, value: str, *, now: dt.datetime | None = None) -> Principal:
    """The principal of access token ``value``.

    ``value`` may also be a personal API token (see :func:`check_personal_token`).
    Raises :class:`InvalidToken` when the token is unknown, expired or revoked, when
    its app is suspended, refused or deleted, or when its person's account is disabled.
    """
    now = now or utcnow()
    if personal.is_personal_token(value):
        return check_personal_token(uow, value, now=now)
    row = uow.session.connection().execute(_CHECK, {"digest": credentials.digest(value)}).first()
    if row is None:
        raise InvalidToken("the access token is not known")
    _refuse_unusable(row, now, "access token", "the access token has expired")
    acting_for: ActingFor
    if row.user_id is not None:
        acting_for, person_id, role, active = "user", row.user_id, row.user_role, row.user_active
    elif row.owner_id is not None:
        acting_for, person_id, role, active = (
            "owner",
            row.owner_id,
            row.owner_role,
            row.owner_active,
        )
    else:
        acting_for, person_id, role, active = "app", None, None, True
    if not active:
        raise InvalidToken("the account this token acts for is disabled")
    return _principal(row, row.grant_type, acting_for, person_id, role)


def check_personal_token(
    uow: UnitOfWork, value: str, *, now: dt.datetime | None = None
) -> Principal:
    """The principal of personal API token ``value``: its holder, through its app.

    Its effective scopes are its scopes within the holder's rights now. Writes the
    last-used time when the last one is a minute old (on a read unit of work, whose
    connection is in autocommit, it is written at once). Raises :class:`InvalidToken`
    as :func:`check_access_token` does, and when the app is no longer its holder's.
    """
    now = now or utcnow()
    row = (
        uow.session.connection()
        .execute(_CHECK_PERSONAL, {"digest": credentials.digest(value)})
        .first()
    )
    if row is None:
        raise InvalidToken("the personal token is not known")
    _refuse_unusable(
        row, now, "personal token", "the personal token has expired; create a new one in the portal"
    )
    if not row.user_active:
        raise InvalidToken("the account this token acts for is disabled")
    if row.owner_id != row.user_id:
        raise InvalidToken("the app of this token no longer belongs to its holder")
    if personal.should_touch(row.last_used_at, now):
        uow.session.connection().execute(
            _TOUCH,
            {"token_id": row.id, "cutoff": now - personal.TOUCH_EVERY, "used_at": now},
        )
    return _principal(row, personal.GRANT_TYPE, "user", row.user_id, row.user_role)


def _refuse_unusable(row: sa.Row[Any], now: dt.datetime, kind: str, expired: str) -> None:
    """Raise :class:`InvalidToken` for a revoked or expired token, or a deleted or
    inactive app (both kinds of token alike)."""
    if row.revoked_at is not None:
        raise InvalidToken(f"the {kind} was revoked")
    if row.expires_at <= now:
        raise InvalidToken(expired)
    if row.deleted_at is not None:
        raise InvalidToken("the app of this token was deleted")
    if row.status is not AppStatus.ACTIVE:
        raise InvalidToken(
            f"the app's access is {row.status.value}; its owner can read why in the portal"
        )


def _principal(
    row: sa.Row[Any],
    grant_type: str,
    acting_for: ActingFor,
    person_id: uuid.UUID | None,
    role: Role | None,
) -> Principal:
    """The principal of a checked token's row (either kind): its scopes within ``role``."""
    scopes = frozenset(split_scope(row.scope))
    return Principal(
        token_id=row.id,
        app_id=row.app_id,
        client_id=row.client_id,
        client_name=row.client_name,
        actor_type=row.actor_type.value,
        plan=row.plan,
        grant_type=grant_type,
        scopes=scopes,
        effective_scopes=effective_scopes(scopes, role),
        acting_for=acting_for,
        person_id=person_id,
        person_role=role,
        expires_at=row.expires_at,
    )


@dataclass(frozen=True, slots=True)
class Identity:
    """What ``GET /api/v1/me`` tells a token's holder."""

    principal: Principal
    app: App
    person: User | None
    organizations: tuple[str, ...]

    @property
    def scope(self) -> str:
        """The granted scopes as a scope string."""
        return join_scope(self.principal.scopes)


def describe(uow: UnitOfWork, principal: Principal) -> Identity:
    """The app and person behind ``principal``, with the person's organizations."""
    app = uow.session.get(App, principal.app_id)
    if app is None:  # deleted between the check and now
        raise InvalidToken("the app of this token was deleted")
    person = uow.session.get(User, principal.person_id) if principal.person_id else None
    organizations = tuple(org.name for org in person.organizations) if person else ()
    return Identity(principal=principal, app=app, person=person, organizations=organizations)
