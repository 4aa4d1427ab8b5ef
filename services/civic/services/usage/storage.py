"""Storing events in PostgreSQL: ``COPY`` into a temporary table, then one insert.

``COPY`` is PostgreSQL's fastest way in; it cannot skip duplicates by itself, so
rows go first to a temporary table of the connection and then, in the same
transaction, into ``usage_events`` with ``ON CONFLICT (occurred_at, id) DO NOTHING``: a batch
retried after a failure (or a log imported twice) is stored once. The same insert
resolves dataset names to the mirror's live datasets, and imported CKAN resource
ids to the mirror's resources, so the request path never looks anything up.

``usage_events`` is partitioned by month (:mod:`civic.services.usage.partitions`):
before a batch is written, the partitions of its first and last events' months are
made if this process has not seen them yet (a dictionary lookup otherwise). An event
whose month has no partition still lands, in the default partition. The key is
``(occurred_at, id)``: an event's id is made together with its time (the gateway
draws it when it answers; an import derives it from the log line, which holds the
time), so a replayed event carries both again and is stored once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from civic.services.usage.combined_log import ROW_COLUMNS
from civic.services.usage.events import COLUMNS, Event
from civic.services.usage.partitions import ensure_span

INCOMING = "usage_events_incoming"

CREATE_INCOMING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING} (
    id uuid,
    occurred_at timestamptz,
    kind text,
    source text,
    status smallint,
    request_id text,
    app_id uuid,
    actor_type text,
    user_id uuid,
    method text,
    route text,
    dataset_id uuid,
    dataset_name text,
    resource_id uuid,
    duration_ms real,
    bytes bigint,
    ip_hash text,
    resource_ckan_id text
) ON COMMIT DELETE ROWS
"""

COPY_INCOMING = f"COPY {INCOMING} ({', '.join(COLUMNS)}) FROM STDIN"

# The mirror's resources carry CKAN's id in ckan_id; names resolve among live datasets.
INSERT_EVENTS = f"""
INSERT INTO usage_events (
    id, occurred_at, kind, source, status, request_id, app_id, actor_type, user_id,
    method, route, dataset_id, dataset_name, resource_id, duration_ms, bytes, ip_hash
)
SELECT i.id, i.occurred_at, i.kind::usage_kind, i.source::usage_source, i.status,
       i.request_id, i.app_id, i.actor_type::actor_type, i.user_id, i.method, i.route,
       COALESCE(i.dataset_id, d.id), i.dataset_name, COALESCE(i.resource_id, r.id),
       i.duration_ms, i.bytes, i.ip_hash
FROM {INCOMING} AS i
LEFT JOIN datasets AS d
       ON i.dataset_id IS NULL AND d.name = i.dataset_name AND d.deleted_at IS NULL
LEFT JOIN resources AS r
       ON i.resource_id IS NULL AND i.resource_ckan_id IS NOT NULL
      AND r.ckan_id = i.resource_ckan_id
ON CONFLICT (occurred_at, id) DO NOTHING
"""  # noqa: S608 - constants of this package only; values are bound


class CopySink:
    """An :class:`~civic.services.usage.writer.EventSink` on PostgreSQL (``COPY`` + insert)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, events: Sequence[Event]) -> int:
        """Store ``events`` in one transaction; the number inserted (not duplicates)."""
        if not events:
            return 0
        return write_rows(self.engine, events)


def write_rows(engine: Engine, rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (in :data:`COLUMNS` order) and insert the new ones; one transaction."""
    if isinstance(rows, Sequence) and rows:
        ensure_span(engine, rows[0][1], rows[-1][1])
    with engine.begin() as connection:
        raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        with raw.cursor() as cursor:
            # The temporary table lives as long as the pooled connection; "if not
            # exists" also recreates it after a rolled-back first attempt.
            cursor.execute(CREATE_INCOMING)
            with cursor.copy(COPY_INCOMING) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(INSERT_EVENTS)
            return max(cursor.rowcount, 0)


class LazyCopySink:
    """A :class:`CopySink` on an engine obtained at the first write (never at startup).

    Events need PostgreSQL (``COPY``, transaction ids); on another database (the
    unit tests' SQLite) they are counted and discarded, so an app built for unit
    tests runs its tracking hook without a server behind it.
    """

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine
        self.discarded = 0

    def write(self, events: Sequence[Event]) -> int:
        """Store ``events``; see :meth:`CopySink.write`."""
        engine = self._engine()
        if engine.dialect.name != "postgresql":
            self.discarded += len(events)
            return 0
        return write_rows(engine, events) if events else 0


# Imports: most events of a log are new, so each batch of rows (COPY text made by
# civic.services.usage.combined_log.LogMapper) is first copied straight into
# usage_events: no temporary table, no per-row conflict check. If any of its events
# is already stored (the file, or part of it, was imported before), that COPY fails
# and the batch goes through a temporary table and ON CONFLICT DO NOTHING instead.
COPY_ROWS = f"COPY usage_events ({', '.join(ROW_COLUMNS)}) FROM STDIN"
INCOMING_ROWS = "usage_import_incoming"
CREATE_INCOMING_ROWS = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING_ROWS}"
    " (LIKE usage_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
COPY_INCOMING_ROWS = f"COPY {INCOMING_ROWS} ({', '.join(ROW_COLUMNS)}) FROM STDIN"
INSERT_INCOMING_ROWS = (
    f"INSERT INTO usage_events ({', '.join(ROW_COLUMNS)})"  # noqa: S608 - constants only
    f" SELECT {', '.join(ROW_COLUMNS)} FROM {INCOMING_ROWS}"
    " ON CONFLICT (occurred_at, id) DO NOTHING"
)


class ImportSink:
    """Stores rows of imported logs (see :func:`civic.services.usage.importing.import_log`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, rows: Sequence[str]) -> int:
        """Store the rows not stored yet; the number inserted. One transaction."""
        if not rows:
            return 0
        ensure_span(engine=self.engine, first=_row_time(rows[0]), last=_row_time(rows[-1]))
        try:
            return self._copy(rows, COPY_ROWS)
        except psycopg.errors.UniqueViolation:
            return self._copy(rows, COPY_INCOMING_ROWS, then=INSERT_INCOMING_ROWS)

    def known_datasets(self) -> dict[str, str]:
        """Live dataset names and their ids, to resolve the names of a log."""
        return self._pairs("SELECT name, id::text FROM datasets WHERE deleted_at IS NULL")

    def known_resources(self) -> dict[str, str]:
        """CKAN's resource ids and the mirror's, to resolve the downloads of a log."""
        return self._pairs("SELECT ckan_id, id::text FROM resources WHERE ckan_id IS NOT NULL")

    def _copy(self, rows: Sequence[str], copy_sql: str, *, then: str | None = None) -> int:
        with self.engine.begin() as connection:
            raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
            with raw.cursor() as cursor:
                if then is not None:
                    cursor.execute(CREATE_INCOMING_ROWS)
                with cursor.copy(copy_sql) as copy:
                    for start in range(0, len(rows), 5000):
                        copy.write("".join(rows[start : start + 5000]))
                if then is None:
                    return len(rows)
                cursor.execute(then)
                return max(cursor.rowcount, 0)

    def _pairs(self, sql: str) -> dict[str, str]:
        with self.engine.connect() as connection:
            raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
            with raw.cursor() as cursor:
                cursor.execute(sql)
                return {str(key): str(value) for key, value in cursor.fetchall()}


def _row_time(row: str) -> dt.datetime:
    """The time of a row of COPY text (its second column, in ISO format)."""
    return dt.datetime.fromisoformat(row.split("\t", 2)[1])
