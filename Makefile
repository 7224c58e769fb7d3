# Apuri developer commands. `make run` for the demo, `make test` for the suite, `make help` for all.
#
# Every step prints one line saying what it does; its output goes to instance/logs/<step>.log and
# a failure prints the error's last line instead of a traceback. DATABASE_URL, SECRET_KEY and the
# other settings in config.py pass through from the environment (SQLite under instance/ by default).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Test processes (pytest-xdist; each file stays on one worker, each worker has its own database).
# PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
POSTGRES_URL ?= postgresql+psycopg:///test
TRANSLATIONS_DIR ?= portal/translations
LANGUAGES := fi sv da nb is en

BIN := $(VENV)/bin
STEP := scripts/step.sh
FLASK := $(BIN)/flask --app wsgi
# Stamps: the requirements file as it was at the last successful install. Make compares the
# times, so an unchanged requirements.txt is not reinstalled on every `make run`.
APP_STAMP := $(VENV)/.installed-requirements.txt
TEST_STAMP := $(VENV)/.installed-requirements-test.txt

# Known before anything is built: lets `make run` say that it skips the install, and why.
APP_STAMP_CURRENT := $(shell [ $(APP_STAMP) -nt requirements.txt ] && echo yes)
TEST_STAMP_CURRENT := $(shell [ $(TEST_STAMP) -nt requirements-test.txt ] && [ $(TEST_STAMP) -nt requirements.txt ] && echo yes)

# The links seed-demo prints point at the server `make run` starts.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_ROOT_USER_ACTION := ignore

.PHONY: help venv test-venv check-system migrate seed run serve test test-pg test-browser bench lint format translations clean

help: ## Show the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(STEP) "Creating the virtual environment $(VENV) with $(PYTHON)" $(PYTHON) -m venv $(VENV) || { \
	    rm -rf $(VENV); \
	    echo "       Is Python 3.11+ installed as '$(PYTHON)'? On Debian/Ubuntu: apt-get install -y python3-venv;" \
	         "or choose another interpreter: make PYTHON=python3.12 ..." >&2; \
	    exit 1; }

$(APP_STAMP): requirements.txt | $(BIN)/python
	@$(STEP) "Installing requirements.txt into $(VENV)" $(BIN)/python -m pip install -r requirements.txt
	@cp requirements.txt $@

$(TEST_STAMP): requirements-test.txt requirements.txt | $(BIN)/python
	@$(STEP) "Installing requirements-test.txt into $(VENV)" $(BIN)/python -m pip install -r requirements-test.txt
	@cp requirements-test.txt $@
	@cp requirements.txt $(APP_STAMP)  # requirements-test.txt includes requirements.txt

venv: $(APP_STAMP) ## Create .venv and install the app's requirements (skipped when unchanged)
	@$(if $(APP_STAMP_CURRENT),echo "==> requirements.txt unchanged since the last install into $(VENV): not reinstalling",:)

test-venv: $(TEST_STAMP) ## Create .venv and install the test requirements (skipped when unchanged)
	@$(if $(TEST_STAMP_CURRENT),echo "==> requirements-test.txt unchanged since the last install into $(VENV): not reinstalling",:)

check-system: venv ## Check the system libraries WeasyPrint needs (Pango)
	@echo "==> Checking the system libraries for PDFs (WeasyPrint, Pango)"
	@$(BIN)/python scripts/check_system.py

migrate: check-system ## Bring the database schema up to date (flask db upgrade)
	@$(STEP) "Applying the database migrations (flask db upgrade)" $(FLASK) db upgrade

seed: migrate ## Load the demo shop unless it is there; print staff logins and buyer links
	@STEP_SHOW_OUTPUT=1 $(STEP) "Loading the demo shop if it is not loaded yet (flask seed-demo)" $(FLASK) seed-demo

serve: ## Serve the app without the preparation steps
	@echo "==> Serving Apuri at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	@INLINE_SCHEDULER=1 $(FLASK) run --host $(HOST) --port $(PORT)

run: seed ## Set everything up and serve the demo at http://127.0.0.1:5000/
	@$(MAKE) --no-print-directory serve

test: test-venv ## Run the whole test suite (SQLite; DATABASE_URL=... for another database)
	@echo "==> Checking the system libraries for PDFs (WeasyPrint, Pango)"
	@$(BIN)/python scripts/check_system.py
	@echo "==> Running the test suite on $${DATABASE_URL:-SQLite} with $(PYTEST_WORKERS) workers"
	@$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-pg: ## Run the whole test suite on PostgreSQL (postgresql+psycopg:///test)
	@DATABASE_URL=$(POSTGRES_URL) $(MAKE) --no-print-directory test

test-browser: test-venv ## Run only the browser tests (Playwright, /usr/bin/chromium)
	@echo "==> Running the browser tests"
	@$(BIN)/pytest -m browser $(PYTEST_ARGS)

bench: venv ## Benchmark the buyer order page against a bare Flask app (wrk, gunicorn)
	@bench/run_order_page.sh

lint: test-venv ## ruff check and ruff format --check
	@echo "==> Checking the code with ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: test-venv ## Format the code and apply ruff's safe fixes
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

translations: venv ## Extract the strings, update (or create) every language's catalogue, compile them
	@mkdir -p $(TRANSLATIONS_DIR)
	@$(STEP) "Extracting the translatable strings into $(TRANSLATIONS_DIR)/messages.pot" \
	    $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o $(TRANSLATIONS_DIR)/messages.pot .
	@for lang in $(LANGUAGES); do \
	    if [ -f $(TRANSLATIONS_DIR)/$$lang/LC_MESSAGES/messages.po ]; then \
	        $(STEP) "Updating the $$lang catalogue" $(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS_DIR)/messages.pot -d $(TRANSLATIONS_DIR) -l $$lang; \
	    else \
	        $(STEP) "Creating the $$lang catalogue" $(BIN)/pybabel init -i $(TRANSLATIONS_DIR)/messages.pot -d $(TRANSLATIONS_DIR) -l $$lang; \
	    fi; \
	done
	@$(STEP) "Compiling the catalogues (.mo)" $(BIN)/pybabel compile -d $(TRANSLATIONS_DIR) --statistics
	@echo "==> Now translate the new and fuzzy entries; tests/test_translations.py lists what is missing"

clean: ## Remove caches, logs and test artifacts (keeps .venv and the database)
	rm -rf .pytest_cache .ruff_cache test-artifacts instance/logs
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
