"""The repositories over a SQLAlchemy session (PostgreSQL in production).

:func:`repositories` is the factory :class:`~civic.services.uow.SqlAlchemyUnitOfWork`
calls when a block opens; every repository shares the unit of work's session, so
everything commits together or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from civic.services.apps.models import AccessEvent, App
from civic.services.catalog.models import Dataset, Organization
from civic.services.identity.models import User, memberships
from civic.services.notifications import events
from civic.services.outbox.messages import CHANNEL, enqueue
from civic.services.outbox.models import OutboxMessage
from civic.services.reuses.models import Reuse, ReuseModerationEvent
from civic.services.tokens.models import AuthorizationCode, PersonalToken, Token
from civic.services.uow import UnitOfWork

# Built once: who holds a name (publishing a new dataset asks it every time).
_NAME_HOLDERS = sa.select(Dataset.organization_id, Dataset.deleted_at.is_(None)).where(
    Dataset.name == sa.bindparam("name")
)


class SqlDatasets:
    """:class:`~civic.services.catalog.ports.DatasetRepository` over a session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def live(self, name: str) -> Dataset | None:
        return self._session.scalar(
            sa.select(Dataset)
            .where(Dataset.name == name, Dataset.deleted_at.is_(None))
            .options(selectinload(Dataset.resources), selectinload(Dataset.organization))
        )

    def live_named(self, names: Sequence[str]) -> list[Dataset]:
        return list(
            self._session.scalars(
                sa.select(Dataset).where(Dataset.name.in_(names), Dataset.deleted_at.is_(None))
            )
        )

    def withdrawn_owners(self, name: str) -> set[uuid.UUID]:
        return set(
            self._session.scalars(
                sa.select(Dataset.organization_id)
                .where(Dataset.name == name, Dataset.deleted_at.is_not(None))
                .distinct()
            )
        )

    def name_holders(self, name: str) -> tuple[bool, set[uuid.UUID]]:
        rows = self._session.execute(_NAME_HOLDERS, {"name": name}).all()
        return any(live for _, live in rows), {owner for owner, live in rows if not live}

    def add(self, dataset: Dataset) -> None:
        self._session.add(dataset)
        self._session.flush()

    def save(self, dataset: Dataset) -> None:
        self._session.flush()


class SqlOrganizations:
    """:class:`~civic.services.catalog.ports.OrganizationRepository` over a session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def named(self, name: str) -> Organization | None:
        return self._session.scalar(sa.select(Organization).where(Organization.name == name))

    def add(self, organization: Organization) -> None:
        self._session.add(organization)
        self._session.flush()

    def save(self, organization: Organization) -> None:
        self._session.flush()

    def names_with_member(self, user_id: uuid.UUID) -> frozenset[str]:
        return frozenset(
            self._session.scalars(
                sa.select(Organization.name)
                .join(memberships, memberships.c.organization_id == Organization.id)
                .where(memberships.c.user_id == user_id)
            )
        )

    def has_member(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = self._session.scalar(
            sa.select(sa.func.count())
            .select_from(memberships)
            .where(
                memberships.c.user_id == user_id,
                memberships.c.organization_id == organization_id,
            )
        )
        return (found or 0) > 0


class SqlReuses:
    """:class:`~civic.services.reuses.ports.ReuseRepository` over a session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, reuse_id: uuid.UUID) -> Reuse | None:
        return self._session.get(Reuse, reuse_id)

    def by_canonical_url(self, canonical_url: str) -> Reuse | None:
        return self._session.scalar(sa.select(Reuse).where(Reuse.canonical_url == canonical_url))

    def add(self, reuse: Reuse) -> None:
        self._session.add(reuse)
        self._session.flush()
        self._session.refresh(reuse, ["created", "updated"])

    def save(self, reuse: Reuse) -> None:
        self._session.flush()
        self._session.refresh(reuse, ["updated"])

    def add_moderation(self, event: ReuseModerationEvent) -> None:
        self._session.add(event)
        self._session.flush()

    def moderations(self, reuse_id: uuid.UUID) -> list[ReuseModerationEvent]:
        return list(
            self._session.scalars(
                sa.select(ReuseModerationEvent)
                .where(ReuseModerationEvent.reuse_id == reuse_id)
                .order_by(ReuseModerationEvent.created, ReuseModerationEvent.id)
            )
        )


class SqlApps:
    """:class:`~civic.services.apps.ports.AppRepository` over a session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_id(self, app_id: uuid.UUID) -> App | None:
        return self._session.get(App, app_id)

    def by_client_id(self, client_id: str, *, lock: bool = False) -> App | None:
        query = sa.select(App).where(App.client_id == client_id, App.deleted_at.is_(None))
        if lock:
            query = query.with_for_update(of=App)
        return self._session.scalar(query)

    def add(self, app: App) -> None:
        self._session.add(app)
        self._session.flush()

    def person(self, user_id: uuid.UUID) -> User | None:
        return self._session.get(User, user_id)

    def save(self, app: App) -> None:
        self._session.flush()

    def add_access_event(self, event: AccessEvent) -> None:
        self._session.add(event)
        self._session.flush()

    def revoke_tokens(self, app_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        return _revoke(self._session, Token.app_id == app_id, reason, now)


class SqlTokens:
    """:class:`~civic.services.tokens.ports.TokenRepository` over a session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_code(self, code: AuthorizationCode) -> None:
        self._session.add(code)
        self._session.flush()

    def code_by_digest(self, digest: str, *, lock: bool = False) -> AuthorizationCode | None:
        query = sa.select(AuthorizationCode).where(AuthorizationCode.code_hash == digest)
        return self._session.scalar(query.with_for_update() if lock else query)

    def by_access_digest(self, digest: str) -> Token | None:
        return self._session.scalar(sa.select(Token).where(Token.access_token_hash == digest))

    def by_refresh_digest(self, digest: str, *, lock: bool = False) -> Token | None:
        query = sa.select(Token).where(Token.refresh_token_hash == digest)
        return self._session.scalar(query.with_for_update(of=Token) if lock else query)

    def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        return _revoke(self._session, Token.family_id == family_id, reason, now)

    def personal(self, token_id: uuid.UUID) -> PersonalToken | None:
        return self._session.get(PersonalToken, token_id)

    def save(self, token: Token | PersonalToken | AuthorizationCode) -> None:
        self._session.flush()


def _revoke(session: Session, which: sa.ColumnElement[bool], reason: str, now: dt.datetime) -> int:
    # The tokens chosen by `which` not yet revoked; the session's copies follow.
    result = session.execute(
        sa.update(Token)
        .where(which, Token.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# Built once: a message added in one statement, with the NOTIFY that wakes the workers
# at commit, or held for the caller who delivers it itself (no NOTIFY: nothing is due).
_MESSAGE = {
    "aggregate_type": sa.bindparam("aggregate_type"),
    "aggregate_id": sa.bindparam("aggregate_id"),
    "operation": sa.bindparam("operation"),
    "payload": sa.bindparam("payload", type_=OutboxMessage.__table__.c.payload.type),
}
_ADDED = (
    sa.insert(OutboxMessage)
    .values(**_MESSAGE)
    .returning(OutboxMessage.id, OutboxMessage.aggregate_type)
    .cte("added")
)
_ADD_AND_NOTIFY = sa.select(_ADDED.c.id, sa.func.pg_notify(CHANNEL, _ADDED.c.aggregate_type))
_ADD_HELD = (
    sa.insert(OutboxMessage)
    .values(
        **_MESSAGE,
        available_at=sa.func.now() + sa.bindparam("hold", type_=sa.Interval()),
    )
    .returning(OutboxMessage.id)
)


class SqlOutbox:
    """:class:`~civic.services.outbox.ports.Outbox`: rows of ``outbox``."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._hold = 0.0

    def hold(self, seconds: float) -> None:
        self._hold = max(0.0, seconds)

    def add(
        self,
        aggregate_type: str,
        aggregate_id: uuid.UUID,
        operation: str,
        payload: dict[str, Any] | None = None,
    ) -> int:
        session = self._uow.session
        if session.get_bind().dialect.name != "postgresql":
            return enqueue(self._uow, aggregate_type, aggregate_id, operation, payload).id
        values: dict[str, Any] = {
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "operation": operation,
            "payload": payload or {},
        }
        if self._hold > 0:
            values["hold"] = dt.timedelta(seconds=self._hold)
            return int(session.execute(_ADD_HELD, values).scalar_one())
        return int(session.execute(_ADD_AND_NOTIFY, values).scalar_one())


class SqlReuseEvents:
    """:class:`~civic.services.reuses.ports.ReuseEvents`: pending webhook deliveries."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def reuse_declared(self, reuse: Reuse) -> None:
        events.reuse_declared(self._uow, reuse)


@dataclass(frozen=True, slots=True)
class SqlRepositories:
    """Every repository of one unit of work, over its session."""

    datasets: SqlDatasets
    organizations: SqlOrganizations
    reuses: SqlReuses
    apps: SqlApps
    tokens: SqlTokens
    outbox: SqlOutbox
    notifications: SqlReuseEvents


def repositories(uow: UnitOfWork) -> SqlRepositories:
    """The repositories over ``uow``'s session (the factory units of work are given)."""
    session = uow.session
    return SqlRepositories(
        datasets=SqlDatasets(session),
        organizations=SqlOrganizations(session),
        reuses=SqlReuses(session),
        apps=SqlApps(session),
        tokens=SqlTokens(session),
        outbox=SqlOutbox(uow),
        notifications=SqlReuseEvents(uow),
    )
