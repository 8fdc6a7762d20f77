# Every target builds .venv first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCALE  ?= county,city

.PHONY: demo test test-unit test-integration test-cli bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

test: $(STAMP)
	$(BIN)/pytest -q

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

test-integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

test-cli: $(STAMP)
	$(BIN)/pytest -q tests/cli

bench: $(STAMP)
	$(BIN)/python -m benchmarks --scale $(SCALE)
	$(BIN)/python -m benchmarks.service --scale $(SCALE)

lint: $(STAMP)
	$(BIN)/ruff check ledger projections cli tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) taizhang.db taizhang.db-wal taizhang.db-shm .pytest_cache
