"""Translated text for the language of the current request.

The language is a context variable, set once per request (by the language middleware,
and by a member form's hidden ``lang`` field), so code deep in intake can say a message
in the member's language without passing the language around. Catalogs are read from
``server/locale``: the compiled ``.mo`` when it is at least as new as its ``.po``
(``make translations`` compiles them at install time), otherwise the ``.po`` itself,
compiled in memory. So a fresh clone, an edited ``.po`` or a read-only install all show
the current text, and nothing is ever written at run time.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from server.i18n.languages import ENGLISH, Language

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"  # member-facing text; organiser pages extract to "organiser"

_current: ContextVar[Language] = ContextVar("language", default=ENGLISH)


def catalog_paths(locale: str) -> tuple[Path, Path]:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    return po, po.with_suffix(".mo")


@cache
def translations(locale: str) -> stdlib_gettext.NullTranslations:
    """The catalog of one locale (English is the source text: no catalog)."""
    if locale == ENGLISH.locale:
        return stdlib_gettext.NullTranslations()
    po, mo = catalog_paths(locale)
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return stdlib_gettext.GNUTranslations(compiled)
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
    buffer.seek(0)
    return stdlib_gettext.GNUTranslations(buffer)


def current_language() -> Language:
    return _current.get()


def speak(language: Language) -> None:
    """Use `language` for the rest of this request (the middleware restores it after)."""
    _current.set(language)


@contextmanager
def speaking(language: Language) -> Iterator[Language]:
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


def gettext(message: str, **params: object) -> str:
    """`message` in the current language, with ``%(name)s`` placeholders filled in."""
    text = translations(_current.get().locale).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
    """The form of the message for `num` in the current language (``%(num)s`` filled in)."""
    text = translations(_current.get().locale).ngettext(singular, plural, num)
    return text % {"num": num, **params}


def plain_gettext(message: str) -> str:
    """For Jinja's i18n extension, which fills in placeholders itself."""
    return translations(_current.get().locale).gettext(message)


def plain_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get().locale).ngettext(singular, plural, n)


class LazyText:
    """A message translated when it is shown, for text defined at import time."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.message == other.message
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.message)


def lazy_gettext(message: str) -> LazyText:
    return LazyText(message)


def N_(message: str) -> str:
    """Mark `message` for the catalogs but keep it English here; it is translated where it
    is shown (member templates call ``_()`` on it). For words that are also data, such as
    the report vocabulary's labels."""
    return message


def format_day(day: date) -> str:
    """A day as the member's language writes it, weekday first: "Tuesday 24 November"."""
    locale = _current.get().locale
    return format_skeleton("MMMMEEEEd", day, locale="en_GB" if locale == "en" else locale)
