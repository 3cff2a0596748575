"""The shipped languages and how one is chosen for a request: pure, no I/O.

A language is chosen, in order, by an explicit choice (the ``lang`` query parameter or
form field, set by the language links), then by the browser's ``Accept-Language``, then
English. Nothing about the choice is kept: it lives in the link and the form only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, as in links (?lang=) and <html lang>: "zh-Hans"
    locale: str  # the catalog's folder and Babel locale: "zh_Hans"
    endonym: str  # the language named in itself, for the language links
    rtl: bool = False

    @property
    def dir(self) -> str:
        return "rtl" if self.rtl else "ltr"


ENGLISH = Language("en", "en", "English")
# The languages most spoken by people facing UK immigration enforcement (issue 10).
# Punjabi is written in Gurmukhi here; Punjabi readers of Shahmukhi (Pakistan) are sent
# to Urdu, which most of them read (see ALIASES and the README).
LANGUAGES: tuple[Language, ...] = (
    ENGLISH,
    Language("ar", "ar", "العربية", rtl=True),
    Language("fa", "fa", "فارسی", rtl=True),
    Language("ckb", "ckb", "کوردی سۆرانی", rtl=True),
    Language("ps", "ps", "پښتو", rtl=True),
    Language("ur", "ur", "اردو", rtl=True),
    Language("bn", "bn", "বাংলা"),
    Language("pa", "pa", "ਪੰਜਾਬੀ"),
    Language("ti", "ti", "ትግርኛ"),
    Language("am", "am", "አማርኛ"),
    Language("sq", "sq", "Shqip"),
    Language("vi", "vi", "Tiếng Việt"),
    Language("zh-Hans", "zh_Hans", "简体中文"),
    Language("pl", "pl", "Polski"),
    Language("ro", "ro", "Română"),
    Language("pt", "pt", "Português"),
)
_BY_TAG = {language.code.lower(): language for language in LANGUAGES}
# Browser tags that name one of ours differently (lower case, "-" separated).
ALIASES = {
    "zh": "zh-Hans",  # every Chinese tag, Traditional included: Simplified beats English
    "prs": "fa",  # Dari
    "ku-arab": "ckb",  # Kurdish in Arabic script is Sorani
    "pa-arab": "ur",  # Shahmukhi readers: Urdu, not Gurmukhi
    "pa-pk": "ur",
    "pan": "pa",
    "tir": "ti",
    "amh": "am",
}
MAX_ACCEPT_CHARS = 400  # a longer header is cut: bounds the work one request can cause
MAX_ACCEPT_TAGS = 20


def by_code(text: str | None) -> Language | None:
    """The language a link or form names (``ar``, ``zh-Hans``, ``zh_hans``), else None."""
    if not text:
        return None
    tag = text.strip().replace("_", "-").lower()[:16]
    return _BY_TAG.get(tag)


def _match(tag: str) -> Language | None:
    """Our language for one browser tag, trying it whole, then shorter ("pt-br" -> "pt")."""
    parts = tag.split("-")
    while parts:
        candidate = "-".join(parts)
        if candidate in _BY_TAG:
            return _BY_TAG[candidate]
        if candidate in ALIASES:
            return _BY_TAG[ALIASES[candidate].lower()]
        parts.pop()
    return None


def from_accept_language(header: str | None) -> Language | None:
    """The first of our languages the browser asks for, by its q-values, else None."""
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:MAX_ACCEPT_CHARS].split(",")[:MAX_ACCEPT_TAGS]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip().replace("_", "-").lower()
        if tag and tag != "*" and quality > 0:
            wanted.append((-quality, position, tag))
    for _, _, tag in sorted(wanted):
        language = _match(tag)
        if language is not None:
            return language
    return None


def choose_language(*, explicit: str | None = None, accept_language: str | None = None) -> Language:
    """The language for a request: the explicit choice, the browser's wish, or English."""
    return by_code(explicit) or from_accept_language(accept_language) or ENGLISH
