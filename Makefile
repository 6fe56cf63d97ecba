# One command each for running, testing and linting; CI runs `make test` through .ci/run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

# pytest-xdist workers for `make test`: one per core. Measured on the 2-core machine (PostgreSQL included,
# with coverage, a shared and loaded machine): serial without coverage 19.5 min, -n 2 6.0 min, -n 4 6.4-8.2 min.
TEST_WORKERS ?= auto

.PHONY: install run test lint types unit bench

$(BIN)/fapiao: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/fapiao

run: install
	$(BIN)/fapiao serve --demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install
	$(BIN)/mypy

# Parallel (one module per worker: its server and store are set up once), with branch coverage, then the
# per-package report and the gate (tests/support/coverage_gate.py: >= 90 % over domain and the features).
test: lint types
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --cov --cov-report=
	$(BIN)/python -m tests.support.coverage_gate

# The quick loop: unit tests only, no server processes, SQLite only unless FAPIAO_TEST_DATABASE_URL is set.
unit: install
	$(BIN)/pytest tests/unit -m "not slow" -q

# Speed, scale and footprint against baselines measured in the same run (see bench/README.md).
# Options through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--quick"`; needs wrk (apt-get install -y wrk).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 -o requirements.lock
