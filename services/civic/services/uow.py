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
