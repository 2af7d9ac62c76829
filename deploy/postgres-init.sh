#!/bin/sh
# Run once by the postgres image on an empty data folder (/docker-entrypoint-initdb.d),
# as the superuser. Creates the clinic's two database roles:
#
#   CLINIC_DB_OWNER  owns the database and its tables: migrations run as it (the
#                    one-shot "migrate" service), never the app;
#   CLINIC_DB_APP    what web, worker and beat connect as: reads and writes rows,
#                    creates nothing, owns nothing. Not a superuser, so it cannot
#                    `SET session_replication_role` (which would switch off the
#                    triggers that lock signed records and the audit log).
#
# Both are plain roles (NOSUPERUSER NOCREATEDB NOCREATEROLE). The superuser
# (POSTGRES_USER) is for the database administrator only.
set -eu

: "${CLINIC_DB_NAME:=clinic}"
: "${CLINIC_DB_OWNER:=clinic_owner}"
: "${CLINIC_DB_APP:=clinic_app}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  -v db="$CLINIC_DB_NAME" -v owner="$CLINIC_DB_OWNER" -v app="$CLINIC_DB_APP" \
  -v owner_password="$CLINIC_DB_OWNER_PASSWORD" -v app_password="$CLINIC_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
\connect :"db"
-- The extensions the migrations ask for (they find them here).
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- The owner creates in the schema; the app only uses what the owner creates.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO :"app";
SQL
