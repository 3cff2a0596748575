"""Place choices in the member's language: country names are translated, while the names
of towns, counties and councils stay as they are written (as on signs and letters)."""

from __future__ import annotations

import re

from server.i18n.catalogs import lazy_gettext as _l

COUNTRIES = {
    "Northern Ireland": _l("Northern Ireland"),
    "England": _l("England"),
    "Wales": _l("Wales"),
    "Scotland": _l("Scotland"),
}


# A country is a whole part of a label: after its start, ", " or "(", before its end, ",",
# ")" or " (". So "Newport, Wales (NP20)" changes and "Wales Bar" or "New England" do not.
_COUNTRY = re.compile(r"(?:^|(?<=, )|(?<=\())(" + "|".join(COUNTRIES) + r")(?=$|,|\)| \()")


def place_label(label: str) -> str:
    """ "Newport, Wales (NP20)" -> "Newport, ويلز (NP20)" in Arabic; other words stay."""
    return _COUNTRY.sub(lambda match: str(COUNTRIES[match.group(1)]), label)
