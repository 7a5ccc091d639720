#!/usr/bin/env bash
# The least any ingest can take on this machine: the rows a load leaves in each table it writes
# (facts and rollups), written by COPY into empty copies of the tables with their keys and
# indexes built after the rows — no parsing, no merging, no aggregation — next to the plain COPY
# of the file into a bare table, as `make bench` times it. docs/performance.md ("Ingestion") has
# the figures.
#
#   scripts/ingest-floor.sh DATABASE_URL FILE
#
# DATABASE_URL: a database that `storepulse ingest FILE` has just loaded into an empty database
# (its tables then hold exactly that load's rows). Writes scratch tables `floor_*` there and
# drops them, also when stopped; the rows pass through a temporary directory.
set -euo pipefail
shopt -s inherit_errexit  # a failed psql inside $(…) stops the script too
url="${1:?usage: scripts/ingest-floor.sh DATABASE_URL FILE}"
file="${2:?usage: scripts/ingest-floor.sh DATABASE_URL FILE}"
tmp=$(mktemp -d)
tables=(order_line sales_order customer product daily_sales daily_product_sales daily_product_buyers
  daily_customer_sales weekly_product_sales customer_month customer_summary)
# psql's messages in English: its "Time:" lines are read below.
psql=(env LC_ALL=C psql "$url" -qAtX -v ON_ERROR_STOP=1)

cleanup() {
  local drops="drop table if exists floor_bare;"
  for t in "${tables[@]}"; do drops+=" drop table if exists floor_$t;"; done
  "${psql[@]}" -c "$drops" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# One psql session per measurement, its statements timed by psql (\timing: each round trip), so
# that no process start is counted. Fails when a statement fails (ON_ERROR_STOP).
timed() {
  local out
  out=$("${psql[@]}" -f "$1")
  sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | awk '{ s += $1 } END { printf "%.2f", s / 1000 }'
}

# The plain COPY: a regular (logged) table, as bench.sh's `bare`.
quoted_file=${file//\'/\'\'}
{
  echo "create table floor_bare (invoice text, stock_code text, description text, quantity int, invoice_date text, unit_price numeric, customer text, country text);"
  echo '\timing on'
  echo "\\copy floor_bare from program 'zcat -f ''$quoted_file''' with (format csv, header true, encoding 'LATIN1')"
} >"$tmp/copy.sql"
copy_s=$(timed "$tmp/copy.sql")
echo "plain COPY of the file: $copy_s s"

rows=0
echo '\timing on' >"$tmp/floor.sql"
: >"$tmp/setup.sql"
for t in "${tables[@]}"; do
  "${psql[@]}" -c "\\copy $t to '$tmp/$t.tsv'"
  rows=$((rows + $("${psql[@]}" -c "select count(*) from $t")))
  {
    echo "drop table if exists floor_$t;"
    echo "create table floor_$t (like $t including all excluding indexes excluding constraints);"
  } >>"$tmp/setup.sql"
  echo "\\copy floor_$t from '$tmp/$t.tsv'" >>"$tmp/floor.sql"
  # The table's indexes (primary and unique keys among them), on the copy.
  "${psql[@]}" -c "select replace(replace(indexdef, ' ON public.$t ', ' ON public.floor_$t '), 'INDEX ', 'INDEX floor_') || ';'
                   from pg_indexes where schemaname = 'public' and tablename = '$t'" >>"$tmp/floor.sql"
done
"${psql[@]}" -f "$tmp/setup.sql"
floor_s=$(timed "$tmp/floor.sql")
echo "the load's $rows rows in ${#tables[@]} tables, by COPY, indexes built after: $floor_s s"
