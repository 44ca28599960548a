# The two commands a developer needs: `make run` and `make test`. Everything else is optional.

PYTHON ?= python3.11
PORT ?= 8000
# Development mode for the app's own commands: the settings default to production (README).
run run-app schema: export DEBUG ?= true

VENV := .venv
BIN := $(VENV)/bin
# The install stamp is named after pyproject.toml's checksum: a changed pyproject reinstalls.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
HAS_FRONTEND := $(wildcard frontend/package.json)

.PHONY: install run run-app test test-two-databases lint fmt clean frontend tools bench schema

install: $(STAMP)

$(STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or set PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e ".[dev,embedded]"
	rm -f $(VENV)/.installed-*
	touch $@

frontend:
ifneq ($(HAS_FRONTEND),)
	cd frontend && npm ci --no-audit --no-fund && npm run build
else
	@echo "No frontend/package.json yet: skipping the frontend build."
endif

# `make run`: on the PostgreSQL and Redis configured (DATABASE_URL, REDIS_URL), else those
# answering at the default addresses, else embedded servers started for the run and stopped
# after it, with their data in .embedded/ (config/local_servers.py; ORDERS_EMBEDDED=1 forces
# them, ORDERS_EMBEDDED=0 never starts them).
run: install
	@$(BIN)/python -m config.local_servers run -- $(MAKE) --no-print-directory run-app PORT=$(PORT)

# The app on the servers `make run` chose (alone, it uses DATABASE_URL / REDIS_URL as they are).
run-app: install
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --no-input
	@test -z "$$READ_DATABASE_URL" || $(BIN)/python manage.py migrate --no-input --database read
	$(BIN)/python manage.py load_demo_data
	@$(MAKE) --no-print-directory frontend
	@echo
	@echo "  Orders is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops every component)"
	@echo "  Customers: alice / alice-demo-pass, bob / bob-demo-pass"
	@echo "  Staff (admin at /admin/): staff / staff-demo-pass"
	@$(BIN)/python -m config.local_servers describe
	@echo
	@$(BIN)/python -m config.metrics_dir --reset  # stale Prometheus files of an earlier run
	$(BIN)/honcho start -f Procfile -p $(PORT)

test: install tools
	@bash scripts/enable-logical-decoding.sh  # the cdc strategy's tests need wal_level=logical
	@bash scripts/ensure-browser.sh  # Debian's chromium for the end-to-end tests
ifneq ($(HAS_FRONTEND),)
	$(MAKE) --no-print-directory frontend
	cd frontend && npm test
endif
	$(MAKE) --no-print-directory lint
	@# The unit tests need no database at all: prove it with one that cannot be reached.
	DATABASE_URL=postgres://nobody@127.0.0.1:1/none $(BIN)/pytest -q -p no:cacheprovider tests/unit
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-two-databases

# The pipeline, query, rebuild and fault groups again, with the read tables in a database of
# their own on the same server (<TEST_DB_NAME>_read): no transaction spans the two
# (docs/scaling.md). `make test` ends with it; alone, it takes a few minutes.
TWO_DATABASE_TESTS := tests/pipeline tests/integration tests/queries tests/system
test-two-databases: install
	@bash scripts/enable-logical-decoding.sh  # the cdc strategy's tests need wal_level=logical
	READ_DATABASE_URL=$${READ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/orders_read} \
		$(BIN)/pytest $(TWO_DATABASE_TESTS)

# promtool (Debian package `prometheus`) checks and unit-tests ops/prometheus/alerts.yml.
# Installed when missing if we can (root, e.g. CI); elsewhere its tests are skipped, not in CI.
tools:
	@command -v promtool >/dev/null || { \
		echo "Installing promtool (Debian package prometheus)"; \
		( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends prometheus ) >/tmp/orders-promtool-install.log 2>&1 \
		|| { cat /tmp/orders-promtool-install.log; [ "$$CI" != true ] \
			&& echo "promtool not installed: the alert rule tests will be skipped"; }; }

# The benchmark suite (docs/benchmarks.md): `make bench`, or `make bench ARGS=--quick` (≈ 5 min).
# It uses its own database (orders_bench) and Redis database (11).
BENCH_STAMP := $(VENV)/.bench-installed-$(shell sha256sum pyproject.toml | cut -c1-16)

bench: install $(BENCH_STAMP)
	$(BIN)/python -m bench $(ARGS)

$(BENCH_STAMP):
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e ".[dev,bench]"
	rm -f $(VENV)/.bench-installed-*
	touch $@

# The OpenAPI schema (docs/openapi.yaml, made from the code by drf-spectacular) and the frontend
# types generated from it (frontend/src/api/schema.d.ts). Run after changing an endpoint;
# tests/schema/test_schema_drift.py fails while either is out of date.
schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml
ifneq ($(HAS_FRONTEND),)
	cd frontend && { test -d node_modules || npm ci --no-audit --no-fund; } && npm run gen:types
endif

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info frontend/node_modules static/app staticfiles .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
