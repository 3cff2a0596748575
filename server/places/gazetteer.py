"""Place look-up for intake: what a member typed -> a coarse, public place, or a question.

Invariant (P3): nothing finer than a postcode district or a coarse public centroid leaves
this module. A full postcode is cut to its outward code (the district) before any object
is built, so the inward part can never reach a Place, a Resolution, a log line or the
database; every coordinate handed out is a district, council, town or neighbourhood
centroid taken from the shipped tables, never one derived from the member's input.

No silent guesses: a name is resolved only when one place of that name is in the
network's home area, or when it outweighs its namesakes (and, with a home area set, lies
in it); otherwise the member chooses. A whole city or county is never stored as its
centre: the member is asked which part. A misspelt name gets "did you mean" suggestions,
not a guess.

Tables (see server/data/gazetteer/SOURCES.md): `Gazetteer.uk()` reads the shipped UK
tables; `Gazetteer.from_csv(path)` reads one `name,lat,lng,postcodes[,context]` CSV for a
deployment elsewhere, whose rows then double as its districts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import h3

from server.places.home import HomeArea, parse_home_area
from server.places.queries import (
    compact_code,
    district_beside_name,
    embedded_district,
    name_and_hint,
    normalise_postcode,
    without_prefix,
)
from server.places.suggest import Suggester
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

__all__ = ["Gazetteer", "HomeArea", "Place", "Resolution", "haversine_km"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
NEAREST_KM = 30.0  # farther than this from every district is "outside the area we cover"
# A match "dominates" its namesakes when it outweighs (in postcodes, i.e. roughly in
# residents) the next heaviest 15 times over and all the others together 3 times over:
# then at least three in four people living in a place so named live in that one, and
# the confirmation page still shows which one was understood, with the others a tap away.
# "Moss Side" (Manchester, against hamlets near Preston and Nairn) and "Preston" resolve;
# "Dalston" (Hackney 3:1 Cumbria), "Kensington", "Sutton" and "Newport" are questions.
DOMINANCE = 15
SUM_DOMINANCE = 3
MAX_CHOICES = 8
MIN_PARTIAL_CHARS = 3
MAX_INPUT_CHARS = 200  # no place needs more; bounds the work one request can cause
UK_MIN_DISTRICT_POSTCODES = 20  # smaller districts are nearest only where remote...
REMOTE_KM = 5.0  # ...that is, with no fuller district this close
# A place this big, covering this many districts spread this far, is a whole city or
# county: its centre says little about where something happened, so the member is asked
# which part (London, Manchester, Cardiff, Cornwall; not Hounslow, Leicester or Luton).
WHOLE_DISTRICTS = 8
WHOLE_SPREAD_KM = 6.5
WHOLE_POSTCODES = 10_000  # ~250,000 people: a borough like Hounslow is still a town
NEAR_DISTRICT_KM = 10.0  # "Belfast BT1": the name agrees with the district this close


@dataclass(frozen=True)
class Place:
    key: str  # stable id usable as a radio-button value, e.g. "district:E8"
    label: str  # what a person recognises, e.g. "Dalston, Hackney (E8)"
    lat: float  # coarse centroid (public information)
    lng: float
    district: str  # postcode district to store, e.g. "E8" ("" if none within reach)
    whole: bool = False  # a whole city or county: ask which part
    name: str = ""  # the bare name, for a map label ("Dalston")


@dataclass(frozen=True)
class Resolution:
    place: Place | None  # understood: one place, no question needed
    choices: tuple[Place, ...] = ()  # a question: which of these (most likely first)
    others: tuple[Place, ...] = ()  # with `place`: other places of that name
    suggestions: tuple[Place, ...] = ()  # nothing matched: near misses ("did you mean")
    whole: Place | None = None  # a whole city or county: which part? (`choices` may help)


UNKNOWN = Resolution(place=None)


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
        return {compact_code(code): code for code in self._districts}

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
    def _by_word(self) -> dict[str, list[str]]:
        """Word -> the names holding it, so partial matches need not scan every name."""
        index: dict[str, list[str]] = {}
        for name in self._entries:
            for word in set(name.split()):
                index.setdefault(word, []).append(name)
        return index

    @cached_property
    def _suggester(self) -> Suggester:
        return Suggester(self._entries)

    @cached_property
    def _res6(self) -> dict[str, int]:
        return self._load_res6()

    # -- public interface ----------------------------------------------------------------

    def resolve(self, text: str, home: HomeArea | None = None) -> Resolution:
        """A district, a full postcode (cut to its district), or a place name."""
        text = (text or "").strip()[:MAX_INPUT_CHARS]
        if not text:
            return UNKNOWN
        postcode = normalise_postcode(text)
        if postcode is not None:
            code = self._district_lookup.get(postcode[0])
            return Resolution(place=self._district_place(code)) if code else UNKNOWN
        query = normalise_name(text)
        entries = self._exact(query)
        if entries:
            return self._decide(entries + self._bigger_elsewhere(query, entries), home)
        beside = district_beside_name(text)
        if beside is not None and compact_code(beside[0]) in self._district_lookup:
            return self._name_with_district(beside[1], beside[0], home)
        for name, hint in name_and_hint(text):
            hinted = [e for e in self._exact(name) if _mentions(e, hint)]
            if hinted:
                return self._decide(hinted, home)
        embedded = embedded_district(text)
        if embedded and embedded in self._district_lookup:  # inside an address
            return Resolution(place=self._district_place(embedded))
        partial = self._partial(query)
        if partial:
            return self._decide(partial, home)
        found = self._suggester.near(query, home)
        return Resolution(place=None, suggestions=tuple(self._place(e, 2) for e in found))

    def by_key(self, key: str) -> Place | None:
        kind, _, value = key.partition(":")
        code = self._district_lookup.get(compact_code(value)) if kind == "district" else None
        if code:
            return self._district_place(code)
        entry = self._by_key.get(key) if kind == "place" else None
        return self._place(entry) if entry else None

    def parts(self, place: Place, home: HomeArea | None) -> tuple[Place, ...]:
        """The districts of a whole city that lie in the home area, when they are few."""
        entry = self._by_key.get(place.key)
        if entry is None or home is None:
            return ()
        inside = [code for code in entry.districts if code in home.districts]
        if not 0 < len(inside) <= MAX_CHOICES:
            return ()
        return tuple(self._district_place(code) for code in sorted(inside))

    def example_part(self, place: Place, home: HomeArea | None = None) -> str:
        """ "Moss Side or M14": a neighbourhood of a whole city, and its district; one in the
        network's home area when the city reaches into it ("Stepney or E1" in East London)."""
        entry = self._by_key.get(place.key)
        codes = list(entry.districts) if entry else []
        if home is not None:
            codes.sort(key=lambda code: code not in home.districts)  # stable: home first
        for code in codes:
            name = self._locality_names.get(code)
            if name and normalise_name(name) != normalise_name(entry.name if entry else ""):
                return f"{name} or {code}"
        return place.district

    @cached_property
    def _locality_names(self) -> dict[str, str]:
        """District -> the name of its heaviest neighbourhood (for examples)."""
        best: dict[str, Entry] = {}
        for group in self._entries.values():
            for e in group:
                if e.kind == "locality" and e.districts:
                    held = best.get(e.districts[0])
                    if held is None or (e.weight, e.key) > (held.weight, held.key):
                        best[e.districts[0]] = e
        return {code: e.name for code, e in best.items()}

    def home_area(self, text: str) -> HomeArea:
        """An organiser's home area ("E, IG, Hackney, M14"); ValueError names what is unknown."""
        return parse_home_area(
            text,
            districts=self._districts.keys(),
            named=lambda name: [e.districts for e in self._exact(normalise_name(name))],
        )

    def nearest_district(self, lat: float, lng: float) -> str:
        return self._district_index.nearest(lat, lng, NEAREST_KM) or ""

    def district_names(self) -> dict[str, str]:
        return {code: self._district_label(code) for code in self._districts}

    def district_points(self) -> list[tuple[str, float, float, str, int]]:
        """(district, lat, lng, authority, postcodes) of every district: public centroids
        and sizes from the shipped tables, for map labels and outlines."""
        return [
            (code, row.lat, row.lng, row.context, row.postcodes)
            for code, row in self._districts.items()
        ]

    def res6_postcode_counts(self) -> dict[str, int]:
        return dict(self._res6)

    def places_for_labels(self, min_postcodes: int = 2000) -> list[Place]:
        """Towns, cities and councils big enough to label a map, biggest first."""
        entries = [e for group in self._entries.values() for e in group if e.kind != "alias"]
        if any(e.weight for e in entries):  # a CSV without counts labels every row
            entries = [e for e in entries if e.weight >= min_postcodes]
        entries.sort(key=lambda e: (-e.weight, e.key))
        return [self._place(e) for e in entries]

    # -- internals ----------------------------------------------------------------------

    def _exact(self, query: str) -> list[Entry]:
        found = self._entries.get(query, [])
        bare = without_prefix(query)  # "London Borough of Hackney", "City of Leeds"
        if not found and bare:
            found = self._entries.get(bare, [])
        return list(found)

    def _partial(self, query: str) -> list[Entry]:
        """Names holding the query as whole words ("tower" -> "Tower Hamlets")."""
        if len(query) < MIN_PARTIAL_CHARS:
            return []
        padded = f" {query} "
        words = query.split()
        names = min((self._by_word.get(word, []) for word in words), key=len) if words else []
        return [entry for name in names if padded in f" {name} " for entry in self._entries[name]]

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

    def _name_with_district(self, name: str, code: str, home: HomeArea | None) -> Resolution:
        """ "Belfast BT1": the district, if the name is near it (or unknown: a street?)."""
        district = self._district_place(self._district_lookup[compact_code(code)])
        named = self._exact(normalise_name(name)) or self._partial(normalise_name(name))
        if not named or any(
            district.district in e.districts
            or haversine_km(e.lat, e.lng, district.lat, district.lng) <= NEAR_DISTRICT_KM
            for e in named
        ):
            return Resolution(place=district)
        others = self._decide(named, home)
        listed = others.choices or tuple(p for p in (others.place, others.whole) if p)
        return Resolution(place=None, choices=(district, *listed)[:MAX_CHOICES])

    def _decide(self, entries: Iterable[Entry], home: HomeArea | None) -> Resolution:
        ranked = sorted(set(entries), key=lambda e: (not _inside(e, home), -e.weight, e.key))
        if not ranked:
            return UNKNOWN
        inside = [e for e in ranked if _inside(e, home)]
        pool = inside or ranked  # the home area narrows the field when it can
        top, rest = pool[0], sum(e.weight for e in pool[1:])
        second = pool[1].weight if len(pool) > 1 else 0
        if len(pool) == 1 or (
            top.weight > 0
            and top.weight >= DOMINANCE * second
            and top.weight >= SUM_DOMINANCE * rest
        ):
            place = self._place(top)
            if place.whole:
                return Resolution(place=None, whole=place, choices=self.parts(place, home))
            others = tuple(self._place(e, 2) for e in ranked if e is not top)
            if home and not inside:
                # Nothing of that name in the network's home area: the member's place may
                # be missing from the tables, so a namesake far away is offered, not taken.
                return Resolution(
                    place=None, choices=self._labelled((self._place(top, 2), *others))
                )
            return Resolution(place=place, others=self._labelled(others[: MAX_CHOICES - 1]))
        return Resolution(
            place=None, choices=self._labelled(tuple(self._place(e, 2) for e in ranked))
        )

    def _labelled(self, places: tuple[Place, ...]) -> tuple[Place, ...]:
        """At most MAX_CHOICES, each label unique (two alike get their coarse position)."""
        places = places[:MAX_CHOICES]
        seen = Counter(p.label for p in places)
        return tuple(
            p if seen[p.label] == 1 else replace(p, label=f"{p.label} – {p.lat:.1f}, {p.lng:.1f}")
            for p in places
        )

    def _place(self, entry: Entry, depth: int = 1) -> Place:
        known = (self._district_lookup.get(compact_code(c)) for c in entry.districts)
        district = next((c for c in known if c), "") or self.nearest_district(entry.lat, entry.lng)
        where = entry.label(depth)
        label = f"{where} ({district})" if district and district != entry.name else where
        return Place(
            key=entry.key,
            label=label,
            lat=entry.lat,
            lng=entry.lng,
            district=district,
            whole=self._is_whole(entry),
            name=entry.name,
        )

    def _is_whole(self, entry: Entry) -> bool:
        if entry.weight < WHOLE_POSTCODES:
            return False
        known = (self._district_lookup.get(compact_code(c)) for c in entry.districts)
        rows = [self._districts[code] for code in known if code]
        if len(rows) < WHOLE_DISTRICTS:
            return False
        spread = max(haversine_km(entry.lat, entry.lng, r.lat, r.lng) for r in rows)
        return spread >= WHOLE_SPREAD_KM

    def _district_place(self, code: str) -> Place:
        code = self._district_lookup[compact_code(code)]
        row = self._districts[code]
        return Place(
            key=f"district:{code}",
            label=self._district_label(code),
            lat=row.lat,
            lng=row.lng,
            district=code,
            name=code,
        )

    def _district_label(self, code: str) -> str:
        row = self._districts[code]
        return f"{code} ({row.context})" if row.context and row.context != code else code


def _district_id(name: str) -> str:
    return " ".join(name.split())


def _km(a: Entry, b: Entry) -> float:
    return haversine_km(a.lat, a.lng, b.lat, b.lng)


def _inside(entry: Entry, home: HomeArea | None) -> bool:
    return home is not None and not home.districts.isdisjoint(entry.districts)


def _mentions(entry: Entry, hint: str) -> bool:
    """Does the place's context (or a district it covers) say what the hint says?"""
    if not hint:
        return True
    words = set(normalise_name(" ".join(entry.context)).split())
    words.update(code.casefold() for code in entry.districts)
    return set(hint.split()) <= words
