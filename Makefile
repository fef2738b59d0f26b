# Task file: `make serve` runs the main job, `make test` runs lint, type check and tests.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: serve test lint typecheck pytest install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/codex-graph serve

lint: $(VENV)/.installed
	$(BIN)/ruff check graph api cli tests

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed
	$(BIN)/pytest

test: lint typecheck pytest
