# InLav PUA backend. `make run` and `make test` need only the Rust toolchain.

CARGO ?= cargo
# The PostgreSQL suite creates (and drops) one schema per test in this database.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
VENV ?= .venv

.PHONY: run build release test test-pg lint fmt openapi openapi-check client-check browser-check smoke smoke-pg fuzz faults bench deploy-check

## Build and start the service on SQLite (data/inlav.db), at http://127.0.0.1:8080/docs/
run:
	$(CARGO) run -p inlav-api --bin inlav -- serve

build:
	$(CARGO) build -p inlav-api --bin inlav

release:
	$(CARGO) build --release -p inlav-api --bin inlav

## Unit tests and the HTTP suite on SQLite (no PostgreSQL needed)
test:
	$(CARGO) test --workspace -- --skip pg_only

## The HTTP suite on PostgreSQL, plus the checks that need both backends
test-pg:
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(CARGO) test -p inlav-tests

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Regenerate the committed spec from the code
openapi:
	$(CARGO) run -q -p inlav-api --bin inlav -- openapi > openapi/openapi.json

## The committed spec matches the code, and validates as OpenAPI 3.1
openapi-check:
	$(CARGO) test -q -p inlav-tests --test api -- openapi::
	test -x $(VENV)/bin/openapi-spec-validator || (python3 -m venv $(VENV) && $(VENV)/bin/pip install -q 'openapi-spec-validator==0.7.2')
	$(VENV)/bin/openapi-spec-validator openapi/openapi.json

## A TypeScript client generated from the committed spec reads the problems without a cast
client-check:
	bash scripts/client_check.sh

## A SPA on another origin, in headless Chromium (installed when missing), works through CORS;
## one on an origin not listed is refused
browser-check: build
	python3 scripts/browser_cors.py target/debug/inlav

## Start the real binary, log in, read /docs/, stop it with SIGTERM
smoke: build
	python3 scripts/smoke.py target/debug/inlav
	python3 scripts/quickstart.py target/debug/inlav

smoke-pg: build
	python3 scripts/smoke.py target/debug/inlav '$(SMOKE_DATABASE_URL)'

## deploy/inlav.service passes systemd-analyze verify (installed when missing)
deploy-check: build
	bash scripts/deploy_check.sh target/debug/inlav

## Schemathesis against the served spec, as a district coordinator and as a partner (bounded)
fuzz: build
	test -x $(VENV)/bin/schemathesis || (python3 -m venv $(VENV) && $(VENV)/bin/pip install -q 'schemathesis==4.32.5')
	python3 scripts/fuzz.py target/debug/inlav $(VENV)/bin/schemathesis

## Database outage, races across processes, restart and SIGKILL under load (stops and starts the local PostgreSQL)
faults: build
	python3 scripts/faults.py target/debug/inlav

## The release server on generated databases under wrk: 10k and 1M cases, SQLite and PostgreSQL
## (BENCH_ARGS="--sizes 10000 --backends sqlite" for a quick run)
bench: release
	python3 scripts/bench.py target/release/inlav $(BENCH_ARGS)
