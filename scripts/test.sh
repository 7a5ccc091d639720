#!/usr/bin/env bash
# Runs every test: unit, database (#[sqlx::test]), HTTP and browser tests. Without DATABASE_URL it
# re-runs itself under a throw-away PostgreSQL started by the storepulse binary.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$PWD/target}"
BIN="$CARGO_TARGET_DIR/debug/storepulse"

if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "==> No DATABASE_URL: starting a throw-away PostgreSQL for the tests"
  exec "$BIN" with-postgres --data-dir "$CARGO_TARGET_DIR/test-postgres" -- "$0" "$@"
fi

echo "==> Rust tests (unit, database, HTTP)"
# Default members only (app, server): `--workspace` would add the WASM crate and its `hydrate` feature.
# In-process HTTP tests render pages on the test threads: give them the server's 16 MiB of stack.
RUST_MIN_STACK="${RUST_MIN_STACK:-16777216}" cargo test --no-fail-fast

echo "==> Browser tests (Chromium)"
SITE="${SITE:-$CARGO_TARGET_DIR/site}" STOREPULSE_BIN="$BIN" node --test --test-concurrency=1 end2end/tests/
