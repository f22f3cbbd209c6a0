# The two commands: `make run` serves the API on the embedded SQLite default (./data/app.db,
# migrations applied at start); `make test` runs every check and test.
CARGO ?= cargo
SHARED_TOOLS ?= ../shared/tools

# A clean CI build needs no incremental cache (it would only double the disk it uses).
ifdef CI
export CARGO_INCREMENTAL = 0
endif

.PHONY: run test fmt lint check-layers build release migrate owner clean-data

run:
	$(CARGO) run -p crm-http --bin crm-server -- serve

test:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@if [ -x $(SHARED_TOOLS)/check-layers ]; then $(SHARED_TOOLS)/check-layers; fi
	$(CARGO) test --workspace
	$(MAKE) fuzz-api

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

check-layers:
	$(SHARED_TOOLS)/check-layers

build:
	$(CARGO) build --workspace

release:
	$(CARGO) build --release -p crm-http --bin crm-server

migrate:
	$(CARGO) run -p crm-http --bin crm-server -- migrate

# make owner NAME="Ольга Иванова" [TELEGRAM_ID=123456789] — creates an owner and prints a token.
owner:
	$(CARGO) run -q -p crm-http --bin crm-server -- create-owner --name "$(NAME)" $(if $(TELEGRAM_ID),--telegram-id $(TELEGRAM_ID))

# make demo [DEMO_CLIENTS=20000 DEMO_OPERATIONS=200000 DEMO_SEED=42] — builds the release server,
# fills data/demo.db with a demo business once (see docs/demo-data.md), prints an owner token and
# serves the demo database.
DEMO_DB ?= data/demo.db
DEMO_CLIENTS ?= 20000
DEMO_OPERATIONS ?= 200000
DEMO_SEED ?= 42
.PHONY: demo
demo:
	$(CARGO) build --release -p crm-http --bin crm-server
	@if [ ! -f $(DEMO_DB) ]; then \
		DATABASE_URL=$(DEMO_DB) ./target/release/crm-server demo-data --clients $(DEMO_CLIENTS) \
			--operations $(DEMO_OPERATIONS) --seed $(DEMO_SEED) \
			|| { rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm; exit 1; }; \
	fi
	@echo "owner token (employee 1):"
	@DATABASE_URL=$(DEMO_DB) ./target/release/crm-server token --employee-id 1
	DATABASE_URL=$(DEMO_DB) ./target/release/crm-server serve

# make bench [BENCH_DURATION=10] — the release server on a demo database of 100k clients and 1M
# purchases (generated once into target/bench/), driven by wrk (installed if missing), plus the
# in-process Criterion benchmark of a purchase; prints the table and writes target/bench/results.md
# (see docs/performance.md). Not part of `make test`.
.PHONY: bench
bench:
	python3 scripts/bench.py

# API fuzzing: schemathesis (pinned, in target/schemathesis-venv) over every route of
# /openapi.json against the debug server on a temporary database; see docs/api-fuzzing.md.
.PHONY: fuzz-api
fuzz-api:
	CARGO="$(CARGO)" bash scripts/schemathesis.sh
