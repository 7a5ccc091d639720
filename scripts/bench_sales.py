#!/usr/bin/env python3
"""Dashboard benchmark (part of `make bench`).

Calls every Sales, Customer Insights and Inventory & Pricing API route and the pages' server
functions many times against a running storepulse server, and prints p50 / p95 per route, cold
and warm. Cold is the first call after an ingest that touched the range: before each cold call
the benchmark loads one new order on the latest day through `POST /api/v1/ingest` (as a webhook
or a small daily file would), which retires every cached result; that ingest is timed too, with
the first Sales summary after it ("a one-order ingest → visible"). Warm is the same call again
(a cache hit). Next to it, the time DuckDB takes for the same question on the same order lines
(exported from PostgreSQL once and kept in a DuckDB file), and the ratio.

Usage: bench_sales.py BASE_URL EMAIL PASSWORD DUCKDB_FILE FACTS_CSV LATEST_DAY
"""
import datetime as dt
import http.cookiejar
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

BASE, EMAIL, PASSWORD, DUCK_FILE, FACTS_CSV, LATEST = sys.argv[1:7]
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
# BENCH_ONLY, a regular expression over the route names, measures only the matching routes
# (e.g. BENCH_ONLY='inventory|products|pricing|signals|decisions').
ONLY = os.environ.get("BENCH_ONLY", "")
latest = dt.date.fromisoformat(LATEST)

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(path):
    t0 = time.perf_counter()
    with opener.open(BASE + path) as r:
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status}")
    return time.perf_counter() - t0, body


login = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD}).encode()
opener.open(urllib.request.Request(BASE + "/fn/login", data=login, method="POST")).read()


ORDER_NO = [int(time.time())]


def one_order():
    """Loads one new order (one line, an identified customer) on the latest day; returns the
    seconds the ingest took (the run's transaction includes the rollup refresh)."""
    ORDER_NO[0] += 1
    body = ("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            f"B{ORDER_NO[0]},BENCH1,Bench product,2,{latest.isoformat()} 12:00,4.25,{ORDER_NO[0] % 5000},Germany\n")
    request = urllib.request.Request(BASE + "/api/v1/ingest?source=Bench%20webhooks", data=body.encode(),
                                     method="POST", headers={"Origin": BASE, "Content-Type": "text/csv"})
    t0 = time.perf_counter()
    with opener.open(request) as r:
        r.read()
    return time.perf_counter() - t0


def window(i, days=90):
    """The i-th 90-day window ending a few days before the latest one: a filter the cache has not seen."""
    to = latest - dt.timedelta(days=i)
    return to - dt.timedelta(days=days - 1), to


ROUTES = {
    "GET /api/v1/sales/summary": "/api/v1/sales/summary?from={f}&to={t}",
    "GET /api/v1/sales/summary, all time": "/api/v1/sales/summary?preset=all_time",
    "GET /api/v1/sales/timeseries, all time": "/api/v1/sales/timeseries?preset=all_time",
    "GET /api/v1/sales/breakdown?by=country, all time": "/api/v1/sales/breakdown?by=country&preset=all_time",
    "GET /api/v1/sales/concentration, all time": "/api/v1/sales/concentration?preset=all_time",
    "GET /api/v1/sales/timeseries": "/api/v1/sales/timeseries?from={f}&to={t}",
    "GET /api/v1/sales/monthly": "/api/v1/sales/monthly?from={f}&to={t}",
    "GET /api/v1/sales/breakdown?by=country": "/api/v1/sales/breakdown?by=country&from={f}&to={t}",
    "GET /api/v1/sales/breakdown?by=category": "/api/v1/sales/breakdown?by=category&from={f}&to={t}",
    "GET /api/v1/sales/top-products": "/api/v1/sales/top-products?limit=10&from={f}&to={t}",
    "GET /api/v1/sales/top-customers": "/api/v1/sales/top-customers?limit=10&from={f}&to={t}",
    "GET /api/v1/sales/concentration": "/api/v1/sales/concentration?from={f}&to={t}",
    "GET /api/v1/sales/returns": "/api/v1/sales/returns?from={f}&to={t}",
    "server fn get_sales_summary (the cards)": "/fn/get_sales_summary?filter[from]={f}&filter[to]={t}",
    "server fn get_sales_summary, country filter": "/fn/get_sales_summary?filter[from]={f}&filter[to]={t}&filter[country][0]=Germany",
    "GET /api/v1/customers/summary": "/api/v1/customers/summary?from={f}&to={t}",
    "GET /api/v1/customers/acquisition": "/api/v1/customers/acquisition?from={f}&to={t}",
    "GET /api/v1/customers/engagement": "/api/v1/customers/engagement?from={f}&to={t}",
    "GET /api/v1/customers/rfm": "/api/v1/customers/rfm?from={f}&to={t}",
    "GET /api/v1/customers/clusters": "/api/v1/customers/clusters?from={f}&to={t}",
    "GET /api/v1/customers/cohorts": "/api/v1/customers/cohorts?from={f}&to={t}",
    "GET /api/v1/customers/segment/segment/champions": "/api/v1/customers/segment/segment/champions?from={f}&to={t}",
    "server fn get_customers_summary (the cards)": "/fn/get_customers_summary?filter[from]={f}&filter[to]={t}",
    "GET /api/v1/inventory/summary": "/api/v1/inventory/summary?from={f}&to={t}",
    "GET /api/v1/inventory/premium": "/api/v1/inventory/premium?from={f}&to={t}",
    "GET /api/v1/products": "/api/v1/products?from={f}&to={t}",
    "GET /api/v1/products/{id}": "/api/v1/products/{p}?from={f}&to={t}",
    "GET /api/v1/pricing/recommendations": "/api/v1/pricing/recommendations?from={f}&to={t}",
    "GET /api/v1/signals": "/api/v1/signals",
    "GET /api/v1/decisions": "/api/v1/decisions",
    "server fn get_inventory_overview": "/fn/get_inventory_overview?filter[from]={f}&filter[to]={t}",
    "server fn get_pricing_products": "/fn/get_pricing_products?filter[from]={f}&filter[to]={t}",
}

# Whole pages as a browser gets them (server-rendered, streamed): the time to the first KPI card
# in the stream and to the end of the page (every part filled in).
PAGES = {
    "page /sales": "/sales?from={f}&to={t}",
    "page /customers": "/customers?from={f}&to={t}",
    "page /inventory": "/inventory?from={f}&to={t}",
}


def page(path):
    """Seconds to the first KPI card in the streamed HTML, and to the end of the response."""
    t0 = time.perf_counter()
    first = None
    seen = b""
    with opener.open(BASE + path) as r:
        while True:
            chunk = r.read1(65536)
            if not chunk:
                break
            seen = seen[-64:] + chunk
            if first is None and b'class="kpi-card"' in seen:
                first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return (first if first is not None else total), total


# The same questions in DuckDB, over the raw lines (one row per order line, the line kind
# computed as in the `line_fact` view). {f} and {t} are local days.
BASE_SQL = "from lines where day between date '{f}' and date '{t}'"
DUCK = {
    "GET /api/v1/sales/summary": [
        "select sum(value) filter (where kind='sale'), sum(abs(value)) filter (where kind='return'), "
        "count(distinct order_id) filter (where kind='sale'), sum(quantity) filter (where kind='sale'), "
        "count(distinct customer_id) filter (where kind='sale') " + BASE_SQL,
    ],
    "GET /api/v1/sales/timeseries": [
        "select date_trunc('week', day) w, sum(value) filter (where kind='sale'), sum(abs(value)) filter (where kind='return'), "
        "count(distinct order_id) filter (where kind='sale') " + BASE_SQL + " group by 1 order by 1",
    ],
    "GET /api/v1/sales/monthly": [
        "with m as (select date_trunc('month', day) m, sum(value) filter (where kind='sale') g, "
        "sum(abs(value)) filter (where kind='return') r, count(distinct order_id) filter (where kind='sale') o "
        + BASE_SQL + " group by 1) select m, g, r, o, (g - r) / lag(g - r) over (order by m) from m order by m",
    ],
    "GET /api/v1/sales/breakdown?by=country": [
        "select country, sum(value) filter (where kind='sale') - coalesce(sum(abs(value)) filter (where kind='return'), 0) n "
        + BASE_SQL + " group by 1 order by 2 desc",
    ],
    "GET /api/v1/sales/breakdown?by=category": [
        "select category, sum(value) filter (where kind='sale') - coalesce(sum(abs(value)) filter (where kind='return'), 0) n "
        + BASE_SQL + " group by 1 order by 2 desc",
    ],
    "GET /api/v1/sales/top-products": [
        "select product_id, sum(quantity) filter (where kind='sale'), count(distinct order_id) filter (where kind='sale'), "
        "coalesce(sum(value) filter (where kind='sale'), 0) - coalesce(sum(abs(value)) filter (where kind='return'), 0) n "
        + BASE_SQL + " and kind in ('sale','return') group by 1 order by n desc limit 10",
    ],
    "GET /api/v1/sales/top-customers": [
        "select customer_id, count(distinct order_id) filter (where kind='sale'), "
        "sum(case when kind='sale' then value else -abs(value) end) n "
        + BASE_SQL + " and customer_id is not null and kind in ('sale','return') group by 1 order by n desc limit 10",
    ],
    "GET /api/v1/sales/concentration": [
        "with c as (select customer_id, sum(case when kind='sale' then value else -abs(value) end) n "
        + BASE_SQL + " and customer_id is not null and kind in ('sale','return') group by 1) "
        "select n, sum(n) over (order by n desc rows unbounded preceding) from c order by n desc",
    ],
    "GET /api/v1/sales/returns": [
        "select product_id, sum(abs(quantity)), sum(abs(value)) " + BASE_SQL
        + " and kind='return' group by 1 order by 3 desc limit 10",
    ],
}
PER_CUSTOMER = ("with c as (select customer_id, count(distinct order_id) filter (where kind='sale') o, "
                "sum(case when kind='sale' then value else -abs(value) end) n, max(day) filter (where kind='sale') last "
                + BASE_SQL + " and customer_id is not null and kind in ('sale','return') group by 1 having o > 0) ")
DUCK["GET /api/v1/customers/summary"] = [PER_CUSTOMER + "select count(*), count(*) filter (where o >= 2), avg(o), avg(n) from c"]
DUCK["GET /api/v1/customers/rfm"] = [PER_CUSTOMER + "select ntile(5) over (order by last), ntile(5) over (order by o), ntile(5) over (order by n) from c"]
DUCK["GET /api/v1/customers/cohorts"] = [
    "with f as (select customer_id, min(date_trunc('month', day)) m0 from lines where customer_id is not null and kind='sale' group by 1) "
    "select f.m0, date_diff('month', f.m0, date_trunc('month', l.day)), count(distinct l.customer_id) from lines l join f using (customer_id) "
    "where l.kind='sale' and f.m0 >= date_trunc('month', date '{f}') and l.day <= date '{t}' group by 1, 2"
]
# The cards: the range's summary and the comparison period's.
DUCK["server fn get_sales_summary (the cards)"] = DUCK["GET /api/v1/sales/summary"] * 2
DUCK["server fn get_sales_summary, country filter"] = [
    q.replace(BASE_SQL, BASE_SQL + " and country = 'Germany'") for q in DUCK["server fn get_sales_summary (the cards)"]]


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k] * 1000


def duck_times():
    import duckdb

    fresh = not os.path.exists(DUCK_FILE)
    con = duckdb.connect(DUCK_FILE)
    if fresh:
        con.execute(
            f"""create table lines as select * from read_csv('{FACTS_CSV}', header=true, columns={{
                'day': 'DATE', 'order_id': 'BIGINT', 'customer_id': 'BIGINT', 'product_id': 'BIGINT',
                'category': 'VARCHAR', 'country': 'VARCHAR', 'channel': 'VARCHAR', 'kind': 'VARCHAR',
                'quantity': 'INTEGER', 'value': 'DECIMAL(18,2)'}})"""
        )
    out = {}
    for name, queries in DUCK.items():
        if ONLY and not re.search(ONLY, name):
            continue
        times = []
        for i in range(5):
            f, t = window(i + 1)
            t0 = time.perf_counter()
            for q in queries:
                con.execute(q.format(f=f, t=t)).fetchall()
            times.append(time.perf_counter() - t0)
        out[name] = pct(times, 50)
    return out


def recompute_signals():
    """POST /api/v1/signals/recompute: every product's stock, prices and competitors, as after an ingest."""
    times = []
    for _ in range(min(RUNS, 5)):
        request = urllib.request.Request(BASE + "/api/v1/signals/recompute", data=b"", method="POST",
                                         headers={"Origin": BASE})
        t0 = time.perf_counter()
        opener.open(request).read()
        times.append(time.perf_counter() - t0)
    return times


def main():
    rows = []
    ingests, visible = [], []
    product = json.loads(call("/api/v1/products")[1])["products"][0]["product_id"]
    f, t = window(0)
    # The first call after the server started loads the in-memory copy of the per-customer-day
    # rollup (the warmer, off here, does it at start in the build users run).
    first_load, _ = call(f"/api/v1/sales/summary?from={f}&to={t}")
    print(f"  first Sales summary after start (loads the customer copy): {first_load * 1000:.0f} ms", file=sys.stderr, flush=True)
    # A one-order ingest → visible: the ingest, then the first Sales summary of the latest 90 days.
    for _ in range(RUNS):
        took = one_order()
        elapsed, _ = call(f"/api/v1/sales/summary?from={f}&to={t}")
        ingests.append(took)
        visible.append(took + elapsed)
    for r, (name, template) in enumerate(ROUTES.items()):
        if ONLY and not re.search(ONLY, name):
            continue
        cold, warm = [], []
        for i in range(RUNS):
            # The first call after an ingest that touched the range: every cached result is retired.
            ingests.append(one_order())
            elapsed, _ = call(template.format(f=f, t=t, p=product))
            cold.append(elapsed)
        for _ in range(RUNS):
            elapsed, _ = call(template.format(f=f, t=t, p=product))
            warm.append(elapsed)
        rows.append((name, pct(cold, 50), pct(cold, 95), pct(warm, 50), pct(warm, 95)))
        print(f"  {name}: cold p50 {pct(cold, 50):.0f} ms", file=sys.stderr, flush=True)
    for name, template in PAGES.items():
        if ONLY and not re.search(ONLY, name):
            continue
        firsts, totals, warm_firsts, warm_totals = [], [], [], []
        for i in range(RUNS):
            ingests.append(one_order())
            first, total = page(template.format(f=f, t=t))
            firsts.append(first)
            totals.append(total)
        for _ in range(RUNS):
            first, total = page(template.format(f=f, t=t))
            warm_firsts.append(first)
            warm_totals.append(total)
        rows.append((f"{name}: first cards in the stream", pct(firsts, 50), pct(firsts, 95),
                     pct(warm_firsts, 50), pct(warm_firsts, 95)))
        rows.append((f"{name}: whole page", pct(totals, 50), pct(totals, 95),
                     pct(warm_totals, 50), pct(warm_totals, 95)))
        print(f"  {name}: cold first cards p50 {pct(firsts, 50):.0f} ms, whole {pct(totals, 50):.0f} ms",
              file=sys.stderr, flush=True)
    signals = recompute_signals() if not ONLY or re.search(ONLY, "signals") else []
    duck = duck_times()
    print()
    print(f"The 90 days ending {LATEST} (or all time); {RUNS} calls per route and state; cold = the first")
    print("call after a one-order ingest on the latest day (every cached result retired), warm = the same")
    print("call again (cache hit).")
    print()
    print(f"First Sales summary after the server started (loads the in-memory customer copy): {first_load * 1000:.0f} ms.")
    print(f"One-order ingest (POST /api/v1/ingest, rollups refreshed in its transaction): p50 "
          f"{pct(ingests, 50):.0f} ms, p95 {pct(ingests, 95):.0f} ms over {len(ingests)} runs; "
          f"ingest + first Sales summary that shows it: p50 {pct(visible, 50):.0f} ms, p95 {pct(visible, 95):.0f} ms.")
    print()
    print("| route | cold p50 | cold p95 | warm p50 | warm p95 | DuckDB (raw lines) | cold p50 / DuckDB |")
    print("|---|---|---|---|---|---|---|")
    for name, c50, c95, w50, w95 in rows:
        d = duck.get(name)
        ratio = f"{c50 / d:.1f}×" if d else ""
        duck_ms = f"{d:.0f} ms" if d else "—"
        print(f"| {name} | {c50:.0f} ms | {c95:.0f} ms | {w50:.1f} ms | {w95:.1f} ms | {duck_ms} | {ratio} |")
    if signals:
        print()
        print(f"Market signals recomputed for every product (POST /api/v1/signals/recompute): "
              f"p50 {pct(signals, 50):.0f} ms, max {pct(signals, 100):.0f} ms over {len(signals)} runs.")


main()
