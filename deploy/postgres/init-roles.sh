#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-compose.yml
# mounts it into /docker-entrypoint-initdb.d). Two roles, neither a superuser:
#
# - the owner (CLINIC_DB_OWNER, default clinic_owner) owns the database and every
#   table; only `migrate` (the compose service of that name) signs in as it;
# - the app (CLINIC_DB_APP_ROLE, default clinic_app), which web, worker and beat
#   use, may read and write rows and nothing else: no TRUNCATE, no ALTER TABLE
#   (so no trigger can be switched off: the audit log's, the signed chart's), no
#   session_replication_role. The superuser (POSTGRES_USER) is for the operator.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner="${CLINIC_DB_OWNER:-clinic_owner}" -v owner_password="$CLINIC_OWNER_DB_PASSWORD" \
    -v app="${CLINIC_DB_APP_ROLE:-clinic_app}" -v app_password="$CLINIC_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
-- Whatever the owner's migrations create, the app may use (rows only).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL
