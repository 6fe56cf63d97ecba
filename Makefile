# One command each for running, testing and linting; CI runs `make test` through .ci/run.

# The interpreter for the virtualenv: the first of these that runs and is Python 3.11 or newer (a pyenv shim
# of a version that is not installed fails the check and is skipped). Override with PYTHON=/path/to/python3.x.
PYTHON_CANDIDATES := python3.14 python3.13 python3.12 python3.11 python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in $(PYTHON_CANDIDATES); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
endif
VENV ?= .venv
BIN := $(VENV)/bin
UV ?= uv

# pytest-xdist workers for `make test`: one per core. Measured on the 2-core machine (PostgreSQL included,
# with coverage, a shared and loaded machine): serial without coverage 19.5 min, -n 2 6.0 min, -n 4 6.4-8.2 min.
TEST_WORKERS ?= auto

.PHONY: install install-dev install-bench run test lint types unit bench lock

# Three locks, each a whole environment with hashes (see README, "Dependencies"): requirements.lock runs
# Fapiao, requirements-dev.lock adds what the tests, linters and type checks need, requirements-bench.lock
# adds the benchmark's baselines. A stamp per lock in the virtualenv says which are installed.
$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11 or newer found (tried $(PYTHON_CANDIDATES));" \
		"install one or pass PYTHON=/path/to/python3.x" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make: $(PYTHON) is not" \
		"Python 3.11 or newer; pass PYTHON=/path/to/python3.x" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed-runtime
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

$(VENV)/.installed-bench: requirements-bench.lock $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-bench.lock
	touch $@

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

run: install
	$(BIN)/fapiao serve --demo

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install-dev
	$(BIN)/mypy

# Parallel (one module per worker: its server and store are set up once), with branch coverage, then the
# per-package report and the gate (tests/support/coverage_gate.py: >= 90 % over domain and the features).
test: lint types
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --cov --cov-report=
	$(BIN)/python -m tests.support.coverage_gate

# The quick loop: unit tests only, no server processes, SQLite only unless FAPIAO_TEST_DATABASE_URL is set.
unit: install-dev
	$(BIN)/pytest tests/unit -m "not slow" -q

# Speed, scale and footprint against baselines measured in the same run (see bench/README.md).
# Options through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--quick"`; needs wrk (apt-get install -y wrk).
bench: install-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-resolves the three locks from pyproject.toml, keeping every pin that still fits (uv prefers the versions
# already in each output file); each lock is constrained by the one below it so a package has one version in
# all three. Upgrade on purpose with LOCK_ARGS, e.g. `make lock LOCK_ARGS="--upgrade-package httpx"`.
# Needs uv (https://docs.astral.sh/uv/) on PATH or as UV=/path/to/uv, e.g.:
#   python3 -m venv /tmp/uvenv && /tmp/uvenv/bin/pip install uv && make lock UV=/tmp/uvenv/bin/uv
LOCK := $(UV) pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock:
	@command -v $(UV) >/dev/null 2>&1 || { echo "make lock: uv not found; install it (e.g. python3 -m venv" \
		"/tmp/uvenv && /tmp/uvenv/bin/pip install uv) and run make lock UV=/tmp/uvenv/bin/uv" >&2; exit 1; }
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -c requirements.lock -o requirements-dev.lock
	$(LOCK) --extra dev --extra bench -c requirements-dev.lock -o requirements-bench.lock
