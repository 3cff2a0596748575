"""Reading and indexing gazetteer tables: rows, same-place merging, nearest-point search.

Pure helpers for `gazetteer.py` (stdlib only): nothing here sees what a member typed.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SAME_PLACE_KM = 15.0  # same-named rows this close are one place (a council and its town)
HEAD_ORDER = {"locality": 0, "town": 1, "region": 2, "council": 3}  # which row speaks for a place


def normalise_name(text: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form: "St. John's" -> "st johns"."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = re.sub(r"['’`]", "", folded.replace("&", " and "))
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    return " ".join("st" if word == "saint" else word for word in words)


@dataclass(frozen=True)
class Entry:
    """One named place after same-place rows are merged; `weight` is its postcode count."""

    name: str
    lat: float
    lng: float
    weight: int
    context: tuple[str, ...]  # qualifiers, most specific first, none equal to the name
    key: str
    districts: tuple[str, ...] = ()  # the postcode districts it covers, the main one first
    kind: str = ""  # council | town | locality | region | alias ("" from an operator CSV)

    def label(self, depth: int = 1) -> str:
        return ", ".join((self.name, *self.context[:depth]))


@dataclass(frozen=True)
class Row:
    name: str
    lat: float
    lng: float
    postcodes: int
    context: str
    districts: tuple[str, ...] = ()
    kind: str = ""


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


class PointIndex:
    """Nearest point by haversine, searched ring by ring over a 0.1° × 0.1° grid."""

    STEP = 0.1

    def __init__(self, points: Iterable[tuple[str, float, float]]) -> None:
        self._cells: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
        for item in points:
            self._cells[self._cell(item[1], item[2])].append(item)

    def _cell(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / self.STEP), math.floor(lng / self.STEP)

    def nearest(self, lat: float, lng: float, max_km: float) -> str | None:
        row, col = self._cell(lat, lng)
        # Ring k holds every point within k·STEP of the query in both directions; a degree
        # of longitude shrinks with latitude, so bound by the narrower side.
        ring_km = 111.2 * self.STEP * max(0.05, math.cos(math.radians(min(abs(lat) + 1, 89))))
        best: tuple[float, str] | None = None
        for k in range(int(max_km / ring_km) + 2):
            for r in range(row - k, row + k + 1):
                for c in range(col - k, col + k + 1):
                    if max(abs(r - row), abs(c - col)) != k:
                        continue
                    for name, plat, plng in self._cells.get((r, c), ()):
                        dist = haversine_km(lat, lng, plat, plng)
                        if dist <= max_km and (best is None or (dist, name) < best):
                            best = (dist, name)
            if best is not None and best[0] <= k * ring_km:
                break  # nothing outside ring k can be nearer
        return best[1] if best else None


def merge_places(rows: list[Row]) -> dict[str, list[Entry]]:
    """Group rows by name; rows of one name within SAME_PLACE_KM are one place.

    A council and its town ("Newport" the city council and "Newport" the town) are the
    same answer to a member: one entry, as heavy as the heaviest, placed where the most
    specific row (HEAD_ORDER) puts it, covering the districts of them all.
    """
    groups: dict[str, list[list[Row]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (-r.postcodes, r.name, r.context, r.lat, r.lng)):
        clusters = groups[normalise_name(row.name)]
        for cluster in clusters:
            head = cluster[0]
            if haversine_km(head.lat, head.lng, row.lat, row.lng) <= SAME_PLACE_KM:
                cluster.append(row)
                break
        else:
            clusters.append([row])
    entries: dict[str, list[Entry]] = {}
    keys: set[str] = set()
    for name in sorted(groups):
        if not name:
            continue
        entries[name] = []
        for cluster in groups[name]:
            # Where a name is used in addresses (a district's locality) says best where it
            # is; a council's centroid least ("Hounslow" is the town in TW3, not TW7).
            head = min(cluster, key=lambda r: (HEAD_ORDER.get(r.kind, 9), -r.postcodes))
            separator = ";" if ";" in head.context else ","
            context = tuple(
                part.strip()
                for part in head.context.split(separator)
                if part.strip() and normalise_name(part) != name
            )
            key = _unique_key(head, context, keys)
            ordered = [head] + [row for row in cluster if row is not head]
            districts = dict.fromkeys(d for row in ordered for d in row.districts)
            entries[name].append(
                Entry(
                    head.name,
                    head.lat,
                    head.lng,
                    max(r.postcodes for r in cluster),
                    context,
                    key,
                    tuple(districts),
                    head.kind,
                )
            )
    return entries


def _unique_key(row: Row, context: tuple[str, ...], taken: set[str]) -> str:
    """ "place:newport-wales": the name and just enough context to be unique, stable."""
    for depth in range(min(1, len(context)), len(context) + 1):
        key = "place:" + _slug(" ".join((row.name, *context[:depth])))
        if key not in taken:
            break
    else:
        base = "place:" + _slug(" ".join((row.name, *context, f"{row.lat:.2f} {row.lng:.2f}")))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
    taken.add(key)
    return key


def _slug(text: str) -> str:
    return normalise_name(text).replace(" ", "-")


def read_rows(path: Path, name_field: str, context_field: str) -> list[Row]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            Row(
                name=rec[name_field].strip(),
                lat=float(rec["lat"]),
                lng=float(rec["lng"]),
                postcodes=int(float(rec.get("postcodes") or 0)),
                context=(rec.get(context_field) or "").strip(),
                districts=tuple((rec.get("districts") or "").split()),
                kind=(rec.get("kind") or "").strip(),
            )
            for rec in csv.DictReader(fh)
            if (rec.get(name_field) or "").strip()
        ]


def read_res6(path: Path) -> dict[str, int]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {rec["cell"]: int(rec["postcodes"]) for rec in csv.DictReader(fh)}
