"""Organiser pages through real HTTP on a real database, after real releases.

The dashboard (window switcher as plain links, htmx fragments, top areas, schedule, what
is hidden and why, SVG trends), exports byte-identical to `raidwatch export`, the maps
(self-contained, CSP by hash, the shown areas only), moderation that changes the next
release, the audit log, and network and organiser management.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import httpx
import pandas as pd
import pytest
import segno
from sqlalchemy import inspect
from sqlmodel import Session, select

from server.db import get_engine
from server.intake.sealing import key_fingerprint, new_keypair
from server.maps.csp import script_hashes
from server.maps.drawing import NAMES
from server.models import Network, Organiser, Report
from server.networks.links import create_network
from server.organising.second_factor import seal_secret
from server.publishing.exports import CSV_COLUMNS
from server.publishing.jobs import publish_and_draw
from server.publishing.view_data import WINDOWS
from server.web.static_files import static_url
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, add_incidents, add_organiser, add_report, storage_cell
from tests.organisers import (
    TOTP_SECRET,
    WRONG_MESSAGE,
    csrf_token,
    database_text,
    log_in,
    logged_in,
)
from tests.synthetic import (
    DENSE,
    HACKNEY,
    RAIDWATCH,
    area_of,
    cli_env,
    published,
    run_cli,
    table_rows,
    view_of,
)

MONDAY = date(2026, 1, 5)  # in 2026-W02
WEEK = "2026-W02"
DUE = date(2026, 1, 14)  # W02 is released on this day
OTHER = next(cell for cell in DENSE if cell != HACKNEY)  # another area of its own
QUIET = DENSE[-1] if DENSE[-1] not in (HACKNEY, OTHER) else DENSE[-2]  # below the floor
FOREIGN_URL = re.compile(
    r"(?:https?|wss?|ftp):\\?/\\?/|(?:src|href|action)\s*=\s*[\"']?//", re.IGNORECASE
)


pytestmark = pytest.mark.pub(trend_epsilon=1.0)


@dataclass
class Alpha:
    network: Network
    token: str  # the member link's raw token
    alice: httpx.Client  # organiser of this network, logged in
    root: httpx.Client  # admin, logged in


@pytest.fixture
def alpha(session, pub, clients) -> Alpha:
    network, token = create_network(session=session, name="Network Alpha", key=pub.key())
    add_organiser(session, "alice", networks=[network])
    add_organiser(session, "root", is_admin=True)
    return Alpha(
        network=network,
        token=token,
        alice=logged_in(clients(), "alice"),
        root=logged_in(clients(), "root"),
    )


@pytest.fixture
def released(alpha, session, pub) -> Alpha:
    """Week W02 released: 12 incidents in one area (shown), 3 in another (below the floor)."""
    add_incidents(session, alpha.network, day=MONDAY, count=12)
    add_incidents(session, alpha.network, day=MONDAY, count=3, res6=QUIET)
    assert publish_and_draw(settings=pub, as_of=DUE)[-1] == WEEK
    return alpha


def _post(client: httpx.Client, url: str, **data: str) -> httpx.Response:
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def _moderate(client: httpx.Client, report: Report, action: str) -> httpx.Response:
    response = _post(client, f"/organise/reports/{report.id}/{action}")
    assert response.status_code == 303, response.text
    return response


def _reports(pub, **where: object) -> list[Report]:
    with Session(get_engine(pub)) as s:
        rows = s.exec(select(Report)).all()
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def _network(pub, network_id) -> Network:
    with Session(get_engine(pub)) as s:
        network = s.get(Network, network_id)
    assert network is not None
    return network


# -- the dashboard -------------------------------------------------------------------------


def test_dashboard_before_any_release_says_so(alpha):
    page = alpha.alice.get("/organise")
    assert page.status_code == 200
    assert "Nothing has been released yet." in page.text
    assert "What is hidden, and why" in page.text and "Next release" in page.text
    assert alpha.alice.get("/organise/map/window-4").status_code == 404
    assert alpha.alice.get("/organise/export.csv").status_code == 404


def test_dashboard_shows_switcher_top_areas_schedule_hidden_box_and_trends(released, pub):
    view = view_of(pub, window=4)
    [top] = view.rows
    page = released.alice.get("/organise")
    assert page.status_code == 200
    html = page.text
    # The window switcher works as plain links; the current window is marked.
    for window in WINDOWS:
        assert re.search(rf'<a href="/organise\?window={window}"', html), window
    assert re.search(r'href="/organise\?window=4"[^>]*aria-current="true"', html)
    assert '<iframe class="map" src="/organise/map/window-4"' in html
    # Top areas: the shown area and its noisy count, nothing below the floor.
    assert re.search(rf"<td>{re.escape(top.name)}</td><td class=\"num\">12</td>", html)
    # Its rate, the number the map's colour stands for: 12 over the window's released weeks
    # per 2,000 of the area's postcodes (the weeks with no release do not dilute it).
    rate = 12 / len(view.weeks) / top.postcodes * 2000
    assert f'<td class="num">12</td><td class="num">{rate:.2f}</td>' in html
    assert f"{view.hidden_areas} below the floor (the smallest count shown) are hidden" in html
    assert _stored_name(pub, area_of(pub, QUIET)) not in html
    # The schedule and the plain-language box.
    assert "Next release" in html and re.search(r"— week \d{4}-W\d{2}", html)
    assert "released 3 days after it ends" in html
    assert "What is hidden, and why" in html
    # These releases were made with ε = 0: the page says so rather than claim noise.
    for heading in (
        "Delay.",
        "No noise.",
        "Floor (the smallest count shown).",
        "Areas.",
        "Moderation.",
        "Raw reports",
    ):
        assert heading in html
    assert "shown only when its count reaches 10 for this window" in html
    # Server-rendered trend charts: per setting and per network (hers only).
    charts = re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg"[^>]*role="img" '
        r'aria-label="([^"]+)"',
        html,
    )
    tail = ": line chart; the same numbers are in the table below it"
    assert charts == [f"Incidents by setting (all networks){tail}", f"Incidents by network{tail}"]
    assert ">Network Alpha</text>" in html and "<polyline" in html
    # Each chart's numbers as a table too (screen readers, browsers that draw no SVG).
    assert html.count("the numbers as a table</summary>") == 2
    assert '<th scope="row">Network Alpha</th>' in html
    assert "<script>" not in html  # only htmx, from this host
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{static_url("htmx.min.js")}" defer>'
    ]


def _stored_name(pub, area: str) -> str:
    [(name,)] = table_rows(pub, "SELECT name FROM publication_areas WHERE area = :a", a=area)
    return name


def test_window_links_switch_the_view_without_javascript(released, pub):
    one = released.alice.get("/organise?window=1")
    assert re.search(r'href="/organise\?window=1"[^>]*aria-current="true"', one.text)
    assert '<iframe class="map" src="/organise/map/window-1"' in one.text
    assert f"Weeks {WEEK} to {WEEK}." in one.text
    twelve = released.alice.get("/organise?window=12").text
    assert "Weeks 2025-W43 to 2026-W02." in twelve
    assert 'href="/organise/export.csv?window=12"' in twelve
    assert released.alice.get("/organise?window=2").status_code == 404


def test_htmx_request_gets_only_the_view_fragment(released):
    response = released.alice.get("/organise?window=1", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.text.strip()
    assert body.startswith('<section class="card" id="view">') and body.endswith("</section>")
    for full_page_only in ("<html", "<head", "<nav", "What is hidden, and why", "<svg"):
        assert full_page_only not in body
    assert 'src="/organise/map/window-1"' in body
    assert '<h2 id="areas">Shown areas, most incidents first</h2>' in body


def test_htmx_history_restore_gets_the_whole_page(released):
    # Going Back after an htmx switch: htmx refetches the URL and swaps it in as the page.
    response = released.alice.get(
        "/organise?window=1", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text and "<nav>" in response.text


# -- exports -------------------------------------------------------------------------------


def test_exports_equal_the_cli_and_hold_only_the_views_rows(released, pub, tmp_path):
    formats = {"csv": "csv", "geojson": "geojson", "metadata": "metadata.json"}
    jobs = {
        (window, fmt): subprocess.Popen(
            [*RAIDWATCH, "export", "--window", str(window), "--format", fmt],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli_env(pub),
        )
        for window in WINDOWS
        for fmt in formats
        if fmt != "metadata" or window == 4
    }
    for (window, fmt), job in jobs.items():
        out, err = job.communicate(timeout=300)  # seven processes at once on a shared machine
        assert job.returncode == 0, err
        response = released.alice.get(f"/organise/export.{formats[fmt]}?window={window}")
        assert response.status_code == 200
        assert response.content == out, f"window {window} {fmt} differs from the CLI"
        suffix = "-metadata.json" if fmt == "metadata" else f".{fmt}"
        assert (
            response.headers["content-disposition"]
            == f'attachment; filename="raidwatch-{WEEK}-{window}w{suffix}"'
        )
        view = view_of(pub, window=window)
        shown = [(row.name, row.area, row.count) for row in view.rows]
        assert [(area, count) for _, area, count in shown] == [(area_of(pub), 12)]
        if fmt == "csv":
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            # Opens as it is: pandas' defaults read one header row and the data.
            table = pd.read_csv(io.BytesIO(response.content))
            assert list(table.columns) == list(CSV_COLUMNS)
            assert table[["name", "area_id", "count"]].values.tolist() == [list(shown[0])]
        elif fmt == "geojson":
            assert response.headers["content-type"] == "application/geo+json"
            path = tmp_path / f"{window}.geojson"
            path.write_bytes(response.content)
            frame = gpd.read_file(path)
            assert frame[["name", "area_id", "count"]].values.tolist() == [list(shown[0])]
            assert json.loads(response.text)["metadata"]["window_weeks"] == window
        else:
            meta = response.json()
            assert (meta["window_weeks"], meta["k"], meta["last_week"]) == (4, pub.k, WEEK)
            assert meta["files"]["csv"] == f"raidwatch-{WEEK}-4w.csv"
        assert area_of(pub, QUIET) not in response.text  # below the floor: never exported
    assert released.alice.get("/organise/export.xlsx").status_code == 404


def test_printable_summary_shows_only_what_is_released(released, pub, session):
    # Reports of the next week, not yet released, in an area of its own and in the quiet
    # one: nothing of them may reach the summary.
    add_incidents(session, released.network, day=date(2026, 1, 12), count=20, res6=OTHER)
    add_incidents(session, released.network, day=date(2026, 1, 12), count=20, res6=QUIET)
    page = released.alice.get("/organise/summary?window=4")
    assert page.status_code == 200
    html = page.text
    view = view_of(pub, window=4)
    [row] = view.rows
    assert f"<td>{row.name}</td>" in html and f'<td class="num">{row.count}</td>' in html
    assert f'<td class="num">{view.rate(row):.2f}</td>' in html
    assert _stored_name(pub, area_of(pub, QUIET)) not in html  # below the floor
    assert _stored_name(pub, area_of(pub, OTHER)) not in html  # unreleased week only
    assert "2026-W03" not in html and "2026-01-12" not in html
    assert f"About <strong>{view.national_total}</strong> incidents" in html
    assert released.network.name not in html  # no per-network line: national ones only
    assert html.count('fill-rule="evenodd"') == 1  # one shape on the image: the shown area
    assert not FOREIGN_URL.search(html.replace("http://www.w3.org/2000/svg", ""))
    assert released.alice.get("/organise/summary?window=5").status_code == 404


# -- maps ----------------------------------------------------------------------------------


def test_map_pages_are_self_contained_and_show_the_shown_areas(released, pub):
    shown = {row.name for row in view_of(pub, window=12).rows}
    quiet = _stored_name(pub, area_of(pub, QUIET))
    for name in NAMES:
        response = released.alice.get(f"/organise/map/{name}")
        assert response.status_code == 200, name
        html = response.text
        [row] = table_rows(pub, "SELECT html, sha256 FROM rendered_maps WHERE name = :n", n=name)
        assert response.content == bytes(row.html)  # what the publisher stored, as stored
        assert response.headers["etag"] == f'"{row.sha256}"'
        assert not FOREIGN_URL.search(html), f"{name} names another host"
        for url in re.findall(r"(?:src|href)\s*=\s*\"([^\"]*)\"", html):
            assert url.startswith(("/", "data:", "#")), (name, url)
        policy = dict(
            part.split(" ", 1) for part in response.headers["content-security-policy"].split("; ")
        )
        assert policy["script-src"].split() == ["'self'", *script_hashes(html)]
        assert len(script_hashes(html)) >= 1 and "'unsafe-inline'" not in policy["script-src"]
        assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'"
        assert policy["frame-ancestors"] == "'self'"
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        for area in shown:
            assert f'"name": "{area}"' in html, (name, area)
        assert quiet not in html, f"{name} shows an area below the floor"
    assert WEEK in released.alice.get("/organise/map/weekly").text
    assert released.alice.get("/organise/map/secrets").status_code == 404


# -- moderation ----------------------------------------------------------------------------


def test_rejecting_every_report_of_an_incident_removes_it_from_the_next_release(
    alpha, session, pub
):
    add_incidents(session, alpha.network, day=MONDAY, count=12)  # area X
    add_incidents(session, alpha.network, day=MONDAY, count=12, res6=OTHER)  # control
    add_report(session, alpha.network, day=MONDAY, setting="home", band="night")  # a 2nd witness
    first = _reports(pub, cell=storage_cell(), setting="home", time_of_day="night")
    assert len(first) == 2
    page = alpha.alice.get("/organise/reports?status=pending").text
    assert page.count(f'formaction="/organise/reports/{first[0].id}/reject"') == 1
    for report in first:
        response = _moderate(alpha.alice, report, "reject")
    page = alpha.alice.get(response.headers["location"]).text
    assert f"Marked as rejected. The release of week {WEEK} will reflect it." in page
    assert {
        r.status for r in _reports(pub, cell=storage_cell(), setting="home", time_of_day="night")
    } == {"rejected"}
    publish_and_draw(settings=pub, as_of=DUE)
    counts = published(pub, WEEK)
    assert counts[area_of(pub)] == 11 and counts[area_of(pub, OTHER)] == 12


def test_confirming_counts_an_incident_under_the_strict_rule(alpha, session, pub):
    response = _post(
        alpha.alice,
        f"/organise/networks/{alpha.network.id}/rule",
        counting_rule="confirmed_or_corroborated",
    )
    assert response.status_code == 303
    add_incidents(session, alpha.network, day=MONDAY, count=12)
    add_incidents(session, alpha.network, day=MONDAY, count=12, res6=OTHER)  # control
    for report in _reports(pub, cell=storage_cell())[:10]:
        _moderate(alpha.alice, report, "confirm")
    publish_and_draw(settings=pub, as_of=DUE)
    counts = published(pub, WEEK)
    assert counts[area_of(pub)] == 10 and counts[area_of(pub, OTHER)] == 0


def test_a_duplicate_neither_counts_nor_corroborates(alpha, session, pub):
    _post(
        alpha.alice,
        f"/organise/networks/{alpha.network.id}/rule",
        counting_rule="confirmed_or_corroborated",
    )
    for res6 in (HACKNEY, OTHER):  # 11 incidents each, every one reported twice
        add_incidents(session, alpha.network, day=MONDAY, count=11, res6=res6)
        add_incidents(session, alpha.network, day=MONDAY, count=11, res6=res6)
    pair = _reports(pub, cell=storage_cell(), setting="home", time_of_day="night")
    assert len(pair) == 2
    _moderate(alpha.alice, pair[0], "duplicate")
    publish_and_draw(settings=pub, as_of=DUE)
    counts = published(pub, WEEK)
    assert counts[area_of(pub)] == 10 and counts[area_of(pub, OTHER)] == 11


def test_a_released_week_refuses_moderation_with_a_clear_message(released, pub):
    report = _reports(pub)[0]
    page = _post(released.alice, f"/organise/reports/{report.id}/reject")
    assert page.status_code == 422  # the reason on the page itself, never in a URL
    assert f"Week {WEEK} is already released and frozen; it cannot change." in page.text
    assert _reports(pub, id=report.id)[0].status == "pending"
    assert str(report.id) not in released.alice.get("/organise/reports").text  # frozen: unlisted


def test_moderation_lists_coarse_facts_and_filters_by_status(alpha, session, pub):
    day = MONDAY  # a week that has closed and is not released
    report = add_report(session, alpha.network, day=day, setting="street", band="evening")
    page = alpha.alice.get("/organise/reports").text
    assert "All (1)" in page and "Pending (1)" in page and "E8" in page
    assert "1 incident (1 report)" in page
    assert storage_cell() not in page  # the storage cell is never shown
    _moderate(alpha.alice, report, "reject")
    assert "Rejected (1)" in alpha.alice.get("/organise/reports").text
    assert str(report.id) not in alpha.alice.get("/organise/reports?status=pending").text
    # htmx: the table fragment comes back, with the message, and no page around it.
    fragment = alpha.alice.post(
        f"/organise/reports/{report.id}/reset",
        data={"csrf_token": csrf_token(alpha.alice)},
        headers={"HX-Request": "true"},
    ).text
    assert fragment.lstrip().startswith('<div id="moderation">') and "<html" not in fragment
    assert "Marked as pending" in fragment
    assert (
        alpha.alice.post(
            f"/organise/reports/{report.id}/explode",
            data={"csrf_token": csrf_token(alpha.alice)},
            follow_redirects=True,
        ).text.count("unknown action")
        == 1
    )


# -- the audit log -------------------------------------------------------------------------


def test_audit_log_records_who_what_and_the_day_only(alpha, session, pub):
    report = add_report(session, alpha.network, day=MONDAY)
    _moderate(alpha.alice, report, "reject")
    _post(alpha.alice, f"/organise/networks/{alpha.network.id}/rotate", confirm="yes")
    _post(alpha.alice, f"/organise/networks/{alpha.network.id}/rule", counting_rule="all")
    page = alpha.root.get("/organise/audit")
    assert page.status_code == 200
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page.text
    )
    actions = {(who, what) for _, who, what, _ in rows}
    assert {
        ("alice", "login"),
        ("root", "login"),
        ("alice", "report rejected"),
        ("alice", "link rotated"),
        ("alice", "counting rule"),
    } <= actions
    assert {day for day, *_ in rows} == {pub.today().isoformat()}
    assert not re.search(r"\d{1,2}:\d{2}", page.text.split("<tbody>")[1])
    detail = next(d for _, _, what, d in rows if what == "report rejected")
    assert "E8" not in detail and storage_cell() not in detail  # nothing of the report's place
    columns = {c["name"]: c["type"] for c in inspect(get_engine(pub)).get_columns("audit_log")}
    assert set(columns) == {"id", "day", "username", "action", "detail"}
    assert str(columns["day"]).upper() == "DATE"
    assert alpha.alice.get("/organise/audit").status_code == 403


def test_cli_link_rotation_and_key_change_are_audited_as_cli(
    alpha, pub, monkeypatch, capsys, tmp_path
):
    public, _ = new_keypair()
    keyfile = tmp_path / "notes.pub"
    keyfile.write_text(public + "\n")
    code, out, err = run_cli(monkeypatch, capsys, pub, "network", "rotate", alpha.network.slug)
    assert code == 0, err
    new = out.strip().splitlines()[-1].rsplit("/", 1)[1]
    code, _, err = run_cli(
        monkeypatch, capsys, pub, "network", "set-key", alpha.network.slug, str(keyfile)
    )
    assert code == 0, err
    page = alpha.root.get("/organise/audit").text
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert {(who, what, detail) for _, who, what, detail in rows} >= {
        ("cli", "link rotated", alpha.network.slug),
        ("cli", "note key set", f"{alpha.network.slug}: key {key_fingerprint(public)}"),
    }
    assert new not in database_text(pub)  # the entry names the network, never the link


# -- networks ------------------------------------------------------------------------------


def test_rotating_the_member_link_shows_it_once_with_a_qr_code(alpha, live_server, pub):
    member = httpx.Client(base_url=live_server.url)
    assert member.get(f"/r/{alpha.token}").status_code == 200
    unconfirmed = _post(alpha.alice, f"/organise/networks/{alpha.network.id}/rotate")
    assert unconfirmed.status_code == 303
    assert "tick the box" in alpha.alice.get(unconfirmed.headers["location"]).text
    assert member.get(f"/r/{alpha.token}").status_code == 200  # a misclick changes nothing
    # POST rotates and redirects; the GET it leads to shows the new link once.
    response = _post(alpha.alice, f"/organise/networks/{alpha.network.id}/rotate", confirm="yes")
    assert response.status_code == 303
    where = response.headers["location"]
    assert where == f"/organise/networks/{alpha.network.id}/new-link"
    assert "/r/" not in where and alpha.token not in response.text
    shown = alpha.alice.get(where)
    assert shown.status_code == 200
    link = re.search(r'class="link-once" value="([^"]+)"', shown.text).group(1)
    assert link.startswith(f"{live_server.url}/r/")
    new = link.rsplit("/", 1)[1]
    assert "shown <strong>only once</strong>" in shown.text
    assert f"<code>{link}</code>" in shown.text  # as text too, for browsers without images
    png = re.search(r'<img src="(data:image/png;base64,[^"]+)"', shown.text).group(1)
    assert png == segno.make(link, error="m").png_data_uri(
        scale=4, border=4, dark="#000", light="#fff"
    )
    assert member.get(f"/r/{alpha.token}").status_code == 404  # the old link is dead
    assert member.get(f"/r/{new}").status_code == 200
    # A reload shows nothing and rotates nothing: the link just made keeps working.
    again = alpha.alice.get(where)
    assert again.status_code == 200 and new not in again.text
    assert "already shown" in again.text and "rotate again" in again.text
    assert member.get(f"/r/{new}").status_code == 200
    # Another organiser of the network cannot pick it up either.
    assert new not in alpha.root.get(where).text
    assert new not in alpha.alice.get("/organise/networks").text  # never shown again
    assert new not in database_text(pub)  # only its keyed hash is kept (P8)
    member.close()


def test_notices_are_fixed_texts_chosen_by_code(alpha):
    page = alpha.alice.get("/organise/networks?message=Your+network+is+compromised").text
    assert "compromised" not in page and 'class="notice"' not in page
    page = alpha.alice.get(f"/organise/networks?message=key-on&about={alpha.network.id}").text
    assert "Network Alpha: notes are now on." in page
    # A name comes from the database by id, only for a network the organiser may see.
    assert (
        'class="notice"'
        not in alpha.alice.get("/organise/networks?message=key-on&about=Attacker+text").text
    )
    assert (
        "Your password was changed."
        in alpha.alice.get("/organise/account?message=password-changed").text
    )
    assert "evil" not in alpha.alice.get("/organise/account?message=evil").text
    assert 'role="status"' not in alpha.alice.get("/organise/reports?message=<b>x</b>").text
    assert (
        'role="status"'
        not in alpha.alice.get("/organise/reports?message=incident-rejected&n=lots").text
    )


def test_note_key_bad_then_good_then_removed(alpha, live_server, pub):
    member = httpx.Client(base_url=live_server.url)
    url = f"/organise/networks/{alpha.network.id}/key"
    page = _post(alpha.root, url, public_key="not a key")  # said on the page, not in a URL
    assert page.status_code == 422 and "Network Alpha: A public key is 32 bytes" in page.text
    assert _network(pub, alpha.network.id).public_key is None
    assert 'name="note"' not in member.get(f"/r/{alpha.token}").text
    public, _ = new_keypair()
    page = alpha.root.get(_post(alpha.root, url, public_key=public).headers["location"])
    assert "Network Alpha: notes are now on." in page.text
    assert "on — sealed to the key with fingerprint" in page.text
    assert _network(pub, alpha.network.id).public_key == public
    assert 'name="note"' in member.get(f"/r/{alpha.token}").text
    page = alpha.root.get(_post(alpha.root, url, public_key="").headers["location"])
    assert "notes are now off." in page.text
    assert 'name="note"' not in member.get(f"/r/{alpha.token}").text
    member.close()


def test_counting_rule_change_persists(alpha, pub):
    url = f"/organise/networks/{alpha.network.id}/rule"
    page = _post(alpha.alice, url, counting_rule="bogus")
    assert page.status_code == 422 and "Choose one of the counting rules." in page.text
    assert _network(pub, alpha.network.id).counting_rule == "all"
    _post(alpha.alice, url, counting_rule="confirmed_or_corroborated")
    assert _network(pub, alpha.network.id).counting_rule == "confirmed_or_corroborated"
    page = alpha.alice.get("/organise/networks").text
    assert re.search(r'<option value="confirmed_or_corroborated" selected>', page)


# -- organisers ----------------------------------------------------------------------------


def test_admin_creates_an_organiser_through_the_form_and_disables_them(alpha, pub, clients):
    url = "/organise/organisers"
    for form, message in (
        (
            {
                "username": "frank",
                "password": "short",
                "role": "organiser",
                "network": str(alpha.network.id),
            },
            "at least 12 characters",
        ),
        (
            {"username": "frank", "password": PASSWORD, "role": "organiser"},
            "Choose at least one network",
        ),
        ({"username": "alice", "password": PASSWORD, "role": "admin"}, "already exists"),
    ):
        page = _post(alpha.root, url, **form)
        assert page.status_code == 422 and message in page.text, message
    assert "frank" not in {o.username for o in _organisers(pub)}
    response = _post(
        alpha.root,
        url,
        username="Frank",
        password=PASSWORD,
        role="organiser",
        network=str(alpha.network.id),
    )
    assert "Created frank" in alpha.root.get(response.headers["location"]).text
    [frank] = [o for o in _organisers(pub) if o.username == "frank"]
    assert not frank.is_admin and frank.password_hash.startswith("$argon2id$")
    listing = alpha.root.get(url).text
    assert re.search(r"<td>frank</td><td>organiser</td><td>Network Alpha</td>", listing)
    with Session(get_engine(pub)) as s:  # Frank enrols the test second factor
        person = s.get(Organiser, frank.id)
        assert person is not None
        person.totp_secret = seal_secret(TOTP_SECRET, key=TEST_SECRET.encode())
        person.totp_confirmed = True
        s.add(person)
        s.commit()
    frank_client = logged_in(clients(), "frank")
    assert "Network Alpha" in frank_client.get("/organise/networks").text
    assert frank_client.get(url).status_code == 403
    _post(alpha.root, f"/organise/organisers/{frank.id}/active")
    assert frank_client.get("/organise").headers["location"] == "/login"
    refused = log_in(clients(), "frank")
    assert refused.status_code == 401 and WRONG_MESSAGE in refused.text
    assert "<td>disabled</td>" in alpha.root.get(url).text
    assert (
        alpha.alice.post(
            url,
            data={
                "csrf_token": csrf_token(alpha.alice),
                "username": "x",
                "password": PASSWORD,
                "role": "admin",
            },
        ).status_code
        == 403
    )


def _organisers(pub) -> list[Organiser]:
    with Session(get_engine(pub)) as s:
        return list(s.exec(select(Organiser)))


def test_refusals_are_plain_pages_not_json(alpha):
    for url, status in (
        ("/organise/organisers", 403),
        ("/organise/audit", 403),
        ("/organise?window=abc", 422),
        ("/organise/map/nothing", 404),
    ):
        response = alpha.alice.get(url)
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert "<h1>" in response.text and "detail" not in response.text


def test_logging_out_is_audited_with_the_day_only(alpha, pub):
    response = _post(alpha.alice, "/logout")
    assert response.status_code == 303
    audit = alpha.root.get("/organise/audit").text
    assert re.search(r"<td>\d{4}-\d{2}-\d{2}</td><td>alice</td><td>logout</td>", audit)
