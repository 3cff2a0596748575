"""The organiser dashboard: the current map, window switcher, trends, top areas, schedule,
exports. Everything here is read from frozen releases (P4): nothing per report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from server.deps import CurrentOrganiser, SessionDep, SettingsDep
from server.maps.drawing import NAMES
from server.maps.store import served_map
from server.organising.accounts import visible_networks
from server.organising.trends import trend_series
from server.publishing.exports import export_name, to_csv, to_geojson, to_metadata_json
from server.publishing.release import released_weeks
from server.publishing.schedule import next_release
from server.publishing.view_data import WINDOWS, load_view
from server.web.organiser.charts import chart
from server.web.organiser.pages import page
from server.web.templating import templates

router = APIRouter(prefix="/organise", include_in_schema=False)


def _window(value: int) -> int:
    if value not in WINDOWS:
        raise HTTPException(404)
    return value


@router.get("")
def dashboard(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    window: int = 4,
) -> Response:
    """The dashboard: map, trends, top areas, schedule."""
    window = _window(window)
    view = load_view(conn=session.connection(), window=window, k=settings.k)
    released = released_weeks(conn=session.connection())
    now = datetime.now(ZoneInfo(settings.timezone))
    upcoming = next_release(
        today=now.date(),
        hour_now=now.hour,
        publish_hour=settings.publish_hour,
        delay_days=settings.delay_days,
        released=released,
    )
    networks = visible_networks(session=session, organiser=active.organiser)
    trends = trend_series(session=session, networks=networks, weeks=12)
    charts = [
        chart(weeks=trends.weeks, series=series, title=name)
        for name, series in (
            ("Incidents by setting (all networks)", trends.by_setting),
            ("Incidents by network", trends.by_network),
        )
        if series
    ]
    policy = settings.policy_facts()
    return page(
        request,
        "organiser/dashboard.html",
        active,
        nav="dashboard",
        block="view",
        view=view,
        window=window,
        windows=WINDOWS,
        upcoming=upcoming,
        charts=charts,
        policy=policy,
        # What the method list says of noise: the window's releases, else (none yet) the policy.
        noise=view.noise if view else ("all" if policy.epsilon > 0 else "none"),
        epsilons=(
            ", ".join(dict.fromkeys(str(e) for e in view.epsilons if e))
            if view
            else str(policy.epsilon)
        ),
        top=(view.rows if view else ()),
    )


@router.get("/map/{name}")
def map_page(
    request: Request,
    name: str,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A rendered map (window-1, window-4, window-12 or weekly), for the dashboard's frame:
    the bytes the publisher stored, the same from every replica, tagged by their SHA-256."""
    if name not in NAMES:
        raise HTTPException(404)
    page = served_map(conn=session.connection(), name=name, tile_url=settings.tile_url)
    if page is None:
        return templates.TemplateResponse(request, "organiser/no_map.html", {}, status_code=404)
    headers = {
        "etag": f'"{page.sha256}"',
        "content-security-policy": page.csp,
        "x-frame-options": "SAMEORIGIN",
    }
    if _matches(request.headers.get("if-none-match", ""), page.sha256):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(page.html, headers=headers)


def _matches(if_none_match: str, sha256: str) -> bool:
    """Does an If-None-Match header name this map's tag (weakly compared, RFC 9110)?"""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or f'"{sha256}"' in tags


@router.get("/export.{fmt}")
def export(
    fmt: str,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    window: int = 4,
) -> Response:
    """The view as CSV, GeoJSON or its metadata (JSON), identical to `raidwatch export`."""
    window = _window(window)
    formats = {
        "csv": (to_csv, "text/csv; charset=utf-8", ".csv"),
        "geojson": (to_geojson, "application/geo+json", ".geojson"),
        "metadata.json": (to_metadata_json, "application/json", "-metadata.json"),
    }
    if fmt not in formats:
        raise HTTPException(404)
    view = load_view(conn=session.connection(), window=window, k=settings.k)
    if view is None:
        raise HTTPException(404, "Nothing released yet.")
    write, media, suffix = formats[fmt]
    return Response(
        write(view),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{export_name(view, suffix)}"'},
    )
