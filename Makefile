# Tend: `make run` serves the demo practice; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py

.PHONY: run test install install-dev migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@echo "Serving Tend on http://127.0.0.1:5000 (Ctrl-C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python benchmarks/slots.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
