# The two commands: `make run` serves the platform with demo data; `make test` checks it all.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ISHENIM := $(BIN)/ishenim
PORT ?= 8000
HOST ?= 127.0.0.1
export ISHENIM_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install install-test catalogues lint setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8

# Reinstall when the dependencies change; uv takes seconds where pip takes minutes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogues (.mo) are built here, never committed.
catalogues: $(VENV)/.installed
	cd ishenim && ../$(ISHENIM) compilemessages --verbosity 0

setup: install catalogues
	$(ISHENIM) migrate --noinput --verbosity 0
	$(ISHENIM) collectstatic --noinput --verbosity 0
	$(ISHENIM) load-reference --if-empty
	$(ISHENIM) load-demo --if-empty

run: setup
	$(ISHENIM) serve --with-worker --bind $(HOST):$(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m ishenim.core.catalogues

test: lint catalogues
	$(BIN)/python -m ishenim.core.browser_setup
	$(BIN)/pytest -n 2 --dist loadgroup -q

bench: install-test
	$(BIN)/python bench/locate.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/import_policeuk.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) var
