"""A drop-in for the ``pysolr.Solr`` calls CKAN makes, backed by PostgreSQL.

:class:`PostgresSearch` offers ``add``, ``delete(q=)``/``delete(id=)``,
``commit``, ``optimize``, ``ping`` and ``search(q, **params)``; ``search``
returns a real :class:`pysolr.Results`. Writes commit at once, on the
backend's own autocommit connection (never CKAN's session), so they are
visible to the next search whatever CKAN's ``solr_commit`` setting.

Every failure leaves as :class:`pysolr.SolrError`, worded as Solr's so
that CKAN's handlers translate it: "Failed to connect to server" becomes
CKAN's ``SolrConnectionError`` ("Search Connection Error" in the API),
a sort problem ``SearchQueryError``, the rest ``SearchError`` on search and
``SearchIndexError`` on indexing. Raw SQL errors never reach CKAN.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg2
import psycopg2.errors
import pysolr

from . import documents
from .compiler import Compiler
from .lucene import parse
from .params import as_list, parse_facets, parse_fl, parse_query, parse_sort
from .schema import TABLE, TS_CONFIG, ensure_schema
from .sqlbuild import facet_sql, order_sql, where_sql

log = logging.getLogger(__name__)

_local = threading.local()
_ready: set[tuple[int, str]] = set()


@contextlib.contextmanager
def one_commit() -> Iterator[None]:
    """This thread's index writes inside the block are sent, in one transaction, when
    it ends without an error (one commit for many documents instead of one each:
    ``civic_package_create_batch``); an error discards them. Nested blocks join
    the outermost one."""
    if getattr(_local, "deferred", None) is not None:
        yield
        return
    _local.deferred = []
    try:
        yield
        deferred: list[tuple[PostgresSearch, list[documents.Row]]] = _local.deferred
    finally:
        _local.deferred = None
    # One transaction for the whole block: CKAN calls add() once per package, and a
    # transaction per call would leave the first packages indexed when a later write
    # fails, for datasets the batch then never commits.
    merged: dict[str, tuple[PostgresSearch, list[documents.Row]]] = {}
    for backend, rows in deferred:
        merged.setdefault(backend._url, (backend, []))[1].extend(rows)
    for backend, rows in merged.values():
        backend._upsert(rows, one_transaction=True)


_MISSING = (
    psycopg2.errors.UndefinedTable,
    psycopg2.errors.UndefinedFunction,
    psycopg2.errors.UndefinedObject,
    psycopg2.errors.InvalidSchemaName,
)

_UPSERT = f"""
INSERT INTO {TABLE} (index_id, id, name, site_id, doc, payload, tsv)
VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb,
        setweight(to_tsvector('{TS_CONFIG}'::regconfig, %s), 'A')
        || setweight(to_tsvector('{TS_CONFIG}'::regconfig, %s), 'B')
        || setweight(to_tsvector('{TS_CONFIG}'::regconfig, %s), 'D'))
ON CONFLICT (index_id) DO UPDATE SET
    id = EXCLUDED.id, name = EXCLUDED.name, site_id = EXCLUDED.site_id,
    doc = EXCLUDED.doc, payload = EXCLUDED.payload, tsv = EXCLUDED.tsv,
    seq = EXCLUDED.seq
"""


def connect_kwargs(url: str, timeout: float | None) -> dict[str, Any]:
    """psycopg2 keyword arguments from a SQLAlchemy-style database URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    kwargs: dict[str, Any] = {
        k: v
        for k, v in parsed.translate_connect_args(username="user", database="dbname").items()
        if v is not None
    }
    kwargs.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
    kwargs.setdefault("connect_timeout", 10)
    if timeout:
        kwargs["options"] = f"-c statement_timeout={int(float(timeout) * 1000)}"
    kwargs["application_name"] = "ckanext-civic-search"
    return kwargs


class PostgresSearch:
    """What ``make_connection()`` returns while ``civic_search`` is on."""

    def __init__(self, url: str, decode_dates: bool = True, timeout: float | None = None) -> None:
        self._url = url
        self.decode_dates = decode_dates
        self.timeout = timeout

    @property
    def url(self) -> str:
        """The database URL with any password hidden (for log messages)."""
        from sqlalchemy.engine import make_url

        return make_url(self._url).render_as_string(hide_password=True)

    # -- connection --------------------------------------------------------

    def _connection(self) -> Any:
        key = (os.getpid(), self._url)
        conns = getattr(_local, "conns", None)
        if conns is None:
            conns = _local.conns = {}
        conn = conns.get(key)
        if conn is None or conn.closed:
            conn = psycopg2.connect(**connect_kwargs(self._url, self.timeout))
            conn.autocommit = True
            conns[key] = conn
        if key not in _ready:
            ensure_schema(conn)
            _ready.add(key)
        return conn

    def _forget(self) -> None:
        key = (os.getpid(), self._url)
        conn = getattr(_local, "conns", {}).pop(key, None)
        _ready.discard(key)
        if conn is not None and not conn.closed:
            try:
                conn.close()
            except psycopg2.Error:
                pass

    def _run(self, work: Any) -> Any:
        """Run ``work(cursor)``; reconnect or recreate the schema once."""
        for attempt in (1, 2):
            try:
                conn = self._connection()
                with conn.cursor() as cur:
                    return work(cur)
            except _MISSING as exc:
                _ready.discard((os.getpid(), self._url))
                if attempt == 2:
                    raise pysolr.SolrError(f"Search index error: {exc}") from exc
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
                if getattr(exc, "pgcode", None):
                    # The server answered (a timeout, say): not a lost link.
                    raise pysolr.SolrError(f"Search backend error: {str(exc).strip()}") from exc
                self._forget()
                if attempt == 2:
                    raise pysolr.SolrError(
                        f"Failed to connect to server at {self.url}: {str(exc).strip()}"
                    ) from exc
            except ValueError as exc:
                # QuerySyntaxError, ParamError and bad numbers in params.
                raise pysolr.SolrError(f"org.apache.solr.search.SyntaxError: {exc}") from exc
            except psycopg2.Error as exc:
                raise pysolr.SolrError(f"Search backend error: {str(exc).strip()}") from exc
        raise AssertionError("unreachable")

    # -- pysolr API: writes ---------------------------------------------------

    def add(self, docs: Iterable[dict[str, Any]], commit: bool = True, **_ignored: Any) -> str:
        """Index (insert or replace) documents; committed on return."""
        try:
            rows = [documents.prepare(doc) for doc in docs]
        except documents.DocumentError as exc:
            raise pysolr.SolrError(str(exc)) from exc
        deferred = getattr(_local, "deferred", None)
        if deferred is not None:  # inside one_commit(): sent when the block ends
            deferred.append((self, rows))
            return ""
        self._upsert(rows)
        return ""

    def _upsert(self, rows: list[documents.Row], *, one_transaction: bool = False) -> None:
        def work(cur: Any) -> None:
            if one_transaction:
                cur.execute("BEGIN")
            try:
                for row in rows:
                    cur.execute(
                        _UPSERT,
                        (
                            row.index_id,
                            row.id,
                            row.name,
                            row.site_id,
                            row.doc_json,
                            row.payload_json,
                            row.text_a,
                            row.text_b,
                            row.text_d,
                        ),
                    )
            except BaseException:
                if one_transaction:
                    with contextlib.suppress(psycopg2.Error):
                        cur.execute("ROLLBACK")
                raise
            if one_transaction:
                cur.execute("COMMIT")

        self._run(work)

    def delete(self, id: Any = None, q: Any = None, commit: bool = True, **_ignored: Any) -> str:
        """Delete by unique key (``index_id``) or by query."""
        if id is None and q is None:
            raise ValueError('You must specify "id" or "q".')
        if id is not None:
            ids = [str(i) for i in as_list(id)]

            def by_id(cur: Any) -> None:
                cur.execute(f"DELETE FROM {TABLE} WHERE index_id = ANY(%s)", (ids,))

            self._run(by_id)
        if q is not None:

            def by_query(cur: Any) -> None:
                compiled = Compiler().compile(parse(str(q), default_and=False))
                cur.execute(f"DELETE FROM {TABLE} WHERE {compiled.sql}", compiled.params)

            self._run(by_query)
        return ""

    def commit(self, **_ignored: Any) -> str:
        """Nothing to do: every write is committed already."""
        return ""

    def optimize(self, **_ignored: Any) -> str:
        """Nothing to do; PostgreSQL's autovacuum keeps the table tidy."""
        return ""

    def ping(self, **_ignored: Any) -> str:
        """Check the database answers."""
        self._run(lambda cur: cur.execute("SELECT 1"))
        return '{"status": "OK"}'

    # -- pysolr API: search --------------------------------------------------

    def search(
        self, q: str | None = None, search_handler: Any = None, **params: Any
    ) -> pysolr.Results:
        """Run a Solr-style search; see the module doc for what is offered."""
        started = time.monotonic()
        params["q"] = "*:*" if q is None or str(q).strip() == "" else str(q)

        def work(cur: Any) -> pysolr.Results:
            return self._search(cur, params, started)

        return self._run(work)

    def _search(self, cur: Any, params: dict[str, Any], started: float) -> pysolr.Results:
        compiler = Compiler()
        parser = str(params.get("defType") or "lucene")
        spec = parse_query(params["q"], params, parser)
        compiler.query_fields = spec.query_fields
        compiler.default_field = spec.default_field
        clauses = [compiler.compile(spec.tree)]
        for fq in as_list(params.get("fq")):
            if fq is None or not str(fq).strip():
                continue
            fspec = parse_query(str(fq), params, "lucene")
            sub = Compiler(default_field=fspec.default_field, query_fields=fspec.query_fields)
            clauses.append(sub.compile(fspec.tree))
        rank = compiler.rank()
        where, where_params = where_sql(clauses)
        rows = max(0, int(params.get("rows", 10)))
        start = max(0, int(params.get("start", 0)))
        order = order_sql(parse_sort(params.get("sort") or "score desc"))
        fl = parse_fl(params.get("fl"))
        # The payload (large, unsearchable) is read for the page only.
        payload = "t.payload" if documents.wants_payload(fl) else "NULL"
        cur.execute(
            f"SELECT m.doc, {payload}, m.score, m.hits FROM ("
            f"SELECT index_id, doc, score, count(*) OVER () AS hits, "
            f"row_number() OVER (ORDER BY {order}) AS pos FROM ("
            f"SELECT index_id, doc, seq, {rank.sql} AS score FROM {TABLE} "
            f"WHERE {where}) AS s ORDER BY pos LIMIT %s OFFSET %s) AS m "
            f"JOIN {TABLE} AS t USING (index_id) ORDER BY m.pos",
            rank.params + where_params + [rows, start],
        )
        found = cur.fetchall()
        if found:
            hits = found[0][3]
        else:
            cur.execute(f"SELECT count(*) FROM {TABLE} WHERE {where}", where_params)
            hits = cur.fetchone()[0]
        docs = [
            documents.present(doc, extra, fl, score, self.decode_dates)
            for doc, extra, score, _ in found
        ]
        facet_fields: dict[str, list[Any]] = {}
        specs = parse_facets(params)
        if specs:
            sql, sql_params = facet_sql(specs, where, where_params)
            cur.execute(sql, sql_params)
            for spec_ in specs:
                facet_fields[spec_.field] = []
            for field, value, count in cur.fetchall():
                facet_fields[field].extend([value, count])
        qtime = int((time.monotonic() - started) * 1000)
        return pysolr.Results(
            {
                "responseHeader": {"status": 0, "QTime": qtime},
                "response": {"numFound": hits, "start": start, "docs": docs},
                "facet_counts": {
                    "facet_queries": {},
                    "facet_fields": facet_fields,
                    "facet_ranges": {},
                    "facet_intervals": {},
                    "facet_heatmaps": {},
                },
            }
        )
