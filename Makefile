# The README's quick start: `make demo` and `make test`. Each creates .venv on
# first use and installs the project into it; nothing else is needed but
# Python >= 3.11 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit test-stress lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aiway-tui demo $(SCENARIO)

test: $(STAMP)
	$(BIN)/python -m pytest tests stress

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests

test-stress: $(STAMP)
	$(BIN)/python -m pytest stress

bench: $(STAMP)
	$(BIN)/aiway-tui bench --json bench.json

lint: $(STAMP)
	$(BIN)/ruff check aiway_tui tests stress
	$(BIN)/ruff format --check aiway_tui tests stress
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
