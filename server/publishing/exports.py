"""Exports of a view: a plain CSV, a metadata sidecar and GeoJSON, stating the policy.

Invariant: an export holds exactly the rows of a `WindowView` — areas and regions that
passed the floor, with their noisy window sums — and never anything per report. The CSV
is plain (one header row, then data: spreadsheets and `pandas.read_csv` open it as it
is); the policy (ε, k, P, delay, window, weeks covered), the national total and the
number of hidden areas go in the `…-metadata.json` sidecar and in the GeoJSON's top-level
`metadata` member, so a reader knows what the numbers can and cannot say.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from server.publishing.named_areas import NamedRow
from server.publishing.view_data import ViewRow, WindowView

# Human names first; the ids (H3 cells, or r5:/r4: pools) last, for joining only.
CSV_COLUMNS = ("name", "kind", "count", "km2", "areas_merged", "area_id")
KINDS = {
    "area": "a publication area of one hexagon (about 36 km²), fixed in advance by population",
    "pooled area": (
        "a publication area fixed in advance: the thinly populated rest of a larger "
        "hexagon, pooled until it holds enough postcodes (its name reads 'rest of …')"
    ),
    "region": (
        "a merged region: publication areas whose counts were each below the floor in this "
        "window, added up (named 'rest of …' when some of the region's areas are shown "
        "on their own)"
    ),
}
COLUMNS = {
    "name": "the main postcode districts (and councils) of the area or region",
    "kind": "area, pooled area or region: see 'kinds'",
    "count": "incidents in the window (sum of the weekly releases; noisy unless noise is none)",
    "km2": "size in square kilometres",
    "areas_merged": "publication areas added up in this row (1 for an area)",
    "area_id": "the area's id (an H3 cell, or r5:/r4: and the H3 cell of a pooled rest)",
}
PARAMETERS = {
    "epsilon": "ε (epsilon), the privacy setting: noise added to each weekly count; the lower, "
    "the more noise",
    "sigma": "σ (sigma): the typical size of the noise in a count of this window",
    "threshold": "the floor: the smallest count shown in this window",
    "k": "the floor is never below k",
    "min_postcodes": "P: every area holds at least this many postcodes",
    "delay_days": "days after a week ends before it is released",
    "late_incidents": "incidents reported after their week's release, counted once nationally "
    "(noisy; null when not published)",
}
_NOISE = {
    "all": "noisy incident counts",
    "some": "incident counts, noisy except for weeks released with epsilon=0 (no noise)",
    "none": "exact incident counts (epsilon=0: no noise added)",
}


def row_kind(row: ViewRow) -> str:
    """What a row is: a merged region, a pooled rest area, or a one-hexagon area."""
    if row.kind == "region":
        return "region"
    return "pooled area" if ":" in row.area else "area"


def export_name(view: WindowView, suffix: str) -> str:
    """The download's file name, e.g. raidwatch-2026-W10-4w.csv or …-metadata.json."""
    return f"raidwatch-{view.last_week}-{view.window}w{suffix}"


def to_csv(view: WindowView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in view.rows:
        writer.writerow([row.name, row_kind(row), row.count, row.km2, row.pooled_areas, row.area])
    return out.getvalue()


def metadata(view: WindowView) -> dict[str, object]:
    """The policy and totals of a view, with what each column and kind means."""
    return {
        "title": f"raidwatch export: {_NOISE[view.noise]}, sum of the weekly releases "
        f"{view.first_week} to {view.last_week}",
        "files": {"csv": export_name(view, ".csv"), "geojson": export_name(view, ".geojson")},
        **view.metadata(),
        "hidden_areas_note": "areas below the floor, counted in the national total only",
        "columns": COLUMNS,
        "kinds": KINDS,
        "parameters": PARAMETERS,
    }


def to_metadata_json(view: WindowView) -> str:
    return json.dumps(metadata(view), ensure_ascii=False, indent=2) + "\n"


def to_geojson(view: WindowView) -> str:
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(row.geometry),
            "properties": {
                "name": row.name,
                "kind": row_kind(row),
                "count": row.count,
                "km2": row.km2,
                "areas_merged": row.pooled_areas,
                "area_id": row.area,
            },
        }
        for row in view.rows
    ]
    collection = {"type": "FeatureCollection", "metadata": metadata(view), "features": features}
    return json.dumps(collection, ensure_ascii=False) + "\n"  # a text file, like the CSV


def to_named_csv(view: WindowView, *, layer: str, rows: Iterable[NamedRow]) -> str:
    """The view read per operator area, saying which areas straddle two of them. Plain CSV
    like `to_csv`; the policy is in the view's metadata (`raidwatch export --format
    metadata`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "code", "count", "area_ids", "straddles", "layer"])
    for row in rows:
        writer.writerow(
            [
                row.name,
                row.code,
                "" if row.count is None else row.count,
                " ".join(row.areas),
                "; ".join(row.straddles),
                layer,
            ]
        )
    return out.getvalue()
