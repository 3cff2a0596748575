# The two commands a new machine needs (see README): `make run` and `make test`.
VENV := .venv
STAMP := $(VENV)/.installed-stamp
# Every install takes the pinned versions in constraints.txt (the Dockerfile uses it too).
PIP_INSTALL := $(VENV)/bin/python -m pip install --quiet --constraint constraints.txt

.PHONY: run test lint bench migration constraints

run: $(STAMP)
	$(VENV)/bin/raidwatch serve

test: $(STAMP)
	./scripts/test

# Everything CI runs before the tests: lint, format, types.
lint: $(STAMP)
	./scripts/test --lint-only

bench: $(STAMP)
	$(VENV)/bin/python bench/intake.py
	$(VENV)/bin/python bench/utility.py
	$(VENV)/bin/python bench/publish.py

# A new migration from the models: make migration m="what changed"
migration: $(STAMP)
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(VENV)/bin/raidwatch status >/dev/null
	$(VENV)/bin/alembic revision --autogenerate -m "$(m)" \
	  --rev-id "$$(printf '%04d' $$(( $$(ls migrations/versions | grep -c '^[0-9][0-9][0-9][0-9]_') + 1 )))"

# Re-pin after changing dependencies in pyproject.toml (then commit constraints.txt).
constraints: $(STAMP)
	$(VENV)/bin/python -m pip freeze --exclude-editable | sort > constraints.txt

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e '.[test]'
	touch $(STAMP)
