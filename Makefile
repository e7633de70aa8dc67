# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing
# first (idempotently), so they work on a fresh machine of this kind.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The wasm-bindgen CLI must be exactly the library version in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p}' Cargo.lock)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SERVER_BIN := $(TARGET_DIR)/debug/server
RELEASE_BIN := $(TARGET_DIR)/release/server
FUZZ_SECONDS ?= 30
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: designer-test help tools release-tools e2e-tools build build-release dev run test fmt-check clippy rust-test pg-up e2e fuzz-smoke bench fmt clients clients-tools

help:
	@echo "make run    install what is missing, build the release (optimised, compressed), serve on http://127.0.0.1:3000"
	@echo "make dev    the same with the debug build: quick to rebuild, large to download"
	@echo "make test   fmt, clippy, Rust tests on SQLite and PostgreSQL, designer unit tests, browser tests, fuzz smoke"
	@echo "make bench  parser, runtime and job benchmarks (job executors in one and two processes)"

## Toolchain: the wasm target and wasm-bindgen (built from crates.io); for a release, Debian's
## brotli. Nothing here downloads a binary from elsewhere.
tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || cargo install wasm-bindgen-cli --locked --version $(WASM_BINDGEN_VERSION) || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

release-tools: tools
	@command -v brotli >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli; }

## Browser tests: Debian's chromium, curl, and the Playwright test runner from npm.
e2e-tools:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }
	@cd end2end && { [ -d node_modules/@playwright/test ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund; }

## The debug build (scripts/site.sh): what the tests run.
build: tools
	scripts/site.sh debug

build-release: release-tools
	scripts/site.sh release

## Serves the console. Configuration through DATABASE_URL, BPM_ADDR, BPM_ADMIN_PASSWORD,
## BPM_API_TOKEN, BPM_DEMO (see README); they pass straight through to the server.
run: build-release
	$(RELEASE_BIN)

dev: build
	$(SERVER_BIN)

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

clippy: tools
	cargo clippy -p bpmn-core -p engine -p app -p server -p designer-check --all-targets -- -D warnings
	cargo clippy -p bpmn-core --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p designer-check --target wasm32-unknown-unknown -- -D warnings

## PostgreSQL must answer for the Postgres half of the tests; start the local cluster if it is
## installed but stopped. If none answers, those tests fail and say why.
pg-up:
	@pg_isready -q -d "$(PG_URL)" 2>/dev/null || { command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start || true; }
	@for i in $$(seq 1 20); do pg_isready -q -d "$(PG_URL)" 2>/dev/null && exit 0; sleep 0.5; done; echo "warning: PostgreSQL at $(PG_URL) does not answer; its tests will fail"

rust-test: pg-up
	BPM_TEST_PG_URL="$(PG_URL)" cargo test --workspace --exclude frontend

e2e: build e2e-tools
	end2end/run.sh "$(SERVER_BIN)"

## The designer's own JavaScript (designer/): unit tests with node's test runner (each
## attribute the panel edits is written back with the rest of the file untouched, Flowable
## files stay Flowable), and the check that the Chinese dictionary covers every label.
designer-test:
	cd designer && { [ -d node_modules/bpmn-js ] && ! [ package-lock.json -nt node_modules/.package-lock.json ] || npm ci --ignore-scripts --no-audit --no-fund; } && node --test test/ && node scripts/translations.mjs

## The real client programs of Camunda 7 users (npm, PyPI) against /engine-rest.
clients-tools:
	@clients/python/.venv/bin/python -c 'import pycamunda' 2>/dev/null || { { python3 -m venv clients/python/.venv || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv clients/python/.venv; }; } && clients/python/.venv/bin/pip install --quiet -r clients/python/requirements.txt; }
	@cd clients/js && { [ -d node_modules/camunda-external-task-client-js ] || npm ci --no-audit --no-fund; }

clients: build clients-tools
	clients/run.sh "$(SERVER_BIN)"

## A short, bounded libFuzzer run of the BPMN parser (needs the nightly toolchain). Without
## nightly the bounded stable mutation test in bpmn-core/tests/parse_errors.rs still runs.
fuzz-smoke:
	@if rustup toolchain list | grep -q '^nightly'; then \
	  cargo fuzz --version >/dev/null 2>&1 || { cargo install cargo-fuzz --locked || cargo install cargo-fuzz; }; \
	  corpus=$$(mktemp -d); cp ../shared/conformance/miwg/*.bpmn "$$corpus"/ 2>/dev/null || true; \
	  cd fuzz && cargo +nightly fuzz run parse --target-dir "$(abspath $(TARGET_DIR))/fuzz" "$$corpus" -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048; \
	  status=$$?; rm -rf "$$corpus"; exit $$status; \
	else echo "fuzz-smoke: no nightly toolchain; the stable mutation test covers the parser"; fi

test: fmt-check clippy rust-test designer-test e2e clients fuzz-smoke
	@echo "make test: all passed"

bench: pg-up
	cargo bench -p bpmn-core --bench parse
	BPM_TEST_PG_URL=$(PG_URL) cargo bench -p engine --bench runtime
	BPM_TEST_PG_URL=$(PG_URL) cargo bench -p engine --bench jobs
	BPM_TEST_PG_URL=$(PG_URL) cargo bench -p engine --bench search
	BPM_TEST_PG_URL=$(PG_URL) cargo bench -p server --bench processes
	engine/benches/pg_replay/run.sh 16 8
