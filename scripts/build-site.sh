#!/usr/bin/env bash
# Builds the browser side into $SITE: the WASM bundle (cargo → tools/wasm-split, which cuts out
# the lazy islands and runs wasm-bindgen's library on the main module → wasm-opt -O1), the CSS and the static
# assets (ECharts included: the app never loads scripts from a CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$PWD/target}"
SITE="${SITE:-$CARGO_TARGET_DIR/site}"
WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
PKG="$SITE/pkg"

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
cargo build -q -p wasm-split
mkdir -p "$PKG" "$SITE/assets"
if [[ ! -f "$PKG/storepulse_bg.wasm" || "$WASM" -nt "$PKG/storepulse_bg.wasm" ]]; then
  echo "wasm-split + wasm-bindgen + wasm-opt…"
  rm -f "$PKG"/*.wasm "$PKG"/*.wasm.* "$PKG"/__wasm_split*
  # Each lazy island (`#[island(lazy)]`, app/src/islands and the admin pages) becomes a chunk the
  # browser fetches on the pages that show it; the other islands stay in the main module, which
  # wasm-bindgen then wraps (storepulse.js, storepulse_bg.wasm).
  "$CARGO_TARGET_DIR/debug/wasm-split" "$WASM" "$PKG" "${WASM%.wasm}_split.wasm"
  # wasm-opt -O1, not -Oz: the bundle is already built at opt-level "z" with LTO, and -Oz's
  # further shrinking compresses worse (gzip -9 of /sales: -Oz 674 KB, -O1 631 KB, -O1 with the
  # producers and target-features sections stripped 621 KB) at 4× the CPU (docs/performance.md).
  # All files in one Node process with two workers (scripts/wasm-opt-batch.mjs: the same output
  # as the command, without starting it 170 times), largest first.
  mapfile -t wasm < <(ls -S "$PKG"/*.wasm)
  node scripts/wasm-opt-batch.mjs 2 -O1 --enable-bulk-memory --enable-nontrapping-float-to-int \
    --strip-producers --strip-target-features -- "${wasm[@]}"
fi
# Copied only when it differs, with the time of the copy: precompress.mjs redoes a compressed
# copy that is older than its file, and `cp -p` kept the source's time — a stylesheet edited
# before the last precompression (e.g. a build copied from another checkout) stayed stale.
cmp -s style/main.css "$PKG/storepulse.css" || cp style/main.css "$PKG/storepulse.css"
cp -rp public/. "$SITE/assets/"
cp -p tools/node_modules/echarts/dist/echarts.min.js "$SITE/assets/echarts.min.js"
node scripts/precompress.mjs "$PKG" "$SITE/assets"
