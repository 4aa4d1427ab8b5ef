"""Unit of work: one transaction per request or command.

Services receive a unit of work and use its session; they never commit. The caller
(a view, a CLI command, the worker) decides: ``uow.commit()`` at the end of the
operation, and anything not committed is rolled back when the block exits.

    with bootstrap.unit_of_work() as uow:
        dataset = publish_dataset(uow, ...)
        uow.commit()

Repositories (issue 15). Besides ``uow.session`` (for the code that still writes
through it), a unit of work exposes the domain's repositories: ``uow.datasets``,
``uow.organizations``, ``uow.reuses``, ``uow.apps``, ``uow.tokens``, and the ports
``uow.outbox`` and ``uow.notifications``. Each domain declares the narrow Protocol
its rules need in its own ``ports`` module (:class:`~civic.services.catalog.ports.CatalogWork`,
:class:`~civic.services.reuses.ports.ReuseWork`, :class:`~civic.services.apps.ports.AppWork`,
:class:`~civic.services.tokens.ports.TokenWork`), and those rules run unchanged on
the in-memory unit of work (:mod:`civic.services.repositories.memory`). This module
names no domain type, so that no service package imports another in a cycle: the
PostgreSQL repositories are built by :func:`civic.services.repositories.sql.repositories`,
which :class:`~civic.services.bootstrap.Bootstrap` hands to the units of work it makes.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


class Repositories(Protocol):
    """The repositories and ports of a unit of work.

    Typed ``Any`` here only: the precise types are each domain's ``ports`` Protocols,
    which the services that use them declare.
    """

    @property
    def datasets(self) -> Any: ...

    @property
    def organizations(self) -> Any: ...

    @property
    def reuses(self) -> Any: ...

    @property
    def apps(self) -> Any: ...

    @property
    def tokens(self) -> Any: ...

    @property
    def outbox(self) -> Any: ...

    @property
    def notifications(self) -> Any: ...


# Builds the PostgreSQL repositories over an open unit of work (its session).
RepositoryFactory = Callable[["UnitOfWork"], Repositories]


class UnitOfWork(Repositories, Protocol):
    """What services may ask of a unit of work: its session and its repositories."""

    session: Session

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make the work done so far durable."""
        ...

    def rollback(self) -> None:
        """Discard the work done since the last commit."""
        ...


class _Port:
    """A repository of a unit of work, found under the attribute's name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, uow: _WithRepositories, owner: type | None = None) -> Any:
        return uow._repository(self._name)


class _WithRepositories:
    """The repositories of a unit of work over a session, built when it opens."""

    session: Session
    _repository_factory: RepositoryFactory | None
    _repositories: Repositories | None = None

    def _open_repositories(self) -> None:
        factory = self._repository_factory
        self._repositories = factory(self) if factory is not None else None  # type: ignore[arg-type]

    def _repository(self, name: str) -> Any:
        if self._repositories is None:
            raise RuntimeError(
                f"uow.{name}: this unit of work has no repositories (use it inside a `with` "
                "block, from Bootstrap.unit_of_work or given repositories.sql.repositories)"
            )
        return getattr(self._repositories, name)

    # Each one documented by its domain's Protocol: catalog.ports (datasets,
    # organizations), reuses.ports (reuses, notifications), apps.ports, tokens.ports,
    # outbox.ports.
    datasets = _Port()
    organizations = _Port()
    reuses = _Port()
    apps = _Port()
    tokens = _Port()
    outbox = _Port()
    notifications = _Port()


class SqlAlchemyUnitOfWork(_WithRepositories):
    """A unit of work over one SQLAlchemy session from ``session_factory``.

    ``repositories`` builds its repositories over the session when a block opens
    (:func:`civic.services.repositories.sql.repositories`); without it, only
    ``session`` is there.
    """

    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        repositories: RepositoryFactory | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._repository_factory = repositories
        self._active = False

    def __enter__(self) -> Self:
        if self._active:
            # Nesting would share a transaction that the inner block believes it owns.
            raise RuntimeError("this unit of work is already in use")
        self.session = self._session_factory()
        self._active = True
        self._open_repositories()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Rolling back after a commit is a no-op; without a commit it discards the
        # work, so a forgotten commit loses data loudly in tests, never half-writes.
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self._active = False
            self._repositories = None

    def commit(self) -> None:
        """Commit the session's transaction.

        Raises :class:`RuntimeError` outside a ``with`` block and the database's
        :class:`sqlalchemy.exc.SQLAlchemyError` (e.g. ``IntegrityError``) when the
        commit fails; the transaction is then rolled back on exit.
        """
        self._require_active()
        self.session.commit()

    def rollback(self) -> None:
        """Roll the session's transaction back. Raises :class:`RuntimeError` outside a block."""
        self._require_active()
        self.session.rollback()

    def _require_active(self) -> None:
        if not self._active:
            raise RuntimeError("use the unit of work inside a `with` block")


class ReadUnitOfWork(_WithRepositories):
    """A unit of work for reads only, on a connection in autocommit mode.

    For hot paths that read one consistent row (the bearer-token check of every API
    call): no ``BEGIN``/``ROLLBACK`` round trips around the statement. Nothing can be
    committed; a write through it is refused by :meth:`commit`.
    """

    session: Session

    def __init__(self, engine: Engine, repositories: RepositoryFactory | None = None) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._repository_factory = repositories

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use")
        self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.session = Session(bind=self._connection, expire_on_commit=False, autoflush=False)
        self._open_repositories()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.close()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            self._repositories = None

    def commit(self) -> None:
        """Refused: raises :class:`RuntimeError` (this unit of work only reads)."""
        raise RuntimeError("a read unit of work cannot commit")

    def rollback(self) -> None:
        """Nothing to roll back."""
