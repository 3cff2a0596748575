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

from server.publishing.view_data import WindowView

CSV_COLUMNS = ("kind", "area", "name", "count", "km2", "pooled_areas")


def to_csv(view: WindowView) -> str:
    meta = view.metadata()
    out = io.StringIO()
    out.write(f"# raidwatch export: noisy incident counts, sum of the weekly releases "
              f"{view.first_week}..{view.last_week}\n")
    out.write("# " + "; ".join(f"{key}={_text(meta[key])}" for key in (
        "window_weeks", "weeks_covered", "epsilon", "k", "min_postcodes", "delay_days",
        "threshold")) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in view.rows:
        writer.writerow([row.kind, row.area, row.name, row.count, row.km2, row.pooled_areas])
    out.write(f"# national_total={view.national_total}; hidden_areas={view.hidden_areas} "
              f"(below the floor, counted in the national total only); "
              f"late_reports={view.late_reports}\n")
    return out.getvalue()


def to_geojson(view: WindowView) -> str:
    features = [
        {"type": "Feature", "geometry": json.loads(row.geometry),
         "properties": {"kind": row.kind, "area": row.area, "name": row.name,
                        "count": row.count, "km2": row.km2,
                        "pooled_areas": row.pooled_areas}}
        for row in view.rows
    ]
    collection = {"type": "FeatureCollection", "metadata": view.metadata(),
                  "features": features}
    return json.dumps(collection, ensure_ascii=False) + "\n"  # a text file, like the CSV


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "none"
    return str(value)
