#!/usr/bin/env bash
# Installs whatever StorePulse's build and run need and is missing. Safe to run again: each step
# checks first. `--browser` also installs Chromium for the end-to-end tests. wasm-bindgen is not
# installed: tools/wasm-split runs its library (the version Cargo.lock pins) in scripts/build-site.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
[[ "${1:-}" == "--browser" ]] && want_browser=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "Please install: $* (no apt-get on this machine)" >&2; exit 1
  fi
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  # A transient dpkg error has been seen once; one retry.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  say "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

# `make lint` (CI runs it) needs rustfmt and clippy; a minimal rustup profile has neither.
missing_components=()
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || missing_components+=("$component")
done
if (( ${#missing_components[@]} )); then
  say "Adding the Rust components ${missing_components[*]}"
  rustup component add "${missing_components[@]}"
fi


if ! command -v npm >/dev/null; then
  say "Installing Node.js and npm (build tools and browser tests come from the npm registry)"
  apt_install nodejs npm
fi

if [[ ! -x tools/node_modules/.bin/wasm-opt || ! -f tools/node_modules/echarts/dist/echarts.min.js ]]; then
  say "Installing wasm-opt (binaryen) and ECharts from npm"
  (cd tools && npm install --no-audit --no-fund --loglevel=error)
fi

pg_found=false
for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/initdb" ]] && pg_found=true; done
command -v initdb >/dev/null && pg_found=true
if ! $pg_found && [[ -z "${DATABASE_URL:-}" && -z "${STOREPULSE_DATABASE_URL:-}" ]]; then
  say "Installing the PostgreSQL server binaries"
  apt_install postgresql
fi

if $want_browser; then
  if ! command -v chromium >/dev/null; then
    say "Installing Chromium for the browser tests"
    apt_install chromium
  fi
  if [[ ! -d end2end/node_modules/playwright-core || ! -d end2end/node_modules/axe-core ]]; then
    say "Installing playwright-core (drives the installed Chromium; downloads no browser) and axe-core"
    (cd end2end && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
