"""Who a bearer token is: the app, the person it acts for, and what it may do.

Checked on every API call, so one indexed query (token, app, user and the app's
owner joined) and no cache: a suspended app or a revoked token stops at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from civic.services.apps.models import App
from civic.services.identity.accounts import utcnow
from civic.services.identity.models import Role, User
from civic.services.identity.rights import effective_scopes, join_scope, split_scope
from civic.services.tokens import credentials
from civic.services.tokens.errors import InvalidToken
from civic.services.tokens.models import Token
from civic.services.uow import UnitOfWork

ActingFor = Literal["user", "owner", "app"]


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


def check_access_token(uow: UnitOfWork, value: str, *, now: dt.datetime | None = None) -> Principal:
    """The principal of access token ``value``.

    Raises :class:`InvalidToken` when the token is unknown, expired or revoked, when
    its app is suspended, refused or deleted, or when its person's account is disabled.
    """
    now = now or utcnow()
    token = uow.session.scalar(
        sa.select(Token).where(Token.access_token_hash == credentials.digest(value))
    )
    if token is None:
        raise InvalidToken("the access token is not known")
    if token.revoked_at is not None:
        raise InvalidToken("the access token was revoked")
    if token.expires_at <= now:
        raise InvalidToken("the access token has expired")
    app = token.app
    if app.deleted_at is not None:
        raise InvalidToken("the app of this token was deleted")
    if not app.is_active:
        raise InvalidToken(
            f"the app's access is {app.status.value}; its owner can read why in the portal"
        )
    acting_for, person = _acting_for(token, app)
    if person is not None and not person.is_active:
        raise InvalidToken("the account this token acts for is disabled")
    scopes = frozenset(split_scope(token.scope))
    role = person.role if person else None
    return Principal(
        token_id=token.id,
        app_id=app.id,
        client_id=app.client_id,
        client_name=app.client_name,
        actor_type=app.actor_type.value,
        plan=app.plan,
        grant_type=token.grant_type,
        scopes=scopes,
        effective_scopes=effective_scopes(scopes, role),
        acting_for=acting_for,
        person_id=person.id if person else None,
        person_role=role,
        expires_at=token.expires_at,
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


def _acting_for(token: Token, app: App) -> tuple[ActingFor, User | None]:
    if token.user is not None:
        return "user", token.user
    if app.owner is not None:
        return "owner", app.owner
    return "app", None
