# codeshare: `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
# Translations: each .po is compiled to the .mo beside it, which git ignores.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

# Development defaults; a production host sets its own environment.
RUN_ENV := DEBUG=true
TEST_ENV := SECRET_KEY=test-only-secret-key DEBUG=false

.DEFAULT_GOAL := help

.PHONY: help
help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

.PHONY: install
install: $(STAMP)  ## Make .venv and install the pinned requirements.

$(MO_FILES): %.mo: %.po locale/compile.py | $(STAMP)
	$(BIN)/python locale/compile.py

.PHONY: catalogues
catalogues: $(MO_FILES)  ## Compile the translations in locale/ (pure Python).

.PHONY: messages
messages: install  ## Collect new strings into locale/pl (needs GNU gettext), compile.
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l pl --no-location \
		--ignore=bench --ignore=docs --ignore=static --ignore=staticfiles --ignore=tests
	$(BIN)/python locale/compile.py

.PHONY: run
run: install catalogues  ## Migrate, seed the demo and serve on http://127.0.0.1:8000.
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo $(if $(PASSWORD),--password $(PASSWORD))
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops)"
	$(RUN_ENV) $(BIN)/gunicorn --config codeshare/gunicorn.conf.py

.PHONY: test
test: install catalogues  ## Run the whole test suite (SQLite, or DATABASE_URL).
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: bench
bench: install  ## Run the benchmarks under bench/ (DATABASE_URL, default local PG).
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/rush.py
	$(BIN)/python bench/bench_pages.py

.PHONY: lint
lint: install  ## ruff check and ruff format --check.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: format
format: install  ## Format and fix the code with ruff.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: clean
clean:  ## Remove .venv, the SQLite database, collected static files, .mo files.
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles $(MO_FILES)
