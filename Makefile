# Tend: `make run` serves the demo practice; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py

.PHONY: run worker test install install-dev translations migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

$(VENV)/.installed: requirements.txt constraints.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# The translations' .po files are the source, in git; the .mo files Flask-Babel reads are built here.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/*.po))

translations: $(MESSAGES)

translations/%.mo: translations/%.po | $(VENV)/.installed
	$(BIN)/pybabel --quiet compile -i $< -o $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev

# A random key of this install's own, made once; SECRET_KEY in the environment wins over it.
instance/secret_key: | $(BIN)/python
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@

# The Fernet key that seals clients' notes and phone numbers, made once; PRACTICE_DATA_KEYS in the
# environment wins over it. Losing it loses those fields: back it up apart from the database.
instance/data_keys: | $(VENV)/.installed
	mkdir -p instance
	umask 077 && $(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@

# umask 077: the database, the queue and the mail files hold clients' details; only this user reads them.
migrate: install instance/secret_key instance/data_keys
	umask 077 && $(BIN)/flask db upgrade

seed: migrate
	umask 077 && $(BIN)/flask seed-demo

# The web server and the job worker (which sends the email) together; Ctrl-C stops both.
run: seed
	@echo "Serving Tend on http://127.0.0.1:5000 with its worker (Ctrl-C stops both)."
	@echo "$(if $(MAIL_SERVER),Email goes to $(MAIL_SERVER).,No MAIL_SERVER is set: email is written to instance/mail/ and listed on the admin Emails page.)"
	@bin/serve-with-worker

worker: migrate
	umask 077 && $(BIN)/huey_consumer practice.worker.huey --workers 2

# Two workers, one per core: most tests wait on SQLite, PostgreSQL or Chromium as much as they compute.
test: install-dev translations
	$(BIN)/python -m pytest -n 2

# benchmarks/http.py drives gunicorn with wrk when it is installed (apt-get install wrk), else with Python clients.
bench: install-dev translations
	$(BIN)/python benchmarks/http.py
	$(BIN)/python benchmarks/slots.py
	$(BIN)/python benchmarks/booking_latency.py
	$(BIN)/python benchmarks/payments.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
