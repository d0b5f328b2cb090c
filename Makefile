# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := static/vendor/.built
HOST ?= 127.0.0.1
PORT ?= 8000
HAVE_NPM := $(shell command -v npm 2>/dev/null)

.PHONY: run test install assets lint format messages backup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): node_modules/.installed scripts/vendor-assets.mjs
	node scripts/vendor-assets.mjs
	touch $@

assets: $(ASSETS)

# Embedded mode: SQLite under var/, Celery eager, DEBUG on, http://127.0.0.1:8000
run: install assets
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_reference_data
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite. Uses DATABASE_URL / CELERY_BROKER_URL when set (CI), else SQLite + eager Celery.
test: install $(if $(HAVE_NPM),assets)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .

messages: install
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

# pg_dump of DATABASE_URL into var/backups/ (see README, "Sao lưu").
backup:
	mkdir -p var/backups
	pg_dump --format=custom --no-owner --file=var/backups/giamngheo-$$(date +%Y%m%d-%H%M%S).dump "$$DATABASE_URL"

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles
