#!/bin/sh
# Creates the Temporal and visibility databases on PostgreSQL when missing and brings both schemas
# to the version this server release ships (idempotent: safe on every start). docker-compose.yml
# runs it in the admin-tools image, the local production-like stack with the schema tool it built.
#
#   SQL_TOOL    the schema tool (`temporal-sql-tool` in the admin-tools image)
#   SCHEMA_DIR  the release's schema folder (/etc/temporal/schema in the admin-tools image)
#   SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD  where PostgreSQL is (read by the tool itself)
set -eu
tool=${SQL_TOOL:-temporal-sql-tool}
schema=${SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12
# The databases config/production.yaml names.
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=$schema/${pair#*:}/versioned
  [ -d "$dir" ] || { echo "setup-schema: no schema folder $dir" >&2; exit 1; }
  "$tool" --plugin postgres12 --db "$db" create-database >/dev/null 2>&1 || echo "database $db exists"
  "$tool" --plugin postgres12 --db "$db" setup-schema -v 0.0
  "$tool" --plugin postgres12 --db "$db" update-schema -d "$dir"
done
