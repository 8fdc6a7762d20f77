# Every target builds .venv first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCALE  ?= county,city

.PHONY: demo test test-unit test-integration test-cli bench bytecode lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# An editable install leaves our own modules uncompiled, and where PYTHONDONTWRITEBYTECODE
# is set every command would compile them again (~100 ms of a cold start).
bytecode:
	$(BIN)/python -m compileall -q ledger projections scheduler cli benchmarks > /dev/null

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

bench: $(STAMP) bytecode
	$(BIN)/python -m benchmarks --scale $(SCALE)
	$(BIN)/python -m benchmarks.service --scale $(SCALE)
	$(BIN)/python -m benchmarks.bench_plan_import
	$(BIN)/python -m benchmarks.bench_supervision

lint: $(STAMP)
	$(BIN)/ruff check ledger projections scheduler cli tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) taizhang.db taizhang.db-wal taizhang.db-shm .pytest_cache
