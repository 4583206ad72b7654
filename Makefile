# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: demo test install messages benchmarks clean

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

test: $(STAMP)
	$(BIN)/pytest

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o opsplatform/locale/messages.pot .

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks.import_sheet

clean:
	rm -rf $(VENV) .pytest_cache opsplatform.db opsplatform.db-wal opsplatform.db-shm
