#!/usr/bin/env bash
# Crates the `serve` build compiles twice — once for the server, once for the procedural macros and
# build scripts — because the two sides ask for different features, and which features differ.
# Nothing is compiled: it reads cargo's unit graph (an unstable flag, allowed on stable cargo by
# RUSTC_BOOTSTRAP for this one call). Exits 1 when a crate is built twice, so that a dependency
# change that undoes tools/workspace-hack shows up; add the features it names there (a crate whose
# copies have the same features is built twice because a crate below it is).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-serve}"
RUSTC_BOOTSTRAP=1 SQLX_OFFLINE=true cargo build --quiet --unit-graph -Z unstable-options \
  -p server --profile "$profile" | python3 -c '
import collections, json, sys
units = json.load(sys.stdin)["units"]
copies = collections.defaultdict(list)
for unit in units:
    copies[(unit["pkg_id"].split("#")[-1], unit["target"]["name"], unit["mode"])].append(unit)
twins = 0
for (name, target, mode), same in sorted(copies.items()):
    if len(same) > 1 and mode == "build" and target != "build-script-build":
        twins += 1
        every = set().union(*(unit["features"] for unit in same))
        common = every.intersection(*(unit["features"] for unit in same))
        why = f"features not on every copy: {sorted(every - common)}" if every != common else "same features, its dependencies differ"
        print(f"{name} ({len(same)} copies): {why}")
print(f"{len(units)} units, {twins} crates compiled more than once")
sys.exit(1 if twins else 0)
'
