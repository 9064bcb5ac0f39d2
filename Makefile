# SRO Portal: one entry point for the local demo, the tests and the checks.
#   make run    the portal with the demo agencies on http://127.0.0.1:8000 (SQLite, no server)
#   make test   the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL name them)
#   make lint   ruff, and migrations in step with the models
#   make messages   compile the translations (locale/*/LC_MESSAGES/django.po -> .mo, not committed)
#   make catalogue  add the source's new strings to the French catalogue (then translate them)

PYTHON ?= python3.13
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DB ?= db.sqlite3

# The local demo: no database server, no broker (Celery tasks run in process), console mail,
# and MFA not demanded so the demo accounts can sign in with their password alone.
LOCAL_ENV := DEBUG=1 MFA_REQUIRED=0 DATABASE_URL=sqlite:///$(abspath $(DEMO_DB)) REDIS_URL=

.PHONY: install run test lint migrations-check messages catalogue

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The compiled catalogues (.mo) are built here, never committed. compilemessages needs gettext's
# msgfmt (apt-get install gettext); the virtual environment's own catalogues are left alone.
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po)

%.mo: %.po | $(VENV)/.installed
	$(LOCAL_ENV) $(BIN)/python manage.py compilemessages --ignore "$(notdir $(VENV))" --ignore "$(notdir $(VENV))/*" --locale $(word 2,$(subst /, ,$<))

messages: $(CATALOGUES:.po=.mo)

# The same ignores as tests/i18n/scan.py's MAKEMESSAGES_IGNORE (the tests' strings are not shown).
catalogue: install
	$(LOCAL_ENV) $(BIN)/python manage.py makemessages --locale fr --no-obsolete \
		$(foreach dir,locale tests bench docs staticfiles node_modules media,--ignore $(dir))

run: install messages
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput
	$(LOCAL_ENV) $(BIN)/python manage.py seed_demo --if-missing
	$(LOCAL_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Two test processes (pytest-xdist): each gets its own test database and Redis databases.
PYTEST_ARGS ?= -n 2

test: install messages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) migrations-check

migrations-check: install
	$(LOCAL_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
