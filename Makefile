# The two commands a new machine needs (see README): `make run` and `make test`.
# The virtualenv may live anywhere: make test VENV=/path/to/venv
VENV := .venv
STAMP := $(VENV)/.installed-stamp
# Every install takes the pinned versions in constraints.txt (the Dockerfile uses it too).
PIP_INSTALL := $(VENV)/bin/python -m pip install --quiet --constraint constraints.txt
PYBABEL := $(VENV)/bin/pybabel
LOCALES := server/locale
EXTRACT := -k _l -k lazy_gettext -k N_ -c TRANSLATORS: --no-location --sort-output \
	--project raidwatch --copyright-holder "raidwatch contributors" --width 100

.PHONY: run test lint bench migration constraints
.PHONY: translations extract update-translations new-language test-translations

run: $(STAMP)
	$(VENV)/bin/raidwatch serve

test: $(STAMP)
	VENV=$(VENV) ./scripts/test

# Everything CI runs before the tests: lint, format, types.
lint: $(STAMP)
	VENV=$(VENV) ./scripts/test --lint-only

bench: $(STAMP)
	$(VENV)/bin/python bench/intake.py
	$(VENV)/bin/python bench/utility.py
	$(VENV)/bin/python bench/publish.py

# A new migration from the models: make migration m="what changed"
migration: $(STAMP)
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(VENV)/bin/raidwatch status >/dev/null
	@# The id is the next number and the message's words: 0012_what_changed (also the file name).
	n=$$(printf '%04d' $$(( $$(ls migrations/versions | grep -c '^[0-9][0-9][0-9][0-9]_') + 1 ))); \
	slug=$$(printf '%s' "$(m)" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '_' | cut -c1-40 | sed 's/^_//; s/_$$//'); \
	$(VENV)/bin/alembic revision --autogenerate -m "$(m)" --rev-id "$${n}_$${slug}"

# Re-pin after changing dependencies in pyproject.toml (then commit constraints.txt).
constraints: $(STAMP)
	$(VENV)/bin/python -m pip freeze --exclude-editable | sort > constraints.txt

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e '.[test]'
	$(PYBABEL) -q compile -d $(LOCALES) -D messages
	touch $(STAMP)

# Translations (see README, "Languages"). The .po files are the source; .mo files are
# compiled at install time (above, and in the Dockerfile) and never committed.
translations: $(STAMP)
	$(PYBABEL) compile -d $(LOCALES) -D messages --statistics

# Collect every marked string: member text into messages.pot, organiser text into organiser.pot.
extract: $(STAMP)
	$(PYBABEL) extract -F babel.cfg $(EXTRACT) -o $(LOCALES)/messages.pot .
	$(PYBABEL) extract -F babel-organiser.cfg $(EXTRACT) -o $(LOCALES)/organiser.pot .

# Merge new and changed strings into every language's .po (new ones arrive empty or fuzzy).
update-translations: extract
	$(PYBABEL) update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--width 100 --ignore-obsolete

# Start a catalog for another language: make new-language LOCALE=so
new-language: $(STAMP)
	$(PYBABEL) init -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages -l $(LOCALE) --width 100

# Completeness, placeholders and rendering of every language (catalogs, then browsers).
test-translations: translations
	$(VENV)/bin/python -m pytest -q tests/test_catalogs.py tests/test_languages.py \
		tests/test_member_languages.py tests/test_languages_browser.py
