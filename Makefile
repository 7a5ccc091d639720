# StorePulse: `make run` starts the app with demo data, `make test` runs every test.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(CURDIR)/target
# Queries are checked at compile time against the committed .sqlx/ data (see `make sqlx-prepare`).
export SQLX_OFFLINE ?= true
export SITE := $(CARGO_TARGET_DIR)/site
BIN := $(CARGO_TARGET_DIR)/debug/storepulse
# What `make run` starts: the optimised `serve` profile (Cargo.toml); tests use the debug build.
SERVE_BIN := $(CARGO_TARGET_DIR)/serve/storepulse

.PHONY: run test fuzz setup setup-test site server server-optimised bench dev sqlx-prepare sqlx-check fmt lint clean

## run: install what is missing, build, start on http://127.0.0.1:3000 with its own PostgreSQL and demo data
run: setup
	@# The browser bundle and the server build side by side: each has single-threaded stretches
	@# (the app crate's front end, the bundle's link-time optimisation) that the other fills.
	@$(MAKE) --no-print-directory -j2 site server-optimised
	STOREPULSE_SITE_ROOT=$(SITE) $(SERVE_BIN) serve

## test: every test (unit, database, HTTP, browser); starts a throw-away PostgreSQL unless DATABASE_URL is set
test: setup-test site server
	scripts/test.sh

## fuzz: the file readers and row parsers on 100,000 generated inputs each (`make test` runs 48)
fuzz:
	PROPTEST_CASES=$${PROPTEST_CASES:-100000} cargo test --test hardening_ingest fuzz

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --browser

site:
	scripts/build-site.sh

server:
	cargo build -p server

server-optimised:
	cargo build -p server --profile serve

## bench: ingest throughput vs plain COPY (release build; see docs/performance.md)
bench: setup
	scripts/bench.sh

## dev: watch mode through cargo-leptos (install it first: cargo +nightly install cargo-leptos --locked)
dev: setup
	cargo leptos watch

## sqlx-prepare: refresh .sqlx/ after changing a query (needs DATABASE_URL of a scratch database)
sqlx-prepare:
	scripts/sqlx-prepare.sh

## sqlx-check: fail when .sqlx/ does not match the queries (CI); a script rather than sqlx-cli, see inside
sqlx-check: setup server
	scripts/sqlx-check.sh

fmt:
	cargo fmt --all

## lint: formatting, no import circles, clippy with warnings as errors, no crate compiled twice
## for the server and its macros (CI runs it before the tests)
lint: setup
	cargo fmt --all -- --check
	scripts/module-circles.py app/src server/src
	cargo clippy -p app --features ssr -p formats -p kernels -p server --tests -- -D warnings
	scripts/unit-twins.sh

clean:
	cargo clean
