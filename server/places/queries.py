"""Reading what a member typed: postcodes, districts, and a name with a hint beside it.

Pure string work (stdlib only). The inward part of a full postcode is cut off here, before
anything else sees the text (P3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from server.places.tables import normalise_name

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_OUTWARD_RE = re.compile(_OUTWARD)
_AREA_RE = re.compile(r"[A-Z]{1,2}")
_FULL_RE = re.compile(_OUTWARD + r"[0-9][A-Z]{2}")
_EMBEDDED_RE = re.compile(r"\b(" + _OUTWARD + r")\s*[0-9][A-Z]{2}\b")
PREFIXES = ("london borough of ", "royal borough of ", "borough of ", "city of ")
# Words people add after a name that mean the country (or nothing at all).
HINT_WORDS = {
    "cymru": "wales",
    "alba": "scotland",
    "ni": "northern ireland",
    "n ireland": "northern ireland",
    "uk": "",
    "gb": "",
    "united kingdom": "",
}
MAX_HINT_WORDS = 3


def normalise_postcode(text: str) -> tuple[str, bool] | None:
    """("E8", True) for a full postcode, ("E8", False) for a district, else None."""
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    if _FULL_RE.fullmatch(compact):
        return compact[:-3], True  # the inward code is always the last three characters
    if _OUTWARD_RE.fullmatch(compact):
        return compact, False
    return None


def compact_code(code: str) -> str:
    return re.sub(r"\s+", "", code).upper()


def postcode_area(text: str) -> str | None:
    """ "SW" for "sw", None for anything that is not one or two letters."""
    compact = compact_code(text)
    return compact if _AREA_RE.fullmatch(compact) else None


def embedded_district(text: str) -> str | None:
    """The district of a full postcode inside an address ("12 Mare Street, E8 3RL")."""
    found = _EMBEDDED_RE.search(text.upper())
    return found.group(1) if found else None


def district_beside_name(text: str) -> tuple[str, str] | None:
    """("BT1", "Belfast") for "Belfast BT1" or "BT1 Belfast"; None without both parts."""
    words = text.replace(",", " ").split()
    if len(words) < 2:
        return None
    for index in (-1, 0):
        found = normalise_postcode(words[index])
        if found is not None and not found[1]:
            rest = words[:-1] if index == -1 else words[1:]
            return found[0], " ".join(rest)
    return None


def name_and_hint(text: str) -> Iterator[tuple[str, str]]:
    """Ways to read "Newport Wales" or "Newport, Wales": (name, hint), the comma first."""
    head, comma, tail = text.partition(",")
    if comma and head.strip() and tail.strip():
        yield normalise_name(head), hint_of(tail)
    words = normalise_name(text).split()
    for count in range(1, min(MAX_HINT_WORDS, len(words) - 1) + 1):
        yield " ".join(words[:-count]), hint_of(" ".join(words[-count:]))


def hint_of(text: str) -> str:
    hint = normalise_name(text)
    return HINT_WORDS.get(hint, hint)


def without_prefix(query: str) -> str | None:
    """ "hackney" for "london borough of hackney"; None when no prefix is there."""
    for prefix in PREFIXES:
        if query.startswith(prefix):
            return query.removeprefix(prefix)
    return None
