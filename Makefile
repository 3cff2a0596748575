# The two commands a new machine needs (see README): `make run` and `make test`.
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench

run: $(STAMP)
	$(VENV)/bin/raidwatch serve

test: $(STAMP)
	./scripts/test

lint: $(STAMP)
	$(VENV)/bin/ruff check server tests bench scripts

bench: $(STAMP)
	$(VENV)/bin/python bench/intake.py
	$(VENV)/bin/python bench/utility.py
	$(VENV)/bin/python bench/publish.py

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)
