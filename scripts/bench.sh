#!/usr/bin/env bash
# make bench: (1) ingest throughput on this machine, next to a plain COPY of the same rows into a
# bare table on the same database; (2) the Sales, Customer Insights and Inventory & Pricing routes at ~10M order lines, p50/p95
# cold and warm, next to DuckDB on the same rows. Release build; generated data is cached in
# target/bench-data (and the large demo database is kept between runs).
# Without DATABASE_URL it runs under an embedded PostgreSQL kept in target/bench-postgres.
# (3) load: requests/s at concurrency 50 on an embed data route and a session API route (wrk).
# BENCH=ingest, BENCH=sales or BENCH=load runs one part; BENCH_ORDERS sets the demo size (default 4.2M orders).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$PWD/target}"
BIN="$CARGO_TARGET_DIR/release/storepulse"
DATA="$CARGO_TARGET_DIR/bench-data"
LINES="${BENCH_LINES:-5000000}"

if [[ -z "${DATABASE_URL:-}" ]]; then
  cargo build --release -p server
  exec "$BIN" with-postgres --keep --data-dir "$CARGO_TARGET_DIR/bench-postgres" -- "$0" "$@"
fi
cargo build --release -p server
mkdir -p "$DATA"

db_url() { python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$DATABASE_URL" "$1"; }
fresh_db() { psql "$DATABASE_URL" -qAtX -c "drop database if exists $1" -c "create database $1" >/dev/null; }
now() { date +%s.%N; }

generated="$DATA/transactions-$LINES.csv.gz"
if [[ "${BENCH:-all}" != sales && ! -f "$generated" ]]; then
  echo "generating $LINES transaction lines (once) …"
  python3 - "$LINES" <<'PY' | gzip -1 > "$generated"
import random, sys
n = int(sys.argv[1]); r = random.Random(7); out = sys.stdout
out.write("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n")
countries = ["United Kingdom", "Germany", "France", "Spain", "Netherlands"]
for i in range(n):
    inv = i // 4
    day = 1 + (inv // 700) % 28; month = 1 + (inv // 19600) % 12; year = 2020 + inv // 235200
    code = r.randrange(4000)
    cust = "" if r.random() < 0.2 else str(10000 + r.randrange(200000))
    out.write(f"{'C' if inv % 50 == 0 else ''}{inv},P{code},Product {code},{r.randrange(1, 12) * (-1 if inv % 50 == 0 else 1)},"
              f"{month}/{day}/{year} {r.randrange(8, 20)}:{r.randrange(60):02d},{code % 97 / 4 + 0.5:.2f},{cust},{countries[code % 5]}\n")
PY
fi

bench_file() {
  local label="$1" file="$2"
  local db="bench_ingest"
  fresh_db "$db"
  local out t0 t1
  t0=$(now)
  out=$(DATABASE_URL="$(db_url $db)" STOREPULSE_DEMO_DATA=never STOREPULSE_LOG=warn "$BIN" ingest --source Bench "$file")
  t1=$(now)
  local rows peak
  rows=$(sed -n 's/.*read \([0-9,]*\) ·.*/\1/p' <<<"$out" | head -1 | tr -d ,)
  peak=$(sed -n 's/.*peak memory of this process: \([0-9]*\) MiB/\1/p' <<<"$out")
  local ingest_s; ingest_s=$(python3 -c "print(f'{$t1-$t0:.1f}')")

  fresh_db bench_copy
  psql "$(db_url bench_copy)" -qAtX -c "create table bare (invoice text, stock_code text, description text, quantity int, invoice_date text, unit_price numeric, customer text, country text)"
  t0=$(now)
  psql "$(db_url bench_copy)" -qAtX -c "\\copy bare from program 'zcat -f $file' with (format csv, header true, encoding 'LATIN1')"
  t1=$(now)
  local copy_s; copy_s=$(python3 -c "print(f'{$t1-$t0:.1f}')")
  python3 - "$label" "$rows" "$ingest_s" "$copy_s" "$peak" <<'PY'
import sys
label, rows, ingest, copy, peak = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
ri, rc = rows / ingest, rows / copy
print(f"| {label} | {rows:,} | {ingest:.1f} s | {ri:,.0f} | {copy:.1f} s | {rc:,.0f} | {ri / rc:.2f} | {peak} MiB |")
PY
  psql "$DATABASE_URL" -qAtX -c "drop database bench_ingest" -c "drop database bench_copy" >/dev/null
}

bench_sales() {
  local orders="${BENCH_ORDERS:-4200000}"
  local db="bench_sales_$orders" port=3199 password="bench-password-1"
  local url; url="$(db_url "$db")"
  if [[ "$(psql "$DATABASE_URL" -qAtX -c "select 1 from pg_database where datname = '$db'")" != 1 ]] \
     || [[ "$(psql "$url" -qAtX -c "select count(*) from app_user where email = 'bench@storepulse.example'" 2>/dev/null)" != 1 ]]; then
    echo "generating the demo shop with $orders orders (once; kept as database $db) …"
    fresh_db "$db"
    DATABASE_URL="$url" STOREPULSE_LOG=warn "$BIN" demo --orders "$orders" --end-date 2026-06-30
    psql "$url" -qAtX -c "vacuum analyze"
    DATABASE_URL="$url" STOREPULSE_PASSWORD="$password" STOREPULSE_LOG=warn \
      "$BIN" user add --email bench@storepulse.example --role viewer
  fi
  local lines; lines=$(psql "$url" -qAtX -c "select count(*) from order_line")
  local facts="$DATA/sales-facts-$orders.csv" duck="$DATA/sales-$orders.duckdb"
  if [[ ! -f "$facts" ]]; then
    echo "exporting $lines order lines for DuckDB (once) …"
    local select="select (f.ordered_at at time zone s.timezone)::date as day, f.sales_order_id as order_id, f.customer_id, f.product_id, p.category, f.country, f.channel, f.line_kind as kind, f.quantity, f.line_value as value from line_fact f join product p using (product_id) cross join rollup_state s"
    psql "$url" -qAtX -c "\\copy ($select) to '$facts' with (format csv, header true)"
    rm -f "$duck"
  fi
  if [[ ! -x "$DATA/venv/bin/python" ]]; then
    python3 -m venv "$DATA/venv" && "$DATA/venv/bin/pip" install -q duckdb
  fi
  DATABASE_URL="$url" STOREPULSE_ADDR="127.0.0.1:$port" STOREPULSE_DEMO_DATA=never STOREPULSE_LOG=warn STOREPULSE_WARM_DEFAULT_VIEWS=false \
    STOREPULSE_DATA_DIR="$DATA/bench-server" "$BIN" serve &
  local server=$!
  trap 'kill $server 2>/dev/null || true' RETURN
  psql "$url" -qAtX -c "update app_user set role = 'admin' where email = 'bench@storepulse.example'" >/dev/null
  # The first start after an upgrade may rebuild the rollups (minutes at this size).
  for _ in $(seq 3000); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  echo
  echo "Sales dashboard at $(printf "%'d" "$lines") order lines ($orders orders, 2 years):"
  "$DATA/venv/bin/python" scripts/bench_sales.py "http://127.0.0.1:$port" bench@storepulse.example "$password" \
    "$duck" "$facts" 2026-06-30
}

bench_load() {
  if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian's HTTP load generator) …"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get install -y -qq --no-install-recommends wrk || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends wrk; }
  fi
  local db="bench_load" port=3198 password="bench-password-1"
  local url; url="$(db_url "$db")"
  fresh_db "$db"
  DATABASE_URL="$url" STOREPULSE_LOG=warn "$BIN" demo >/dev/null
  DATABASE_URL="$url" STOREPULSE_PASSWORD="$password" STOREPULSE_LOG=warn \
    "$BIN" user add --email load@storepulse.example --role admin >/dev/null
  DATABASE_URL="$url" STOREPULSE_ADDR="127.0.0.1:$port" STOREPULSE_DEMO_DATA=never STOREPULSE_LOG=warn STOREPULSE_WARM_DEFAULT_VIEWS=false \
    STOREPULSE_DATA_DIR="$DATA/load-server" "$BIN" serve &
  local server=$!
  trap 'kill $server 2>/dev/null || true' RETURN
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  echo
  echo "Load on the demo shop ($(psql "$url" -qAtX -c "select count(*) from order_line") order lines), release build:"
  python3 scripts/bench_load.py "http://127.0.0.1:$port" load@storepulse.example "$password"
}

if [[ "${BENCH:-all}" == sales ]]; then bench_sales; exit; fi
if [[ "${BENCH:-all}" == load ]]; then bench_load; exit; fi

echo
echo "| file | lines | storepulse ingest | lines/s | plain COPY | lines/s | ratio | peak memory |"
echo "|---|---|---|---|---|---|---|---|"
if [[ -f ../shared/data/online_retail.csv.gz ]]; then
  bench_file "Online Retail (csv.gz)" "$(realpath ../shared/data/online_retail.csv.gz)"
else
  echo "| Online Retail | skipped: ../shared/data/online_retail.csv.gz is not there | | | | | | |"
fi
bench_file "generated (csv.gz)" "$generated"
if [[ "${BENCH:-all}" == all ]]; then bench_sales; bench_load; fi
