# LSSO Connect — two commands: `make run` serves the demo, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app wsgi

# Demo-only secrets so `make run` works out of the box; production sets its own (see README).
export SECRET_KEY ?= demo-secret-not-for-production
export PIN_PEPPER ?= demo-pepper-not-for-production
export ADMIN_COOKIE_SECURE ?= 0

# Demo-only admin account, (re)made by `make run`; README gives it.
DEMO_ADMIN ?= admin@lsso.example
DEMO_ADMIN_PASSWORD ?= lsso-demo-2026

.PHONY: run test lint bench-ussd clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(FLASK) db create
	$(FLASK) members seed-demo
	@$(FLASK) admin create-user $(DEMO_ADMIN) --role publisher --password '$(DEMO_ADMIN_PASSWORD)' >/dev/null
	@$(FLASK) ussd how-to-dial --port $(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload

test: $(VENV)/.dev
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench-ussd: $(VENV)/.dev
	$(BIN)/python bench/ussd_load.py --help

clean:
	rm -rf var
