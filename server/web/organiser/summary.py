"""A printable summary of one released view, for sharing with councils and journalists.

Invariant (P4): everything on it is already released to organisers — the view's rows
(areas and regions past the floor), its national total and hidden count, the national
trend lines per setting (noisy, from frozen releases) and the policy. No per-network line,
no moderation data, nothing of an unreleased week. The map is a still SVG drawn on the
server from the same rows; the browser's Print makes the PDF.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from shapely.geometry.base import BaseGeometry

from server.deps import CurrentOrganiser, GazetteerDep, SessionDep, SettingsDep
from server.maps.outline import land_outline
from server.maps.page import week_title
from server.maps.sketch import area_sketch
from server.organising.trends import trend_series
from server.places.gazetteer import Gazetteer
from server.publishing.exports import row_kind
from server.publishing.view_data import WINDOWS, load_view
from server.web.organiser.charts import chart
from server.web.organiser.pages import page

router = APIRouter(prefix="/organise", include_in_schema=False)
TOP = 10  # areas numbered on the image and listed in the table


@lru_cache(maxsize=2)
def _land(gazetteer: Gazetteer) -> BaseGeometry:
    return land_outline(gazetteer.res6_postcode_counts())


@router.get("/summary")
def summary(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    window: int = 4,
) -> Response:
    """A print-ready summary of the released view: map image, top areas, trend, method."""
    if window not in WINDOWS:
        raise HTTPException(404)
    view = load_view(conn=session.connection(), window=window, k=settings.k)
    if view is None:
        raise HTTPException(404, "Nothing released yet.")
    trends = trend_series(session=session, networks=[], weeks=12)  # national lines only
    weeks = [w for w in trends.weeks if w <= view.last_week]
    lines = {name: values[: len(weeks)] for name, values in trends.by_setting.items()}
    return page(
        request,
        "organiser/summary.html",
        active,
        nav="dashboard",
        view=view,
        window=window,
        first=week_title(view.first_week),
        last=week_title(view.last_week),
        image=area_sketch(rows=view.rows, numbered=TOP, outline=_land(gazetteer)),
        top=[(row, row_kind(row)) for row in view.rows[:TOP]],
        more=max(0, len(view.rows) - TOP),
        trend=chart(weeks=weeks, series=lines, title="Incidents a week by setting, nationally")
        if weeks and any(any(v) for v in lines.values())
        else None,
        policy=settings.policy_facts(),
    )
