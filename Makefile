# One command each for running, testing and linting; CI runs `make test` through .ci/run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint types unit

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
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

types: install
	$(BIN)/mypy

test: lint types
	$(BIN)/pytest

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
