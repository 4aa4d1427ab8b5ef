#!/bin/bash
# Runs once, when the postgres service starts on an empty volume: one role and
# one database each for the gateway (civic) and CKAN (ckan), so that neither can
# read or write the other's tables.
#
# Passwords come from the environment (.env) and reach SQL as psql variables
# (:'name'), which psql quotes, so no password is pasted into SQL text.
set -euo pipefail

: "${CIVIC_DB_PASSWORD:?CIVIC_DB_PASSWORD must be set}"
: "${CKAN_DB_PASSWORD:?CKAN_DB_PASSWORD must be set}"

psql --username "$POSTGRES_USER" --dbname postgres --set ON_ERROR_STOP=1 \
    --set civic_password="$CIVIC_DB_PASSWORD" \
    --set ckan_password="$CKAN_DB_PASSWORD" <<'SQL'
CREATE ROLE civic LOGIN PASSWORD :'civic_password';
CREATE DATABASE civic OWNER civic ENCODING 'UTF8' TEMPLATE template0;
CREATE ROLE ckan LOGIN PASSWORD :'ckan_password';
CREATE DATABASE ckan OWNER ckan ENCODING 'UTF8' TEMPLATE template0;
-- PostgreSQL 15+ no longer lets every role create objects in public; each
-- database's owner gets it back for its own schema.
\connect civic
ALTER SCHEMA public OWNER TO civic;
\connect ckan
ALTER SCHEMA public OWNER TO ckan;
SQL
