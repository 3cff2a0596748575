"""A network's home area: the postcode areas, districts and councils its members live in.

Organisers set it ("E, IG, Hackney, M14"); the gazetteer uses it only to rank places of
the same name, so that "Dalston" on an East London network means Dalston in Hackney. It
never widens or narrows what can be reported, and holds nothing about any member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from server.places.queries import compact_code, normalise_postcode, postcode_area

MAX_HOME_CHARS = 400


@dataclass(frozen=True)
class HomeArea:
    text: str  # the organiser's words, tidied: "E, IG, Hackney"
    districts: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.districts)


def parse_home_area(
    text: str,
    *,
    districts: Iterable[str],
    named: Callable[[str], list[tuple[str, ...]]],
) -> HomeArea:
    """Read "E, IG, Hackney, M14": postcode areas, districts, or council and place names.

    `named(name)` gives the districts of each place so named; the heaviest (first) counts.
    Raises ValueError naming every part that is not known.
    """
    text = (text or "").strip()
    if len(text) > MAX_HOME_CHARS:
        raise ValueError(f"Keep the home area under {MAX_HOME_CHARS} characters.")
    by_code = {compact_code(code): code for code in districts}
    found: set[str] = set()
    kept: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        area = postcode_area(part)
        postcode = normalise_postcode(part)
        if area is not None and any(_area_of(code) == area for code in by_code):
            found.update(code for key, code in by_code.items() if _area_of(key) == area)
            kept.append(area)
        elif postcode is not None and not postcode[1] and postcode[0] in by_code:
            found.add(by_code[postcode[0]])
            kept.append(by_code[postcode[0]])
        elif places := named(part):
            found.update(places[0])
            kept.append(" ".join(part.split()))
        else:
            unknown.append(part)
    if unknown:
        raise ValueError(
            "Not a postcode area, district or council we know: " + ", ".join(unknown) + "."
        )
    return HomeArea(text=", ".join(dict.fromkeys(kept)), districts=frozenset(found))


def _area_of(code: str) -> str:
    return code[: len(code) - len(code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
