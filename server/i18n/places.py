"""Place choices in the member's language: country names are translated, while the names
of towns, counties and councils stay as they are written (as on signs and letters)."""

from __future__ import annotations

from server.i18n.catalogs import lazy_gettext as _l

COUNTRIES = {
    "Northern Ireland": _l("Northern Ireland"),
    "England": _l("England"),
    "Wales": _l("Wales"),
    "Scotland": _l("Scotland"),
}


def place_label(label: str) -> str:
    """ "Newport (Wales)" -> "Newport (ويلز)" in Arabic; other words are left alone."""
    parts = label.replace("(", "(\0").replace(")", "\0)").replace(", ", "\0, \0").split("\0")
    return "".join(str(COUNTRIES[part]) if part in COUNTRIES else part for part in parts)
