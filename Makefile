# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
BUGS := translations@opsplatform.org
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: demo test lint install messages benchmarks load screenshots chromium docs clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("opsplatform needs Python 3.11 or newer (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/opsplatform demo

# Two pytest runs: the browser journeys' Playwright loop must not share a session with the async tests. The first
# spreads the test files over one worker per core, each with its own databases (tests/conftest.py).
test: $(STAMP) chromium lint
	$(BIN)/pytest -n auto --dist loadfile
	$(BIN)/pytest tests/browser

# The code's own rules: ruff's (pyproject.toml) and the layers of the house (.importlinter, docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check opsplatform tests benchmarks scripts migrations
	$(BIN)/lint-imports --no-cache

# Debian's Chromium drives the journeys (Playwright's own browser download is not used); installed here when root.
chromium:
	@test -x /usr/bin/chromium || test -n "$$OPSPLATFORM_CHROMIUM" || \
	  { [ "$$(id -u)" -eq 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "Chromium is needed for the browser tests: apt-get install -y chromium"; exit 1; }

# The admin guide's configuration reference and jobs list, from opsplatform/settings.py and background/schedule.py.
docs: $(STAMP)
	$(BIN)/python scripts/config_reference.py

# Refresh the user guides' pictures in docs/images/ from a run of the browser journeys.
screenshots: $(STAMP) chromium
	OPSPLATFORM_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q

# Extract every marked string, then bring the French and Spanish catalogues in line (new entries empty, changed ones
# fuzzy, removed ones dropped); translate what tests/test_translations.py lists (docs/translations.md).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --sort-by-file --no-wrap --no-location --project=opsplatform --version=$(VERSION) \
	  --copyright-holder="opsplatform contributors" --msgid-bugs-address=$(BUGS) -o opsplatform/locale/messages.pot .
	$(BIN)/pybabel -q update -i opsplatform/locale/messages.pot -d opsplatform/locale -D messages --no-wrap \
	  --ignore-obsolete --no-fuzzy-matching

# Each writes its section of benchmarks/RESULTS.md. scale_out runs deploy/nginx.conf with Debian's nginx (installed
# when root) in front of one app instance and then three; pages asks every page at Thunder scale as each role;
# summary measures the summary and the dashboard at 100,000 seizures, then among 1,000,000; load is `make load`.
benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks.import_sheet
	$(BIN)/python -m benchmarks.heavy_uploads
	$(BIN)/python -m benchmarks.scale_out
	$(BIN)/python -m benchmarks.pages
	$(BIN)/python -m benchmarks.pages --seizures 100000
	$(BIN)/python -m benchmarks.summary --total 1000000
	$(BIN)/python -m benchmarks.load

# 200 focal points submitting through the API for two minutes against a throw-away PostgreSQL (benchmarks/load.py).
load: $(STAMP)
	$(BIN)/python -m benchmarks.load

clean:
	rm -rf $(VENV) .pytest_cache opsplatform.db opsplatform.db-wal opsplatform.db-shm tests/browser/artifacts
