#!/usr/bin/env python3
"""Load benchmark (part of `make bench`, `BENCH=load`).

Against a running storepulse server: logs in as an admin, creates a Sales embed locked to one
country and mints its token, then drives two routes with `wrk` (Debian's package, on this machine,
loopback only) at concurrency 50 for a fixed time each:
  - an embed data route (`Authorization: Bearer <embed JWT>`),
  - a session API route (the session cookie),
and `/health` as the floor. Prints requests/s, latency p50/p99 and the count of non-2xx answers and
socket errors as a Markdown table. The loop is bounded by wrk's duration; nothing leaves loopback.

Usage: bench_load.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
"""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

BASE, EMAIL, PASSWORD = sys.argv[1:4]
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "50"))

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
# Server functions check the caller's origin (CSRF): send this site's own.
opener.addheaders = [("Origin", BASE)]


def post_form(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(urllib.request.Request(BASE + path, data=data, method="POST")) as r:
        return r.read()


post_form("/fn/login", {"email": EMAIL, "password": PASSWORD})
session = "; ".join(f"{c.name}={c.value}" for c in jar)
if not session:
    raise SystemExit("login failed: no session cookie")
embed_id = json.loads(post_form("/fn/save_embed", {
    "input[name]": "load benchmark",
    "input[dashboard]": "sales",
    "input[locked][country][0]": "Germany",
    "input[allowed_origins][0]": "https://partner.example",
    "input[theme]": "light",
}))
token = json.loads(post_form("/fn/mint_embed_token", {"id": embed_id, "minutes": 60}))

ROUTE = "/api/v1/sales/summary?preset=last_30_days"
RUNS = [
    ("embed data route (Bearer embed JWT)", ROUTE, f"Authorization: Bearer {token}"),
    ("session API route (cookie)", ROUTE, f"Cookie: {session}"),
    ("/health", "/health", None),
]


def unit_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


print(f"| route ({CONNECTIONS} connections, {SECONDS} s) | requests/s | p50 | p99 | non-2xx | socket errors |")
print("|---|---|---|---|---|---|")
for label, path, header in RUNS:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    if header:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict((p, unit_ms(v, u)) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M))
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in errors.groups()) if errors else 0
    print(f"| {label} | {rps:,.0f} | {lat.get('50', 0):.1f} ms | {lat.get('99', 0):.1f} ms | {non2xx} | {socket_errors} |")
    if non2xx or socket_errors:
        print(out, file=sys.stderr)
