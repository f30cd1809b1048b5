# LSSO Connect — two commands: `make run` serves the demo, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app wsgi

# Demo-only settings so `make run` works out of the box (production sets its own, see README);
# given to `make run`'s commands only, so tests never see them.
SECRET_KEY ?= demo-secret-not-for-production
PIN_PEPPER ?= demo-pepper-not-for-production
DCI_SIGNING_KEY ?= ZGVtby1rZXktbm90LWZvci1wcm9kdWN0aW9uLTMyYnk=
METRICS_TOKEN ?= demo-metrics-not-for-production
DEMO_ENV := SECRET_KEY='$(SECRET_KEY)' PIN_PEPPER='$(PIN_PEPPER)' ADMIN_COOKIE_SECURE=0 ALLOW_UNAUTHENTICATED_WEBHOOKS=1 \
	SMS_BACKEND=outbox DCI_SIGNING_KEY='$(DCI_SIGNING_KEY)' METRICS_TOKEN='$(METRICS_TOKEN)'

# Demo-only admin account, (re)made by `make run`; README gives it.
DEMO_ADMIN ?= admin@lsso.example
DEMO_ADMIN_PASSWORD ?= lsso-demo-2026

.PHONY: run test lint clean translations cluster cluster-down cluster-status

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
	$(DEMO_ENV) $(FLASK) db create --replace-outdated
	$(DEMO_ENV) $(FLASK) members seed-demo
	@$(DEMO_ENV) $(FLASK) admin create-user $(DEMO_ADMIN) --role publisher --password '$(DEMO_ADMIN_PASSWORD)' >/dev/null
	@$(DEMO_ENV) $(FLASK) ussd how-to-dial --port $(PORT)
	@$(DEMO_ENV) $(FLASK) partners demo
	@$(DEMO_ENV) $(FLASK) payments sample-statement var/demo-statement.csv
	@echo "Partner API: http://127.0.0.1:$(PORT)/dci/docs (README, Partner API, has the curl steps)"
	$(DEMO_ENV) $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload

test: lint
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf var

# The production layout on this machine (README, "A cluster on one machine"): HAProxy, three web
# nodes, Redis with a replica and Sentinels, PostgreSQL, two workers, the scheduler and rq cron.
# Needs Debian's haproxy, redis-server and a PostgreSQL (DATABASE_URL; default the local one).
cluster: $(VENV)/.runtime
	$(BIN)/python -m deploy.cluster up

cluster-status:
	$(BIN)/python -m deploy.cluster status

cluster-down:
	$(BIN)/python -m deploy.cluster down

# The console's Lao catalogue: extract the words marked in the code, merge them into the .po
# (translate the new ones there), compile the .mo the app reads. Both files are committed.
translations: $(VENV)/.dev
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d ussd_app/admin/translations -l lo --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d ussd_app/admin/translations -l lo --statistics
