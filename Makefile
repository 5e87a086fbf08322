# Federation Registry — the two commands are `make run` and `make test`.
# PYTHON and VENV select the interpreter and its virtualenv, e.g. PYTHON=python3.13 VENV=.venv-3.13.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
LOCALES := ar fr tr
MESSAGES_IGNORE := --ignore='tests/*' --ignore='bench/*' --ignore='soak/*' --ignore='node_modules/*' --ignore='staticfiles/*' --ignore='var/*' --ignore='.venv*'

.DEFAULT_GOAL := help
.PHONY: help install run test lint format worker beat migrate clean e2e-deps bench soak world-map favicon messages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create $(VENV) (default .venv) and install the project with its dev tools

run: export DEBUG ?= 1
# PORT also sets the default SITE_URL, http://127.0.0.1:$PORT, the address in e-mails' links.
run: export PORT := $(PORT)
run: $(STAMP) ## Migrate, load regions and demo data, serve on 127.0.0.1:$(PORT) (SQLite, tasks in-process, mail to var/mail/)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_regions
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Federation Registry: http://127.0.0.1:$(PORT)/"
	@echo "  Log in at http://127.0.0.1:$(PORT)/accounts/login/ with a demo user above (e.g. applicant@demo.example)."
	@echo "  E-mail is written to var/mail/. Stop with Ctrl+C."
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP) ## Run the whole test suite (DATABASE_URL / REDIS_URL select real services)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e-deps: ## axe-core into node_modules/ for the browser tests (needs npm; chromium comes from apt)
	npm install --no-save --no-audit --no-fund --prefix . axe-core@$$(node -p "require('./package.json').devDependencies['axe-core']")

# Run these only to change the committed files they write; the site and the tests need neither.
world-map: $(STAMP) ## Redraw the directory map's data (registry/data/world-110m.json) from npm's world-atlas
	npm install --no-save --no-audit --no-fund --prefix . world-atlas@$$(node -p "require('./package.json').devDependencies['world-atlas']")
	$(BIN)/python ops/build_world_map.py

favicon: $(STAMP) ## Draw static/root/favicon.ico from static/favicon.svg (chromium, as the browser tests)
	$(BIN)/python ops/build_favicon.py

# Translators: collect new texts into the catalogs (needs GNU gettext's xgettext), then compile
# them with polib (no gettext needed; the compiled .mo files are committed). README "Languages".
messages: $(STAMP) ## Update locale/*/LC_MESSAGES/django.po from the code and templates, and compile them
	DEBUG=1 $(BIN)/python manage.py makemessages $(foreach l,$(LOCALES),-l $(l)) --no-location $(MESSAGES_IGNORE)
	DEBUG=1 $(BIN)/python manage.py compile_catalogs

# The benchmarks' databases are <name>_template, _1k, _100k… next to DATABASE_URL's (cached between
# runs); REDIS_URL is for the notification latency. wrk is installed with apt-get when possible.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fedreg_bench
bench: export REDIS_URL ?= redis://127.0.0.1:6379/12
bench: $(STAMP) ## Benchmarks on PostgreSQL + Redis: ratios against their goals as JSON (var/bench.json; BENCH_ARGS=--help)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
	       || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }; }; } \
	  || echo "bench: wrk is not installed (apt-get install wrk); using the Python load generator"
	$(BIN)/python -m bench $(BENCH_ARGS)

# The soak drops and re-creates its database (the name must contain "soak") and flushes its Redis db.
soak: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fedreg_soak
soak: export REDIS_URL ?= redis://127.0.0.1:6379/13
soak: export SOAK_SECONDS ?= 120
soak: $(STAMP) ## gunicorn (2 workers) + Celery on PostgreSQL + Redis under mixed load for SOAK_SECONDS; report in var/soak.json
	BIN=$(BIN) soak/soak.sh

lint: $(STAMP) ## ruff check, format check, and the apps' dependency contracts (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## Apply migrations
	$(BIN)/python manage.py migrate --no-input

worker: $(STAMP) ## Celery worker for the default and "notifications" queues (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0"; exit 2; }
	$(BIN)/celery -A config worker -Q celery,notifications --loglevel=INFO --concurrency=2

beat: $(STAMP) ## Celery beat, the periodic tasks (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0"; exit 2; }
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var staticfiles
