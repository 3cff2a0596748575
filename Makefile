# The two commands a new machine needs (see README): `make run` and `make test`.
VENV := .venv
STAMP := $(VENV)/.installed-stamp
PYBABEL := $(VENV)/bin/pybabel
LOCALES := server/locale
EXTRACT := -k _l -k lazy_gettext -c TRANSLATORS: --no-location --sort-output \
	--project raidwatch --copyright-holder "raidwatch contributors" --width 100

.PHONY: run test lint bench translations extract update-translations new-language test-translations

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
	$(PYBABEL) compile -q -d $(LOCALES) -D messages
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
	$(PYBABEL) update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-location \
		--width 100 --ignore-obsolete

# Start a catalog for another language: make new-language LOCALE=so
new-language: $(STAMP)
	$(PYBABEL) init -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages -l $(LOCALE) --width 100

# Completeness, placeholders and rendering of every language (catalogs, then browsers).
test-translations: translations
	$(VENV)/bin/python -m pytest -q tests/test_catalogs.py tests/test_languages.py \
		tests/test_member_languages.py tests/test_languages_browser.py
