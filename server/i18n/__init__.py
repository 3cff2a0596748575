"""Member-facing languages: which ones ship, how one is chosen, and translated text.

Invariant (P1, P7): choosing a language stores nothing and sets no cookie. The choice
travels only in the link (``?lang=xx``) and in the form (a hidden ``lang`` field); the
default comes from the request's ``Accept-Language`` header, which is read and forgotten.
Catalogs are files in the package; nothing is fetched from anywhere.
"""

from server.i18n.catalogs import (
    N_,
    LazyText,
    current_language,
    format_day,
    gettext,
    lazy_gettext,
    ngettext,
    speak,
    speaking,
)
from server.i18n.languages import ENGLISH, LANGUAGES, Language, choose_language

__all__ = [
    "ENGLISH",
    "LANGUAGES",
    "Language",
    "LazyText",
    "N_",
    "choose_language",
    "current_language",
    "format_day",
    "gettext",
    "lazy_gettext",
    "ngettext",
    "speak",
    "speaking",
]
