# Dealercare: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/dealercare
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint format demo bench bench-search bench-import \
	bench-followups bench-csi bench-complaints chromium system-deps postgres messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The demo dataset's size (make run DEMO_CUSTOMERS=500); loaded only into an empty database.
DEMO_CUSTOMERS ?= 5000

# The task worker (imports, classification) runs beside the web server and stops with it.
run: demo
	$(BIN)/python manage.py demo_logins
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker' EXIT; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty --customers $(DEMO_CUSTOMERS)

# Debian packages the suite needs, installed when missing (needs root): Chromium for the
# Playwright end-to-end tests, gettext (xgettext, msgmerge, msgfmt) for `make messages` and the
# translation completeness test.
system-deps:
	@missing=""; \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	  command -v msgfmt >/dev/null && command -v xgettext >/dev/null \
	    && command -v msgattrib >/dev/null || missing="$$missing gettext"; \
	  if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi

chromium: system-deps

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

test: $(STAMP) system-deps postgres lint
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -n 2 --cov --cov-report=term:skip-covered -q

test-postgres: $(STAMP) postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q -m "not e2e"

# The Chinese catalogue: add new msgids to the .po (existing translations kept, obsolete ones
# dropped), then compile the .mo. A new msgid comes in with an empty msgstr, never with msgmerge's
# fuzzy guess (it guesses "上一页" for "Preview"); translate every empty one, then rerun this.
# dealercare/core/tests/test_i18n.py runs the same extraction and fails on anything untranslated.
PO := dealercare/locale/zh_Hans/LC_MESSAGES/django.po
MAKEMESSAGES_ARGS := -l zh_Hans --no-obsolete --no-wrap --add-location file -i "static/*"
messages: $(STAMP) system-deps
	cd dealercare && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin makemessages $(MAKEMESSAGES_ARGS)
	msgattrib --clear-fuzzy --empty --clear-previous --no-wrap -o $(PO) $(PO)
	cd dealercare && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin compilemessages -l zh_Hans
	@msgfmt --statistics -o /dev/null $(PO)

# 1,000,000 customers in database dealercare_bench; e.g. BENCH_ARGS="--customers 50000".
bench-search: $(STAMP) postgres
	$(BIN)/python bench/search.py $(BENCH_ARGS)

# 100,000 complaints (databases dealercare_bench_complaints and dealercare_bench_helpdesk) against
# django-helpdesk 100,000 tickets, both under gunicorn; django-helpdesk goes into its own
# bench/.venv-helpdesk. E.g. BENCH_ARGS="--complaints 10000 --customers 10000 --requests 50".
bench-complaints: $(STAMP) postgres
	$(BIN)/python -m bench.complaints $(BENCH_ARGS)

# A 1,000,000-row customer file imported into database dealercare_bench_import, against COPY of the
# same rows and django-import-export (100,000 rows); e.g. BENCH_IMPORT_ARGS="--rows 50000 --iex-rows 5000".
bench-import: $(STAMP) postgres
	$(BIN)/python bench/import_bench.py $(BENCH_IMPORT_ARGS)

# 100 stores, 10,000,000 survey answers in database dealercare_bench_csi; e.g. BENCH_ARGS="--answers 100000".
bench-csi: $(STAMP) postgres
	$(BIN)/python bench/csi.py $(BENCH_ARGS)

# Follow-up sweep vs one set-based INSERT, and 50 agents claiming (database
# dealercare_bench_followups); e.g. BENCH_ARGS="--vehicles 20000 --visits 60000 --queue 5000".
bench-followups: $(STAMP) postgres
	$(BIN)/python bench/followups.py $(BENCH_ARGS)

# Every benchmark, one after another (hours at the issues' sizes).
bench: bench-search bench-import bench-followups bench-csi bench-complaints

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
