# One command each for running, testing and linting; CI runs `make test` through .ci/run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

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

test: lint types
	$(BIN)/pytest

# Speed, scale and footprint against baselines measured in the same run (see bench/README.md).
# Options through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--quick"`; needs wrk (apt-get install -y wrk).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 -o requirements.lock
