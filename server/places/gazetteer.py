"""Place look-up for intake: what a member typed -> a coarse, public place.

Invariant (P3): nothing finer than a postcode district or a coarse public centroid leaves
this module. A full postcode is cut to its outward code (the district) before any object
is built, so the inward part can never reach a Place, a Resolution, a log line or the
database; every coordinate handed out is a district, council or town centroid taken from
the shipped tables, never one derived from the member's input.

Tables (see server/data/gazetteer/SOURCES.md): `Gazetteer.uk()` reads the shipped UK
tables; `Gazetteer.from_csv(path)` reads one `name,lat,lng,postcodes[,context]` CSV for a
deployment elsewhere, whose rows then double as its districts. Only the stdlib and h3 are
used, and nothing is read until first use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import h3

from server.places.tables import (
    SAME_PLACE_KM,
    Entry,
    PointIndex,
    Row,
    haversine_km,
    merge_places,
    normalise_name,
    read_res6,
    read_rows,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
NEAREST_KM = 30.0  # farther than this from every district is "outside the area we cover"
# A match "dominates" when the other places of that name together weigh (in postcodes,
# i.e. roughly in residents) at most 1/15 of it: then ≥94% of the people living in a place
# so named live in that one, and asking would mostly annoy. "Sutton" (the London borough
# against a Cambridgeshire village, 49:1) and "Blackburn" (Lancashire against two Scottish
# villages, 17:1) resolve; "Kensington" (London 14:1 Liverpool), "Gillingham" (Kent 11:1
# Dorset) and "Newport" (Wales, Isle of Wight, Shropshire, ...) are real questions.
DOMINANCE = 15
MAX_CHOICES = 8
MIN_PARTIAL_CHARS = 3
MAX_INPUT_CHARS = 200  # no place needs more; bounds the work one request can cause
UK_MIN_DISTRICT_POSTCODES = 20  # smaller districts are nearest only where remote...
REMOTE_KM = 5.0  # ...that is, with no fuller district this close
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_OUTWARD_RE = re.compile(_OUTWARD)
_FULL_RE = re.compile(_OUTWARD + r"[0-9][A-Z]{2}")
_EMBEDDED_RE = re.compile(r"\b(" + _OUTWARD + r")\s*[0-9][A-Z]{2}\b")
_PREFIXES = ("london borough of ", "royal borough of ", "borough of ", "city of ")


@dataclass(frozen=True)
class Place:
    key: str  # stable id usable as a radio-button value, e.g. "district:E8"
    label: str  # human label, e.g. "Hackney (London)" or "E8 (Hackney)"
    lat: float  # coarse centroid (public information)
    lng: float
    district: str  # postcode district to store, e.g. "E8" ("" if none within reach)


@dataclass(frozen=True)
class Resolution:
    place: Place | None  # set when resolved unambiguously
    choices: tuple[Place, ...] = ()  # 2..8 items, most populous first, when ambiguous
    # both empty -> unknown


UNKNOWN = Resolution(place=None, choices=())


def normalise_postcode(text: str) -> tuple[str, bool] | None:
    """("E8", True) for a full postcode, ("E8", False) for a district, else None."""
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    if _FULL_RE.fullmatch(compact):
        return compact[:-3], True  # the inward code is always the last three characters
    if _OUTWARD_RE.fullmatch(compact):
        return compact, False
    return None


class Gazetteer:
    """Districts, named places and resolution-6 postcode counts for one deployment."""

    _uk: Gazetteer | None = None

    def __init__(
        self,
        *,
        districts: Callable[[], list[Row]],
        places: Callable[[], list[Row]],
        res6: Callable[[], dict[str, int]],
        min_district_postcodes: int = 0,
    ) -> None:
        self._load_districts, self._load_places, self._load_res6 = districts, places, res6
        self._min_district_postcodes = min_district_postcodes

    @classmethod
    def uk(cls) -> Gazetteer:
        """The shipped UK tables, as one shared (lazily loaded) instance."""
        if cls._uk is None:  # building it reads nothing, so a race costs nothing
            cls._uk = cls(
                districts=lambda: read_rows(DATA_DIR / "uk_districts.csv", "district", "authority"),
                places=lambda: read_rows(DATA_DIR / "uk_places.csv", "name", "context"),
                res6=lambda: read_res6(DATA_DIR / "uk_res6_postcodes.csv"),
                min_district_postcodes=UK_MIN_DISTRICT_POSTCODES,
            )
        return cls._uk

    @classmethod
    def configured(cls, path: str | Path | None) -> Gazetteer:
        """The deployment's gazetteer: an operator CSV if one is configured, else the UK's."""
        return cls.from_csv(path) if path else cls.uk()

    @property
    def is_shipped_uk(self) -> bool:
        return self is Gazetteer._uk

    @classmethod
    def from_csv(cls, path: str | Path) -> Gazetteer:
        """One `name,lat,lng,postcodes[,context]` CSV: its rows are the places and districts."""
        path = Path(path)

        def rows() -> list[Row]:
            return read_rows(path, "name", "context")

        def res6() -> dict[str, int]:
            counts: Counter[str] = Counter()
            for row in rows():
                counts[h3.latlng_to_cell(row.lat, row.lng, 6)] += row.postcodes
            return dict(counts)

        return cls(districts=rows, places=rows, res6=res6)

    # -- loading (first use only; a race at worst loads twice, harmlessly) -------------

    @cached_property
    def _districts(self) -> dict[str, Row]:
        """District id -> its row (the heaviest, should a CSV repeat a name)."""
        rows = sorted(self._load_districts(), key=lambda row: row.postcodes)
        return {_district_id(row.name): row for row in rows}

    @cached_property
    def _district_lookup(self) -> dict[str, str]:
        """Case- and space-insensitive district id ("sw1a", "SW1A") -> stored id."""
        return {_compact(code): code for code in self._districts}

    @cached_property
    def _district_index(self) -> PointIndex:
        """Every row (so a CSV's two far-apart "Neuville"s both count), except tiny ones.

        A district of a few postcodes takes the name only where no fuller district is near:
        on Eigg (PH42, 2 postcodes) it must, but BT99 or WC99 (a few leftover non-geographic
        postcodes in a city centre) must not win over the districts people live in.
        """
        rows = [
            (_district_id(row.name), row.lat, row.lng, row.postcodes)
            for row in self._load_districts()
        ]
        full = PointIndex(row[:3] for row in rows if row[3] >= self._min_district_postcodes)
        return PointIndex(
            row[:3]
            for row in rows
            if row[3] >= self._min_district_postcodes
            or full.nearest(row[1], row[2], REMOTE_KM) is None
        )

    @cached_property
    def _entries(self) -> dict[str, list[Entry]]:
        """Normalised name -> merged places of that name, heaviest first."""
        return merge_places(self._load_places())

    @cached_property
    def _by_key(self) -> dict[str, Entry]:
        return {entry.key: entry for group in self._entries.values() for entry in group}

    @cached_property
    def _res6(self) -> dict[str, int]:
        return self._load_res6()

    # -- public interface ----------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """A district, a full postcode (cut to its district), or a place name."""
        text = (text or "").strip()[:MAX_INPUT_CHARS]
        if not text:
            return UNKNOWN
        postcode = normalise_postcode(text)
        if postcode is not None and postcode[0] in self._district_lookup:
            return Resolution(place=self._district_place(postcode[0]))
        query = normalise_name(text)
        entries = self._exact(query)
        if entries:
            return self._decide(entries + self._bigger_elsewhere(query, entries))
        if postcode is not None:  # postcode-shaped but no such district
            return UNKNOWN
        head, _, hint = text.partition(",")
        if hint.strip():  # "Newport, Wales": a name, then words its context must contain
            hinted = [e for e in self._exact(normalise_name(head)) if _mentions(e, hint)]
            if hinted:
                return self._decide(hinted)
        embedded = _EMBEDDED_RE.search(text.upper())
        if embedded and embedded.group(1) in self._district_lookup:  # inside an address
            return Resolution(place=self._district_place(embedded.group(1)))
        return self._decide(self._partial(query))

    def by_key(self, key: str) -> Place | None:
        kind, _, value = key.partition(":")
        if kind == "district" and _compact(value) in self._district_lookup:
            return self._district_place(value)
        entry = self._by_key.get(key) if kind == "place" else None
        return self._place(entry) if entry else None

    def nearest_district(self, lat: float, lng: float) -> str:
        return self._district_index.nearest(lat, lng, NEAREST_KM) or ""

    def district_names(self) -> dict[str, str]:
        return {code: self._district_label(code) for code in self._districts}

    def res6_postcode_counts(self) -> dict[str, int]:
        return dict(self._res6)

    def places_for_labels(self, min_postcodes: int = 2000) -> list[Place]:
        """Towns, cities and councils big enough to label a map, biggest first."""
        entries = [e for group in self._entries.values() for e in group]
        if any(e.weight for e in entries):  # a CSV without counts labels every row
            entries = [e for e in entries if e.weight >= min_postcodes]
        entries.sort(key=lambda e: (-e.weight, e.key))
        return [self._place(e) for e in entries]

    # -- internals ----------------------------------------------------------------------

    def _exact(self, query: str) -> list[Entry]:
        found = self._entries.get(query, [])
        for prefix in _PREFIXES:  # "London Borough of Hackney", "City of Leeds"
            if not found and query.startswith(prefix):
                found = self._entries.get(query.removeprefix(prefix), [])
        return found

    def _partial(self, query: str) -> list[Entry]:
        """Names holding the query as whole words ("tower" -> "Tower Hamlets")."""
        if len(query) < MIN_PARTIAL_CHARS:
            return []
        padded = f" {query} "
        return [
            entry
            for name, group in self._entries.items()
            if padded in f" {name} "
            for entry in group
        ]

    def _bigger_elsewhere(self, query: str, exact: list[Entry]) -> list[Entry]:
        """Exact names beat partial ones, unless a partial match elsewhere dominates them.

        "Newcastle" must offer Newcastle upon Tyne (40 times County Down's Newcastle), and
        then every bigger partial match too (Newcastle-under-Lyme); "Dumfries" stays the
        town, not the four-times-bigger council of Dumfries and Galloway around it.
        """
        heaviest = max(e.weight for e in exact)
        bigger = [
            p
            for p in self._partial(query)
            if p.weight > heaviest
            and p not in exact
            and all(_km(p, e) > SAME_PLACE_KM for e in exact)
        ]
        return bigger if any(p.weight >= DOMINANCE * heaviest for p in bigger) else []

    def _decide(self, entries: list[Entry]) -> Resolution:
        entries = sorted(entries, key=lambda e: (-e.weight, e.key))
        if not entries:
            return UNKNOWN
        top, rest = entries[0], sum(e.weight for e in entries[1:])
        if len(entries) == 1 or (top.weight > 0 and top.weight >= DOMINANCE * rest):
            return Resolution(place=self._place(top))
        return Resolution(place=None, choices=self._choices(entries[:MAX_CHOICES]))

    def _choices(self, entries: list[Entry]) -> tuple[Place, ...]:
        """Label each choice with as much context as it takes to tell them apart."""
        depth = {e.key: 1 for e in entries}
        while True:
            labels = Counter(e.label(depth[e.key]) for e in entries)
            clashing = [
                e
                for e in entries
                if labels[e.label(depth[e.key])] > 1 and depth[e.key] < len(e.context)
            ]
            if not clashing:
                break
            for e in clashing:
                depth[e.key] += 1
        places = [self._place(e, depth[e.key]) for e in entries]
        for suffix in (lambda p: p.district, lambda p: f"{p.lat:.1f}, {p.lng:.1f}"):
            seen = Counter(p.label for p in places)  # still alike: say where, coarsely
            places = [
                replace(p, label=f"{p.label} – {suffix(p)}") if seen[p.label] > 1 else p
                for p in places
            ]
        return tuple(places)

    def _place(self, entry: Entry, depth: int = 1) -> Place:
        return Place(
            key=entry.key,
            label=entry.label(depth),
            lat=entry.lat,
            lng=entry.lng,
            district=self.nearest_district(entry.lat, entry.lng),
        )

    def _district_place(self, code: str) -> Place:
        code = self._district_lookup[_compact(code)]
        row = self._districts[code]
        return Place(
            key=f"district:{code}",
            label=self._district_label(code),
            lat=row.lat,
            lng=row.lng,
            district=code,
        )

    def _district_label(self, code: str) -> str:
        row = self._districts[code]
        return f"{code} ({row.context})" if row.context and row.context != code else code


def _district_id(name: str) -> str:
    return " ".join(name.split())


def _compact(code: str) -> str:
    return re.sub(r"\s+", "", code).upper()


def _km(a: Entry, b: Entry) -> float:
    return haversine_km(a.lat, a.lng, b.lat, b.lng)


def _mentions(entry: Entry, hint: str) -> bool:
    words = set(normalise_name(" ".join(entry.context)).split())
    return set(normalise_name(hint).split()) <= words
