"""Storing events in PostgreSQL: ``COPY`` into a temporary table, then one insert.

``COPY`` is PostgreSQL's fastest way in; it cannot skip duplicates by itself, so
rows go first to a temporary table of the connection and then, in the same
transaction, into ``usage_events`` with ``ON CONFLICT (id) DO NOTHING``: a batch
retried after a failure (or a log imported twice) is stored once. The same insert
resolves dataset names to the mirror's live datasets, and imported CKAN resource
ids to the mirror's resources, so the request path never looks anything up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from civic.services.usage.events import COLUMNS, Event

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
ON CONFLICT (id) DO NOTHING
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


# Imports: most events of a log are new. The ids of a batch are looked up first
# (by the primary key's index only: the table may have been empty when the planner
# last looked at it), names are resolved in Python, and the new rows are copied
# straight into usage_events as COPY text built here: an imported event's text
# fields need no escaping (see :mod:`civic.services.usage.combined_log`). A batch
# whose rows a concurrent import stored meanwhile makes the COPY fail; it then takes
# the temporary table and its ON CONFLICT DO NOTHING, like the gateway's batches.
_IMPORT = "import"
_NULL = "\\N"
EVENT_COLUMNS = COLUMNS[:-1]  # every column but resource_ckan_id, resolved here
COPY_EVENTS = f"COPY usage_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"


class ImportSink:
    """An :class:`~civic.services.usage.writer.EventSink` for events of imported logs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, events: Sequence[Event]) -> int:
        """Store the events not stored yet; the number inserted. One transaction.

        Events not made by :class:`~civic.services.usage.combined_log.LogMapper` take
        :func:`write_rows`, with its escaping.
        """
        if not events:
            return 0
        if any(event.source != _IMPORT or event.app_id is not None for event in events):
            return write_rows(self.engine, events)
        try:
            return self._copy_new(events)
        except psycopg.errors.UniqueViolation:
            return write_rows(self.engine, events)

    def _copy_new(self, events: Sequence[Event]) -> int:
        batch = {_hex(event.id): event for event in events}  # a line twice: stored once
        with self.engine.begin() as connection:
            raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
            with raw.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(
                    "SELECT id FROM usage_events WHERE id = ANY(%s::uuid[])", (list(batch),)
                )
                for (stored,) in cursor.fetchall():
                    batch.pop(stored.hex, None)
                if not batch:
                    return 0
                datasets = _lookup(
                    cursor,
                    "SELECT name, id FROM datasets WHERE name = ANY(%s) AND deleted_at IS NULL",
                    {event.dataset_name for event in batch.values() if event.dataset_name},
                )
                resources = _lookup(
                    cursor,
                    "SELECT ckan_id, id FROM resources WHERE ckan_id = ANY(%s)",
                    {event.resource_ckan_id for event in batch.values() if event.resource_ckan_id},
                )
                cursor.execute("SET LOCAL enable_seqscan = on")
                times: dict[Any, str] = {}
                lines = []
                for key, event in batch.items():
                    at = times.get(event.occurred_at)
                    if at is None:
                        at = times[event.occurred_at] = event.occurred_at.isoformat()
                    lines.append(
                        _import_line(
                            key,
                            event,
                            at,
                            datasets.get(event.dataset_name or ""),
                            resources.get(event.resource_ckan_id or ""),
                        )
                    )
                with cursor.copy(COPY_EVENTS) as copy:
                    for start in range(0, len(lines), 5000):
                        copy.write("".join(lines[start : start + 5000]))
                return len(lines)


def _import_line(key: str, event: Event, at: str, dataset_id: Any, resource_id: Any) -> str:
    """The ``COPY`` text line of an imported event (in :data:`EVENT_COLUMNS` order).

    No escaping: the log mapper only lets letters, digits, ``-`` and ``_`` into text
    fields; the others are our constants, numbers, ids and hex digests.
    """
    return (
        f"{key}\t{at}\t{event.kind}\t{event.source}\t{event.status}\t{_NULL}\t{_NULL}\t"
        f"{_NULL}\t{_NULL}\t{event.method}\t{event.route}\t{dataset_id or _NULL}\t"
        f"{event.dataset_name or _NULL}\t{resource_id or _NULL}\t{_NULL}\t"
        f"{_NULL if event.bytes is None else event.bytes}\t{event.ip_hash or _NULL}\n"
    )


def _hex(value: object) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "").lower()


def _lookup(cursor: psycopg.Cursor[Any], sql: str, keys: set[str]) -> dict[str, Any]:
    if not keys:
        return {}
    cursor.execute(sql, (list(keys),))
    return dict(cursor.fetchall())
