"""Where pre-registrations of the pathway set are kept (``pathway_registrations``).

A row is a frozen pathway set: its full validated content, its version (the content
hash reports name), when and by whom, and a note. Rows are never updated or deleted:
a new registration supersedes the older ones for the periods starting after it (see
:mod:`civic.services.evaluation.preregistration`). Named apart from the search cache's
``CatalogVersion``. Services take a unit of work and never commit; the caller does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.services.clock import utcnow
from civic.services.db import Base
from civic.services.evaluation.pathways import PathwaySet
from civic.services.evaluation.preregistration import Registration
from civic.services.uow import UnitOfWork

MAX_NOTE = 2000


class PathwayRegistration(Base):
    """One frozen pathway set."""

    __tablename__ = "pathway_registrations"
    __table_args__ = (sa.Index("ix_pathway_registrations_registered_at", "registered_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    registered_at: Mapped[dt.datetime] = mapped_column()
    # The account's address as it was then, or "operator (command line)".
    registered_by: Mapped[str] = mapped_column(sa.String(320))
    version: Mapped[str] = mapped_column(sa.String(80))
    content: Mapped[dict[str, Any]] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


def register(
    uow: UnitOfWork,
    pathway_set: PathwaySet,
    registered_by: str,
    *,
    note: str = "",
    now: dt.datetime | None = None,
) -> Registration:
    """Freeze ``pathway_set`` now (or at ``now``). Raises ValueError for a note over
    :data:`MAX_NOTE` characters."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValueError(f"a note has at most {MAX_NOTE} characters")
    row = PathwayRegistration(
        registered_at=now or utcnow(),
        registered_by=registered_by,
        version=pathway_set.version,
        content=pathway_set.model_dump(mode="json", exclude={"version"}),
        note=note,
    )
    uow.session.add(row)
    uow.session.flush()
    return _record(row)


def registrations(uow: UnitOfWork) -> list[Registration]:
    """Every registration, oldest first."""
    rows = uow.session.scalars(
        sa.select(PathwayRegistration).order_by(
            PathwayRegistration.registered_at, PathwayRegistration.id
        )
    )
    return [_record(row) for row in rows]


def _record(row: PathwayRegistration) -> Registration:
    return Registration(
        id=row.id,
        registered_at=row.registered_at,
        registered_by=row.registered_by,
        version=row.version,
        content=row.content,
        note=row.note,
    )
