"""The whole unit of work in memory: every repository, commit and rollback, no database.

For unit tests of the domain's rules (tests/unit/domain). A :class:`MemoryStore`
plays the database: it outlives units of work, like committed rows. A
:class:`MemoryUnitOfWork` over it sees its own changes at once; :meth:`~MemoryUnitOfWork.commit`
keeps them, and :meth:`~MemoryUnitOfWork.rollback` or leaving the block without a
commit puts every stored object (its columns and relationships) and every table back
as they were at the last commit. What PostgreSQL would fill in is filled in on ``add``:
Python column defaults, ids, and the ``created``/``modified`` times (``updated`` on
``save``). It is held to the PostgreSQL adapters' behaviour by ``tests/uow_contract.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from civic.services.apps.models import AccessEvent, App
from civic.services.catalog.models import Dataset, Organization
from civic.services.clock import utcnow
from civic.services.identity.models import User
from civic.services.reuses.models import Reuse, ReuseModerationEvent
from civic.services.tokens.models import AuthorizationCode, PersonalToken, Token

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message added to the in-memory outbox."""

    id: int
    aggregate_type: str
    aggregate_id: uuid.UUID
    operation: str
    payload: dict[str, Any]


@dataclass
class MemoryStore:
    """What a database would hold: the stored objects by class, the outbox, the events."""

    tables: dict[type, list[Any]] = field(default_factory=dict)
    outbox: list[OutboxEntry] = field(default_factory=list)
    declared: list[Reuse] = field(default_factory=list)
    # (user id, organization id): who is a member of which organization.
    memberships: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def rows(self, cls: type[T]) -> list[T]:
        """The stored objects of ``cls`` (the list itself)."""
        return self.tables.setdefault(cls, [])

    def insert(self, obj: Any) -> None:
        """Store ``obj`` as a database would: defaults, id and times filled in."""
        _fill_defaults(obj, next(self._ids))
        self.rows(type(obj)).append(obj)

    def next_id(self) -> int:
        """A new number (outbox message ids)."""
        return next(self._ids)


def _fill_defaults(obj: Any, number: int) -> None:
    mapper = sa.inspect(type(obj))
    now = utcnow()
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if getattr(obj, prop.key) is not None:
            continue
        default = column.default
        if isinstance(default, ScalarElementColumnDefault):
            setattr(obj, prop.key, default.arg)
        elif isinstance(default, CallableColumnDefault):
            setattr(obj, prop.key, default.arg(None))  # type: ignore[arg-type]  # ignores it
        elif column.primary_key and isinstance(column.type, sa.Integer):
            setattr(obj, prop.key, number)
        elif column.primary_key and isinstance(column.type, sa.Uuid):
            setattr(obj, prop.key, uuid.uuid4())
        elif column.server_default is not None and isinstance(column.type, sa.DateTime):
            setattr(obj, prop.key, now)


def _touch(obj: Any) -> None:
    # What `onupdate` does at an UPDATE: `updated`/`modified` become now.
    mapper = sa.inspect(type(obj))
    for prop in mapper.column_attrs:
        if prop.columns[0].onupdate is not None:
            setattr(obj, prop.key, utcnow())


class _Table:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store


class MemoryDatasets(_Table):
    """:class:`~civic.services.catalog.ports.DatasetRepository` in memory."""

    def live(self, name: str) -> Dataset | None:
        return next(
            (d for d in self._store.rows(Dataset) if d.name == name and d.deleted_at is None),
            None,
        )

    def live_named(self, names: Sequence[str]) -> list[Dataset]:
        wanted = set(names)
        return [d for d in self._store.rows(Dataset) if d.name in wanted and d.deleted_at is None]

    def name_holders(self, name: str) -> tuple[bool, set[uuid.UUID]]:
        return self.live(name) is not None, self.withdrawn_owners(name)

    def withdrawn_owners(self, name: str) -> set[uuid.UUID]:
        return {
            d.organization.id
            for d in self._store.rows(Dataset)
            if d.name == name and d.deleted_at is not None
        }

    def add(self, dataset: Dataset) -> None:
        self._store.insert(dataset)
        dataset.organization_id = dataset.organization.id
        for position, resource in enumerate(dataset.resources):
            _fill_defaults(resource, position)

    def save(self, dataset: Dataset) -> None:
        dataset.organization_id = dataset.organization.id
        for position, resource in enumerate(dataset.resources):
            _fill_defaults(resource, position)


class MemoryOrganizations(_Table):
    """:class:`~civic.services.catalog.ports.OrganizationRepository` in memory."""

    def named(self, name: str) -> Organization | None:
        return next((o for o in self._store.rows(Organization) if o.name == name), None)

    def add(self, organization: Organization) -> None:
        self._store.insert(organization)

    def save(self, organization: Organization) -> None:
        """Nothing to write: the object is the stored one."""

    def names_with_member(self, user_id: uuid.UUID) -> frozenset[str]:
        ids = {org for user, org in self._store.memberships if user == user_id}
        return frozenset(o.name for o in self._store.rows(Organization) if o.id in ids)

    def has_member(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        return (user_id, organization_id) in self._store.memberships


class MemoryReuses(_Table):
    """:class:`~civic.services.reuses.ports.ReuseRepository` in memory."""

    def get(self, reuse_id: uuid.UUID) -> Reuse | None:
        return next((r for r in self._store.rows(Reuse) if r.id == reuse_id), None)

    def by_canonical_url(self, canonical_url: str) -> Reuse | None:
        return next((r for r in self._store.rows(Reuse) if r.canonical_url == canonical_url), None)

    def add(self, reuse: Reuse) -> None:
        self._store.insert(reuse)

    def save(self, reuse: Reuse) -> None:
        _touch(reuse)

    def add_moderation(self, event: ReuseModerationEvent) -> None:
        self._store.insert(event)

    def moderations(self, reuse_id: uuid.UUID) -> list[ReuseModerationEvent]:
        events = [e for e in self._store.rows(ReuseModerationEvent) if e.reuse_id == reuse_id]
        return sorted(events, key=lambda e: (e.created, e.id))


class MemoryApps(_Table):
    """:class:`~civic.services.apps.ports.AppRepository` in memory."""

    def by_id(self, app_id: uuid.UUID) -> App | None:
        return next((a for a in self._store.rows(App) if a.id == app_id), None)

    def by_client_id(self, client_id: str, *, lock: bool = False) -> App | None:
        return next(
            (a for a in self._store.rows(App) if a.client_id == client_id and a.deleted_at is None),
            None,
        )

    def add(self, app: App) -> None:
        self._store.insert(app)

    def person(self, user_id: uuid.UUID) -> User | None:
        return next((u for u in self._store.rows(User) if u.id == user_id), None)

    def save(self, app: App) -> None:
        """Nothing to write: the object is the stored one."""

    def add_access_event(self, event: AccessEvent) -> None:
        self._store.insert(event)

    def revoke_tokens(self, app_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        return _revoke([t for t in self._store.rows(Token) if t.app_id == app_id], reason, now)


class MemoryTokens(_Table):
    """:class:`~civic.services.tokens.ports.TokenRepository` in memory."""

    def add_code(self, code: AuthorizationCode) -> None:
        self._store.insert(code)

    def code_by_digest(self, digest: str, *, lock: bool = False) -> AuthorizationCode | None:
        codes = self._store.rows(AuthorizationCode)
        return next((c for c in codes if c.code_hash == digest), None)

    def by_access_digest(self, digest: str) -> Token | None:
        tokens = self._store.rows(Token)
        return next((t for t in tokens if t.access_token_hash == digest), None)

    def by_refresh_digest(self, digest: str, *, lock: bool = False) -> Token | None:
        tokens = self._store.rows(Token)
        return next((t for t in tokens if t.refresh_token_hash == digest), None)

    def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: dt.datetime) -> int:
        family = [t for t in self._store.rows(Token) if t.family_id == family_id]
        return _revoke(family, reason, now)

    def personal(self, token_id: uuid.UUID) -> PersonalToken | None:
        return next((t for t in self._store.rows(PersonalToken) if t.id == token_id), None)

    def save(self, token: Token | PersonalToken | AuthorizationCode) -> None:
        """Nothing to write: the object is the stored one."""


def _revoke(tokens: list[Token], reason: str, now: dt.datetime) -> int:
    live = [token for token in tokens if token.revoked_at is None]
    for token in live:
        token.revoked_at = now
        token.revoked_reason = reason
    return len(live)


class MemoryOutbox(_Table):
    """:class:`~civic.services.outbox.ports.Outbox` in memory (``store.outbox``)."""

    held = 0.0  # what hold() asked for last (nothing waits in memory)

    def hold(self, seconds: float) -> None:
        self.held = seconds

    def add(
        self,
        aggregate_type: str,
        aggregate_id: uuid.UUID,
        operation: str,
        payload: dict[str, Any] | None = None,
    ) -> int:
        entry = OutboxEntry(
            self._store.next_id(), aggregate_type, aggregate_id, operation, payload or {}
        )
        self._store.outbox.append(entry)
        return entry.id


class MemoryReuseEvents(_Table):
    """:class:`~civic.services.reuses.ports.ReuseEvents` in memory (``store.declared``)."""

    def reuse_declared(self, reuse: Reuse) -> None:
        self._store.declared.append(reuse)


@dataclass
class _Snapshot:
    tables: dict[type, list[Any]]
    outbox: list[OutboxEntry]
    declared: list[Reuse]
    memberships: set[tuple[uuid.UUID, uuid.UUID]]
    states: list[tuple[Any, dict[str, Any]]]


def _state(obj: Any) -> dict[str, Any]:
    mapper = sa.inspect(type(obj))
    state: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        state[prop.key] = getattr(obj, prop.key)
    for relationship in mapper.relationships:
        value = getattr(obj, relationship.key)  # a transient object never loads
        state[relationship.key] = list(value) if relationship.uselist else value
    return state


class MemoryUnitOfWork:
    """The unit of work in memory: the repositories over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()
        self.datasets = MemoryDatasets(self.store)
        self.organizations = MemoryOrganizations(self.store)
        self.reuses = MemoryReuses(self.store)
        self.apps = MemoryApps(self.store)
        self.tokens = MemoryTokens(self.store)
        self.outbox = MemoryOutbox(self.store)
        self.notifications = MemoryReuseEvents(self.store)
        self.committed = 0
        self._snapshot: _Snapshot | None = None

    def __enter__(self) -> Self:
        if self._snapshot is not None:
            raise RuntimeError("this unit of work is already in use")
        self._snapshot = self._take()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._snapshot = None

    def commit(self) -> None:
        """Keep the work done so far. Raises :class:`RuntimeError` outside a block."""
        self._require_active()
        self._snapshot = self._take()
        self.committed += 1

    def rollback(self) -> None:
        """Put everything back as it was at the last commit (or the block's start)."""
        snapshot = self._require_active()
        self.store.tables = {cls: list(rows) for cls, rows in snapshot.tables.items()}
        self.store.outbox = list(snapshot.outbox)
        self.store.declared = list(snapshot.declared)
        self.store.memberships = set(snapshot.memberships)
        for obj, state in snapshot.states:
            for key, value in state.items():
                setattr(obj, key, list(value) if isinstance(value, list) else value)

    def seed(self, *objects: Any) -> None:
        """Store ``objects`` as committed rows (test set-up: tokens, people's apps...)."""
        for obj in objects:
            self.store.insert(obj)
        if self._snapshot is not None:
            self._snapshot = self._take()

    def _take(self) -> _Snapshot:
        tables = {cls: list(rows) for cls, rows in self.store.tables.items()}
        states = [(obj, _state(obj)) for rows in tables.values() for obj in rows]
        return _Snapshot(
            tables,
            list(self.store.outbox),
            list(self.store.declared),
            set(self.store.memberships),
            states,
        )

    def _require_active(self) -> _Snapshot:
        if self._snapshot is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._snapshot
