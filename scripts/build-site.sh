#!/usr/bin/env bash
# Builds the browser side into $SITE: the WASM bundle (cargo → wasm-bindgen → wasm-opt), the CSS
# and the static assets (ECharts included: the app never loads scripts from a CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$PWD/target}"
SITE="${SITE:-$CARGO_TARGET_DIR/site}"
WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
PKG="$SITE/pkg"

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
mkdir -p "$PKG" "$SITE/assets"
if [[ ! -f "$PKG/storepulse_bg.wasm" || "$WASM" -nt "$PKG/storepulse_bg.wasm" ]]; then
  echo "wasm-bindgen + wasm-opt…"
  wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name storepulse "$WASM"
  tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$PKG/storepulse_bg.wasm" -o "$PKG/storepulse_bg.wasm"
fi
cp style/main.css "$PKG/storepulse.css"
cp -r public/. "$SITE/assets/"
cp tools/node_modules/echarts/dist/echarts.min.js "$SITE/assets/echarts.min.js"
