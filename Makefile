# Task file: `make serve` runs the main job, `make test` runs lint, type check and tests.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: serve test lint typecheck pytest install assets browser
CYTOSCAPE_VERSION = 3.35.0
VENDOR = api/static/vendor

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# the explorer's drawing library, installed from the npm registry (no CDN at run time)
$(VENDOR)/cytoscape.min.js:
	mkdir -p build/npm $(VENDOR)
	npm install --silent --no-audit --no-fund --prefix build/npm cytoscape@$(CYTOSCAPE_VERSION)
	cp build/npm/node_modules/cytoscape/dist/cytoscape.min.js $@

assets: $(VENDOR)/cytoscape.min.js

# headless Chromium for the explorer's browser test (Debian package)
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

serve: $(VENV)/.installed assets
	$(BIN)/codex-graph serve

lint: $(VENV)/.installed
	$(BIN)/ruff check graph api cli tests

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed assets browser
	$(BIN)/pytest

test: lint typecheck pytest
