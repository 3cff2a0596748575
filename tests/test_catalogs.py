"""The catalogs: every shipped language complete, placeholders intact, the template current.

These fail when someone adds a member-facing string without extracting and translating it
(`make update-translations`), or when a translation drops or renames a ``%(name)s``.
"""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from server.i18n import LANGUAGES
from server.i18n.catalogs import LOCALE_DIR, catalog_paths

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [language for language in LANGUAGES if language.code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# The script most letters of each translation are written in.
SCRIPTS = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ckb": "ARABIC",
    "ps": "ARABIC",
    "ur": "ARABIC",
    "bn": "BENGALI",
    "pa": "GURMUKHI",
    "ti": "ETHIOPIC",
    "am": "ETHIOPIC",
    "zh_Hans": "CJK",
}


def _template() -> Catalog:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        return read_po(pot)


def _catalog(locale: str) -> Catalog:
    po, _ = catalog_paths(locale)
    with po.open("rb") as source:
        return read_po(source, locale=locale)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_the_template_holds_every_marked_string_in_the_code():
    """messages.pot is what `make extract` would write now (no string left out)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None},
        )
    }
    assert found == _ids(_template())


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_every_language_is_complete_with_matching_placeholders(language):
    template, catalog = _template(), _catalog(language.locale)
    assert _ids(catalog) == _ids(template), "run make update-translations"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language.code}: fuzzy {message.id!r}"
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(s.strip() for s in strings), f"{language.code}: untranslated {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{language.code}: {text!r}"
            assert text.count("%") == len(PLACEHOLDER.findall(text)), f"stray % in {text!r}"
    assert not list(catalog.check()), "babel's own checkers (python-format)"
    if isinstance(catalog.plural_forms, str):
        assert catalog.num_plurals == len(
            next(m.string for m in catalog if isinstance(m.id, tuple))
        )


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_every_catalog_says_whether_a_native_speaker_reviewed_it(language):
    po, _ = catalog_paths(language.locale)
    header = po.read_text(encoding="utf-8").split("msgid", 1)[0]
    assert re.search(
        r"^# Review status: (NOT YET REVIEWED BY A NATIVE SPEAKER|reviewed by )", header, re.M
    )


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_every_catalog_compiles_and_is_written_in_its_own_words(language):
    catalog = _catalog(language.locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    assert buffer.tell() > 1000
    strings = [m.string for m in catalog if m.id and isinstance(m.id, str)]
    translated = [s for s, m in zip(strings, catalog, strict=False) if s]
    same = sum(1 for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id)
    assert same <= 0.15 * len(translated), "mostly English left in the catalog"
    script = SCRIPTS.get(language.locale)
    if script:
        letters = [ch for text in strings for ch in text if ch.isalpha()]
        own = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(script))
        assert own / len(letters) > 0.8, f"{language.code} is not mostly {script}"
    # The expired-form message names the button by its translated text.
    button = catalog.get("Next: check the place").string
    expired = next(m.string for m in catalog if m.id and "has expired" in str(m.id))
    assert button in expired
