"""Exports of a view: CSV and GeoJSON, each stating the policy it was made under.

Invariant: an export holds exactly the rows of a `WindowView` — areas and regions that
passed the floor, with their noisy window sums — and never anything per report. The
policy (ε, k, P, delay, window, weeks covered) heads the file and the national total and
the number of hidden areas close it, so a reader knows what the numbers can and cannot say.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from server.publishing.named_areas import NamedRow
from server.publishing.view_data import WindowView

CSV_COLUMNS = ("kind", "area", "name", "count", "km2", "pooled_areas")
_KIND = {
    "all": "noisy incident counts",
    "some": "incident counts, noisy except for weeks released with epsilon=0 (no noise)",
    "none": "exact incident counts (epsilon=0: no noise added)",
}


def to_csv(view: WindowView) -> str:
    meta = view.metadata()
    out = io.StringIO()
    out.write(
        f"# raidwatch export: {_KIND[view.noise]}, sum of the weekly releases "
        f"{view.first_week}..{view.last_week}\n"
    )
    out.write(
        "# "
        + "; ".join(
            f"{key}={_text(meta[key])}"
            for key in (
                "window_weeks",
                "weeks_covered",
                "epsilon",
                "k",
                "min_postcodes",
                "delay_days",
                "threshold",
            )
        )
        + "\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in view.rows:
        writer.writerow([row.kind, row.area, row.name, row.count, row.km2, row.pooled_areas])
    out.write(
        f"# national_total={view.national_total}; hidden_areas={view.hidden_areas} "
        f"(below the floor, counted in the national total only); "
        f"late_incidents={_text(view.late_incidents)}\n"
    )
    return out.getvalue()


def to_geojson(view: WindowView) -> str:
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(row.geometry),
            "properties": {
                "kind": row.kind,
                "area": row.area,
                "name": row.name,
                "count": row.count,
                "km2": row.km2,
                "pooled_areas": row.pooled_areas,
            },
        }
        for row in view.rows
    ]
    collection = {"type": "FeatureCollection", "metadata": view.metadata(), "features": features}
    return json.dumps(collection, ensure_ascii=False) + "\n"  # a text file, like the CSV


def to_named_csv(view: WindowView, *, layer: str, rows: Iterable[NamedRow]) -> str:
    """The view read per operator area, saying which areas straddle two of them."""
    meta = view.metadata()
    out = io.StringIO()
    out.write(
        f"# raidwatch export by named area ({layer}): sums of the shown areas and regions "
        f"lying mostly inside each; {view.first_week}..{view.last_week}; "
        f"epsilon={meta['epsilon']}; k={view.k}; min_postcodes={view.min_postcodes}; "
        f"delay_days={view.delay_days}; window_weeks={view.window}\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "count", "areas", "straddles"])
    for row in rows:
        writer.writerow(
            [
                row.code,
                row.name,
                "" if row.count is None else row.count,
                " ".join(row.areas),
                "; ".join(row.straddles),
            ]
        )
    out.write(
        f"# an empty count means no shown area lies mostly inside; "
        f"hidden_areas={view.hidden_areas}; national_total={view.national_total}\n"
    )
    return out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return "not published"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "none"
    return str(value)
