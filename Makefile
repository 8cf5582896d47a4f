# emu.chat — `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
ONLY ?=
PORT ?= 8000
PYTEST_ARGS ?=
MUTATION_ARGS ?=

.PHONY: install run test lint format bench worker beat chromium clean mutation lock-mutants

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# SITE_URL (links, the CSRF origin, the URL Twilio signs) follows PORT unless set: make run PORT=8001.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (SITE_URL=$$SITE_URL; tasks run in-process: no CELERY_BROKER_URL)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Browser tests need Debian's Chromium; install it when we can, else they skip loudly.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "!! /usr/bin/chromium missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; \
	fi

test: install chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# Mutation testing of the guard, keywords, numbers and opt-out services (SQLite, ~15 min on 2 cores).
# Ends with one line: "mutation score: K/N (P%)". The module list is SCOPE in tests/mutants/mutation.py.
mutation: install
	$(PY) tests/mutants/mutation.py --fail-under 90 $(MUTATION_ARGS)

# The three hand-made lock mutants against tests/integration/test_lock_order.py (needs PostgreSQL in DATABASE_URL).
lock-mutants: install
	$(PY) tests/mutants/lock_mutants.py --runs 5

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/run.py $(ONLY)

worker: install
	$(VENV)/bin/celery -A emuchat worker -l INFO

beat: install
	$(VENV)/bin/celery -A emuchat beat -l INFO

clean:
	rm -rf build staticfiles .pytest_cache
