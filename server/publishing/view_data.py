"""Views read from the database: window sums of frozen releases, through the floor (P4).

Invariant: a view is computed only from stored releases (noisy counts per area), never from
reports, so reading it spends no budget and shows nothing per report. The window ends at
the latest release and covers the releases of its series within the last 1, 4 or 12 weeks;
σ is that of the summed noise (weeks may differ in ε: their variances add), reported for
readers; only rows passing `views.build_view`'s floor (k at least, and high enough that the
expected number of false rows per view stays under `views.FALSE_ROWS`) are returned —
areas, then the pooled rest of resolution-4 regions. Hidden areas remain in the national
total. When every release of the window also holds noisy region counts, the view combines
them with the areas' (`views.build_view`); a release's `epsilon` is its whole map budget, of
which `region_epsilon` went to the regions and the rest to the areas.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from server.models.tables import AREAS, COUNTS, REGION_COUNTS, REGIONS, RELEASES
from server.publishing.noise import noise_sd
from server.publishing.views import build_view
from server.weeks import previous_weeks

WINDOWS = (1, 4, 12)


# A rate is incidents a week per this many postcodes (roughly 75,000 people): maps colour
# by it and tables show it, so a big merged region and a small city area compare per head.
RATE_POSTCODES = 2000


def weekly_rate(count: int, weeks: int, postcodes: int) -> float:
    """Incidents a week per `RATE_POSTCODES` postcodes (negative noisy counts as 0)."""
    return max(0, count) / max(1, weeks) / max(1, postcodes) * RATE_POSTCODES


@dataclass(frozen=True)
class ViewRow:
    kind: str  # "area" or "region" (the pooled rest of a resolution-4 region)
    area: str
    name: str
    count: int
    km2: float
    pooled_areas: int
    geometry: str  # GeoJSON, WGS84
    postcodes: int = 0  # postcodes the area (or the pooled areas) cover: maps show rates


@dataclass(frozen=True)
class WindowView:
    window: int
    first_week: str
    last_week: str
    weeks: tuple[str, ...]  # weeks of the window that have a release (of this series)
    epsilons: tuple[float, ...]  # one per covered week
    k: int
    min_postcodes: int
    delay_days: int
    sigma: float
    threshold: float
    national_total: int
    hidden_areas: int
    late_incidents: int | None  # noisy, learnt after their week's release; None: unpublished
    rows: tuple[ViewRow, ...]

    def rate(self, row: ViewRow) -> float:
        """The row's incidents a week per `RATE_POSTCODES` postcodes over this window."""
        return weekly_rate(row.count, len(self.weeks), row.postcodes)

    @property
    def noise(self) -> str:
        """ "none" when every week of the window was released without noise (ε = 0), "some"
        when only some were, else "all": pages and files say which, never claiming noise
        that is not there."""
        noisy = [epsilon > 0 for epsilon in self.epsilons]
        return "all" if all(noisy) else "some" if any(noisy) else "none"

    def metadata(self) -> dict[str, object]:
        eps = sorted(set(self.epsilons))
        return {
            "window_weeks": self.window,
            "first_week": self.first_week,
            "last_week": self.last_week,
            "weeks_covered": list(self.weeks),
            "epsilon": eps[0] if len(eps) == 1 else eps,
            "k": self.k,
            "min_postcodes": self.min_postcodes,
            "delay_days": self.delay_days,
            "sigma": round(self.sigma, 3),
            "threshold": round(self.threshold, 3),
            "national_total": self.national_total,
            "hidden_areas": self.hidden_areas,
            "late_incidents": self.late_incidents,
            "noise": self.noise,
        }


def load_view(
    *, conn: Connection, window: int, k: int, ending: str | None = None
) -> WindowView | None:
    """The view over `window` weeks ending at the latest release (or at the released week
    `ending`), through the floor of `views.build_view`; None before any release."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}")
    query = select(RELEASES).order_by(RELEASES.c.week.desc())
    if ending is not None:
        query = query.where(RELEASES.c.week == ending)
    latest = conn.execute(query).first()
    if latest is None:
        return None
    weeks = previous_weeks(latest.week, window)
    releases = conn.execute(
        select(RELEASES)
        .where(RELEASES.c.series_id == latest.series_id, RELEASES.c.week.in_(weeks))
        .order_by(RELEASES.c.week)
    ).all()
    sums: dict[str, int] = dict(
        conn.execute(
            select(COUNTS.c.area, func.sum(COUNTS.c.count))
            .where(COUNTS.c.release_id.in_([r.id for r in releases]))
            .group_by(COUNTS.c.area)
        ).all()
    )
    areas = {
        row.area: row
        for row in conn.execute(select(AREAS).where(AREAS.c.series_id == latest.series_id))
    }
    region_names = _region_names(conn, series_id=latest.series_id)
    area_epsilons = [area_epsilon(r) for r in releases]
    sigma = window_sigma(area_epsilons)
    region_sums: dict[str, int] | None = None
    if releases and all(r.region_epsilon > 0 for r in releases):
        summed = conn.execute(
            select(REGION_COUNTS.c.region, func.sum(REGION_COUNTS.c.count))
            .where(REGION_COUNTS.c.release_id.in_([r.id for r in releases]))
            .group_by(REGION_COUNTS.c.region)
        ).all()
        region_sums = {region: int(total) for region, total in summed}
    view = build_view(
        area_sums={area: int(sums.get(area, 0)) for area in areas},
        area_region={area: row.region for area, row in areas.items()},
        k=k,
        epsilons=area_epsilons,
        region_sums=region_sums,
        region_epsilons=[r.region_epsilon for r in releases] if region_sums else (),
    )
    rows = [
        ViewRow(
            kind="area",
            area=area,
            name=areas[area].name,
            count=count,
            km2=areas[area].km2,
            pooled_areas=1,
            geometry=areas[area].geometry,
            postcodes=areas[area].postcodes,
        )
        for area, count in view.shown_areas.items()
    ]
    for region, count in view.shown_regions.items():
        pooled = view.region_areas[region]
        whole = len(pooled) == sum(1 for row in areas.values() if row.region == region)
        name = region_names.get(region, region)
        rows.append(
            ViewRow(
                kind="region",
                area=region,
                name=name if whole else f"rest of {name}",
                count=count,
                km2=round(sum(areas[a].km2 for a in pooled), 2),
                pooled_areas=len(pooled),
                geometry=_union([areas[a].geometry for a in pooled]),
                postcodes=sum(areas[a].postcodes for a in pooled),
            )
        )
    rows.sort(key=lambda row: (-row.count, row.kind, row.area))
    return WindowView(
        window=window,
        first_week=weeks[0],
        last_week=weeks[-1],
        weeks=tuple(r.week for r in releases),
        epsilons=tuple(r.epsilon for r in releases),
        k=k,
        min_postcodes=latest.min_postcodes,
        delay_days=latest.delay_days,
        sigma=sigma,
        threshold=view.threshold,
        national_total=max(0, sum(r.national_total for r in releases)),
        hidden_areas=view.hidden_count,
        late_incidents=(
            sum(r.late_total for r in releases if r.late_epsilon > 0)
            if any(r.late_epsilon > 0 for r in releases)
            else None
        ),
        rows=tuple(rows),
    )


def area_epsilon(release: Row[Any]) -> float:
    """The ε a release's area counts were noised with: its map budget less the regions'."""
    return max(0.0, release.epsilon - release.region_epsilon)


def window_sigma(epsilons: Iterable[float]) -> float:
    """σ of the sum of one noise draw per week at each week's ε (variances add)."""
    return math.sqrt(sum(noise_sd(epsilon, 1) ** 2 for epsilon in epsilons))


def as_frame(view: WindowView) -> gpd.GeoDataFrame:
    """The view's rows as a GeoDataFrame (area, name, count, km2, kind, postcodes, and the
    number of released weeks summed; EPSG:4326), for maps."""
    return gpd.GeoDataFrame(
        {
            "area": [r.area for r in view.rows],
            "name": [r.name for r in view.rows],
            "count": [r.count for r in view.rows],
            "km2": [r.km2 for r in view.rows],
            "kind": [r.kind for r in view.rows],
            "postcodes": [r.postcodes for r in view.rows],
            "weeks": [len(view.weeks)] * len(view.rows),
        },
        geometry=[shapely.from_geojson(r.geometry) for r in view.rows],
        crs="EPSG:4326",
    )


def _region_names(conn: Connection, *, series_id: uuid.UUID) -> dict[str, str]:
    rows = conn.execute(
        select(REGIONS.c.region, REGIONS.c.name).where(REGIONS.c.series_id == series_id)
    )
    return {row.region: row.name for row in rows}


def _union(geometries: list[str]) -> str:
    shapes = [shapely.from_geojson(text) for text in geometries]
    merged = shapely.union_all(shapes)
    return str(shapely.to_geojson(shapely.set_precision(merged, 1e-6)))
