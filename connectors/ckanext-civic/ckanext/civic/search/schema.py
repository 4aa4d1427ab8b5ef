"""The index's tables, functions and text search configuration.

Everything lives in the schema ``civic_search`` of CKAN's own database:
CKAN's test fixture ``clean_db`` reflects and drops only the default schema,
so the index survives it, as a Solr core would. :func:`ensure_schema` is
idempotent and cheap once done (one catalogue look-up); it runs on each new
connection and again if the objects disappear.

Full text uses ``civic_search.english``: the English Snowball stemmer with
*no* stop words, like CKAN's Solr ``text`` field type (a query for "after"
must not match every document). Unstemmed fields (Solr's ``text_general``)
use PostgreSQL's ``simple`` configuration, which has no stop words either.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "civic_search"
TABLE = f"{SCHEMA}.documents"
TS_CONFIG = f"{SCHEMA}.english"
SIMPLE_CONFIG = "pg_catalog.simple"
# Bumped whenever the DDL below changes; a mismatch rebuilds the objects
# (the index content is then rebuilt with ``ckan search-index rebuild``).
VERSION = "civic_search/2"

_LOCK_KEY = 0x6369766963  # "civic": serialises concurrent creators

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};

DO $$
BEGIN
  IF NOT EXISTS (
      SELECT 1 FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
      WHERE n.nspname = '{SCHEMA}' AND d.dictname = 'english_nostop') THEN
    CREATE TEXT SEARCH DICTIONARY {SCHEMA}.english_nostop
      (TEMPLATE = pg_catalog.snowball, Language = english);
  END IF;
  IF NOT EXISTS (
      SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
      WHERE n.nspname = '{SCHEMA}' AND c.cfgname = 'english') THEN
    CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = pg_catalog.english);
    ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG}
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart,
                        word, hword, hword_part
      WITH {SCHEMA}.english_nostop;
  END IF;
END
$$;

CREATE SEQUENCE IF NOT EXISTS {SCHEMA}.documents_seq;

CREATE TABLE IF NOT EXISTS {TABLE} (
    index_id text PRIMARY KEY,
    id text NOT NULL,
    name text,
    site_id text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.documents_seq'),
    doc jsonb NOT NULL,
    payload jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    tsv tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_tsv_idx ON {TABLE} USING gin (tsv);
CREATE INDEX IF NOT EXISTS documents_doc_idx
    ON {TABLE} USING gin (doc jsonb_path_ops);
CREATE INDEX IF NOT EXISTS documents_id_idx ON {TABLE} (id);
CREATE INDEX IF NOT EXISTS documents_name_idx ON {TABLE} (name);
CREATE INDEX IF NOT EXISTS documents_site_idx ON {TABLE} (site_id);

-- Values of a field as a text array: [] when absent or null, the elements
-- of a JSON array, or the one scalar.
CREATE OR REPLACE FUNCTION {SCHEMA}.vals(doc jsonb, f text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE
    WHEN doc -> f IS NULL OR jsonb_typeof(doc -> f) = 'null' THEN '{{}}'::text[]
    WHEN jsonb_typeof(doc -> f) = 'array'
      THEN ARRAY(SELECT jsonb_array_elements_text(doc -> f))
    ELSE ARRAY[doc ->> f]
  END
$f$;

-- The text of some fields, values joined by spaces, for on-the-fly
-- tsvectors of single text fields.
CREATE OR REPLACE FUNCTION {SCHEMA}.ftext(doc jsonb, VARIADIC fs text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT coalesce(string_agg(v, ' '), '')
  FROM unnest(fs) AS f, unnest({SCHEMA}.vals(doc, f)) AS v
$f$;

-- A number from text, NULL when it is not one.
CREATE OR REPLACE FUNCTION {SCHEMA}.num(v text)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE WHEN v ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$' THEN v::numeric END
$f$;

COMMENT ON TABLE {TABLE} IS '{VERSION}';
"""

_DROP = f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"


def ensure_schema(conn: Any) -> None:
    """Create (or upgrade) the index objects on a psycopg2 connection.

    Runs in its own transaction under an advisory lock, so several CKAN
    processes starting together do not race. Leaves ``conn`` in the
    autocommit state it had.
    """
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            cur.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", (TABLE,))
            row = cur.fetchone()
            current = row[0] if row else None
            if current != VERSION:
                if current is not None:
                    cur.execute(_DROP)
                cur.execute(_DDL)
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.autocommit = autocommit


def drop_schema(conn: Any) -> None:
    """Remove every index object (used by tests and ``clear`` tooling)."""
    with conn.cursor() as cur:
        cur.execute(_DROP)
