#!/usr/bin/env bash
# Refreshes .sqlx/ (the query metadata that lets `query!` compile offline) after a query or a
# migration changed. Needs DATABASE_URL of a scratch database: it is dropped and re-created.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a scratch database, e.g. postgres://postgres@127.0.0.1:5432/storepulse_dev}"
db="${DATABASE_URL##*/}"; db="${db%%\?*}"
admin_url="${DATABASE_URL%/*}/postgres"
psql "$admin_url" -qc "drop database if exists $db" -c "create database $db"
for f in migrations/*.sql; do psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f "$f"; done
rm -rf .sqlx && mkdir .sqlx
touch app/src/lib.rs server/src/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" cargo check -p app --features ssr -p server --tests
echo "$(ls .sqlx | wc -l) queries in .sqlx/"
