# Two commands on a fresh machine: `make serve` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
# Backstage TechDocs' own MkDocs stack (techdocs-core pins Material and Markdown apart from
# .venv): tests/test_techdocs.py builds a handbook with it and the opsbook plugin.
TECHDOCS_VENV := .venv-techdocs
TECHDOCS_STAMP := $(TECHDOCS_VENV)/.installed

.PHONY: serve build bundle test check lint-handbook browser-deps techdocs-deps bench bench-instructions dist clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[site,test,bench]'
	@touch $(STAMP)

serve: $(STAMP)
	$(BIN)/opsbook serve --dev-addr $(HOST)

build: $(STAMP)
	$(BIN)/mkdocs build --strict

# The whole site in one zip for on-call laptops: unzip it, open handbook-offline/index.html.
BUNDLE ?= dist/handbook-offline.zip
bundle: $(STAMP)
	$(BIN)/opsbook bundle $(BUNDLE)

# Debian's Chromium for the browser tests; Playwright cannot download its own browser here.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: /usr/bin/chromium is missing and cannot be installed here; browser tests will skip"; fi

# Without the package registry the venv cannot be made: the TechDocs test then skips, saying so.
$(TECHDOCS_STAMP): pyproject.toml
	@test -x $(TECHDOCS_VENV)/bin/python || $(PYTHON) -m venv $(TECHDOCS_VENV)
	@if $(TECHDOCS_VENV)/bin/python -m pip install --quiet mkdocs-techdocs-core==1.7.1 -e . ; \
	then touch $@; else echo "note: $(TECHDOCS_VENV) could not be made; the TechDocs test will skip"; fi

techdocs-deps: $(TECHDOCS_STAMP)

check: $(STAMP)
	$(BIN)/ruff check src tests hooks bench
	$(BIN)/ruff format --check src hooks
	$(BIN)/mypy

lint-handbook: $(STAMP)
	$(BIN)/opsbook lint --strict --today 2026-09-15

test: $(STAMP) browser-deps techdocs-deps check lint-handbook
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The build ratio in instructions (valgrind's callgrind) rather than seconds: about 15 minutes.
bench-instructions: $(STAMP)
	@if command -v valgrind >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; fi
	$(BIN)/python bench/instructions.py

# The sdist and wheel a team installs opsbook from (see the README's "Installing opsbook").
dist: $(STAMP)
	rm -rf dist
	$(BIN)/hatchling build -t sdist -t wheel

clean:
	rm -rf $(VENV) $(TECHDOCS_VENV) site .pytest_cache .mypy_cache .ruff_cache
