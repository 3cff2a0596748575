"""Releases nobody planned for: `publish --as-of` a later day is refused outside tests, and
the organiser pages still answer when the releases are odd anyway (weeks not yet ended,
gaps between weeks, fewer weeks than a window) — an older version, an import or a test
setting may have left them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.maps.drawing import NAMES, render_maps
from server.publishing.jobs import publish_and_draw
from server.publishing.schedule import next_release
from server.weeks import iso_week, previous_weeks
from tests.factories import add_incidents, add_organiser, freeze, make_network, make_series
from tests.organisers import logged_in
from tests.synthetic import DENSE, area_of, run_cli, table_rows
from tests.synthetic import cli_env as _env_of

pytestmark = pytest.mark.pub(k=3)
PAGES = (
    "/organise",
    *(f"/organise?window={w}" for w in (1, 4, 12)),
    *(f"/organise/map/{name}" for name in NAMES),
    "/organise/export.csv",
    "/organise/export.geojson?window=12",
    "/organise/reports",
    "/organise/networks",
    "/organise/audit",
)


def _publish_cli(monkeypatch, capsys, pub, *, env: str, as_of: str) -> tuple[int, str, str]:
    """`raidwatch publish --as-of AS_OF` with RAIDWATCH_ENV=ENV (run_cli always says test)."""
    monkeypatch.setattr("tests.synthetic.cli_env", lambda s: {**_env_of(s), "RAIDWATCH_ENV": env})
    return run_cli(monkeypatch, capsys, pub, "publish", "--as-of", as_of)


def test_publish_as_of_a_later_day_is_refused_outside_tests(pub, session, monkeypatch, capsys):
    add_incidents(session, make_network(session), day=pub.today() - timedelta(days=7), count=3)
    today, tomorrow = pub.today().isoformat(), (pub.today() + timedelta(days=1)).isoformat()
    code, out, err = _publish_cli(monkeypatch, capsys, pub, env="development", as_of=tomorrow)
    assert code == 2 and out == ""
    assert f"cannot publish as of {tomorrow}" in err and "weeks that have not ended" in err
    assert table_rows(pub, "SELECT week FROM releases") == []
    code, out, err = _publish_cli(monkeypatch, capsys, pub, env="development", as_of=today)
    assert code == 0 and out.startswith("released "), err
    code, out, err = _publish_cli(monkeypatch, capsys, pub, env="test", as_of=tomorrow)
    assert code == 0 and "Traceback" not in err, err  # tests may


def test_next_release_steps_over_weeks_released_ahead():
    today = date(2026, 3, 4)
    ahead = previous_weeks(iso_week(today + timedelta(weeks=8)), 12)
    upcoming = next_release(today=today, hour_now=12, publish_hour=3, delay_days=3, released=ahead)
    assert upcoming.week == iso_week(today + timedelta(weeks=9))


def _future(pub, session) -> None:
    """Published as of a month ahead (allowed in tests): weeks that have not ended."""
    add_incidents(session, make_network(session), day=pub.today(), count=4)
    released = publish_and_draw(settings=pub, as_of=pub.today() + timedelta(days=30))
    assert iso_week(pub.today() + timedelta(days=21)) in released


def _gaps(pub, session) -> None:
    series_id, _ = make_series(pub)
    for week in ("2026-W02", "2026-W05", "2026-W11"):
        freeze(pub, series_id, week, {area_of(pub): 6, area_of(pub, DENSE[1]): 4})
    render_maps(settings=pub)


def _one_week(pub, session) -> None:
    series_id, _ = make_series(pub)
    freeze(pub, series_id, "2026-W20", {area_of(pub): 5})
    render_maps(settings=pub)


def _nothing(pub, session) -> None:
    return None


@pytest.mark.parametrize("releases", [_future, _gaps, _one_week, _nothing])
def test_every_organiser_page_answers_whatever_was_released(releases, pub, session, clients):
    releases(pub, session)
    add_organiser(session, "root", is_admin=True)
    root = logged_in(clients(), "root")
    anything = bool(table_rows(pub, "SELECT week FROM releases"))
    for url in PAGES:
        response = root.get(url)
        expected = 200 if anything or "/map/" not in url and "/export" not in url else 404
        assert response.status_code == expected, (url, response.text[:500])
        fragment = root.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == expected, url
