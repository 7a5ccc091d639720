#!/usr/bin/env bash
# Fails when .sqlx/ (the query metadata `query!` compiles against offline) does not match the
# queries and migrations — what `cargo sqlx prepare --check` does, without installing sqlx-cli:
# that install costs ~7 min on 2 cores, this costs one `cargo check` of the app and server crates
# (~1 min; their dependencies are already checked by `make lint`). The macros describe each query to a freshly
# migrated database and write their metadata to a temporary folder, which must equal .sqlx/.
# Without DATABASE_URL it re-runs itself under a throw-away PostgreSQL (as scripts/test.sh does);
# a given DATABASE_URL is migrated first, so give it a scratch database.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$PWD/target}"
BIN="$CARGO_TARGET_DIR/debug/storepulse"

if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "==> No DATABASE_URL: starting a throw-away PostgreSQL for the query check"
  exec "$BIN" with-postgres --data-dir "$CARGO_TARGET_DIR/sqlx-check-postgres" -- "$0" "$@"
fi

"$BIN" migrate >/dev/null
out=$(mktemp -d)
# The macros run again only when a crate is recompiled: touch both crates' roots, and put their
# times back after the check so that the debug build `make test` uses does not count them as changed.
touch -r app/src/lib.rs "$out/.app.time"
touch -r server/src/lib.rs "$out/.server.time"
restore() {
  touch -r "$out/.app.time" app/src/lib.rs
  touch -r "$out/.server.time" server/src/lib.rs
  rm -rf "$out"
}
trap restore EXIT
touch app/src/lib.rs server/src/lib.rs
mkdir "$out/queries"
# The same crates and targets as scripts/sqlx-prepare.sh, so both see the same queries.
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out/queries" cargo check -q -p app --features ssr -p server --tests
if ! diff -r -q .sqlx "$out/queries"; then
  echo "error: .sqlx/ does not match the queries and migrations; run \`make sqlx-prepare\` with" \
    "DATABASE_URL of a scratch database and commit .sqlx/" >&2
  exit 1
fi
echo "==> .sqlx/ matches the $(ls "$out/queries" | wc -l) queries"
