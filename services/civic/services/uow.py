"""Unit of work: one transaction per request or command.

Services receive a unit of work and use its session; they never commit. The caller
(a view, a CLI command, the worker) decides: ``uow.commit()`` at the end of the
operation, and anything not committed is rolled back when the block exits.

    with bootstrap.unit_of_work() as uow:
        dataset = publish_dataset(uow, ...)
        uow.commit()
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork(Protocol):
    """What services may ask of a unit of work."""

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


class SqlAlchemyUnitOfWork:
    """A unit of work over one SQLAlchemy session from ``session_factory``."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._active = False

    def __enter__(self) -> Self:
        if self._active:
            # Nesting would share a transaction that the inner block believes it owns.
            raise RuntimeError("this unit of work is already in use")
        self.session = self._session_factory()
        self._active = True
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


class ReadUnitOfWork:
    """A unit of work for reads only, on a connection in autocommit mode.

    For hot paths that read one consistent row (the bearer-token check of every API
    call): no ``BEGIN``/``ROLLBACK`` round trips around the statement. Nothing can be
    committed; a write through it is refused by :meth:`commit`.
    """

    session: Session

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use")
        self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.session = Session(bind=self._connection, expire_on_commit=False, autoflush=False)
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

    def commit(self) -> None:
        """Refused: raises :class:`RuntimeError` (this unit of work only reads)."""
        raise RuntimeError("a read unit of work cannot commit")

    def rollback(self) -> None:
        """Nothing to roll back."""
