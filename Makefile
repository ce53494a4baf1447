# Dealercare: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/dealercare
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint format demo bench bench-search chromium postgres messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The demo dataset's size (make run DEMO_CUSTOMERS=500); loaded only into an empty database.
DEMO_CUSTOMERS ?= 5000

run: demo
	$(BIN)/python manage.py demo_logins
	$(BIN)/python manage.py runserver 127.0.0.1:8000

demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty --customers $(DEMO_CUSTOMERS)

# Debian's Chromium for the Playwright end-to-end tests (installed when missing; needs root).
chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for end-to-end tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

# PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres): started when it is not answering.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) chromium postgres lint
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -n 2 --cov --cov-report=term:skip-covered -q

test-postgres: $(STAMP) postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q -m "not e2e"

messages: $(STAMP)
	cd dealercare && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete && ../$(BIN)/django-admin compilemessages -l zh_Hans

bench-search: $(STAMP) postgres
	$(BIN)/python bench/search.py

bench: bench-search

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
