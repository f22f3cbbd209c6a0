# The two commands: `make run` serves the API on the embedded SQLite default (./data/app.db,
# migrations applied at start); `make test` runs every check and test.
CARGO ?= cargo
SHARED_TOOLS ?= ../shared/tools

.PHONY: run test fmt lint check-layers build release migrate owner clean-data

run:
	$(CARGO) run -p crm-http --bin crm-server -- serve

test:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@if [ -x $(SHARED_TOOLS)/check-layers ]; then $(SHARED_TOOLS)/check-layers; fi
	$(CARGO) test --workspace

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
