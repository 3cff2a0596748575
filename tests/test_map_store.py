"""Maps live in the database: drawn the same by any process, served the same by any replica.

Real processes (`raidwatch maps draw` in subprocesses with different hash seeds), two real
uvicorn servers on one database, the real publisher. Nothing here reads a maps folder:
there is none.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import folium
import httpx
import pytest

from server.config import PROJECT_ROOT
from server.db import get_engine
from server.intake.sealing import new_keypair
from server.maps.assets import PREFIX
from server.maps.drawing import NAMES, draw_maps, maps_are_current, render_maps
from server.maps.store import store_maps
from server.publishing.jobs import publish_and_draw
from tests.conftest import PG_URL, _pg_exec, serving
from tests.factories import add_incidents, add_organiser, make_network
from tests.organisers import logged_in
from tests.synthetic import RAIDWATCH, cli_env, run_cli, table_rows

MONDAY = date(2026, 1, 5)  # 2026-W02
DUE = date(2026, 1, 14)  # W02 is released on this day
NEXT_DUE = date(2026, 1, 21)  # W03

pytestmark = pytest.mark.pub(trend_epsilon=1.0)


def stored(settings) -> dict[str, tuple[bytes, str]]:
    """name -> (html, sha256) as the table holds them."""
    rows = table_rows(settings, "SELECT name, html, sha256 FROM rendered_maps")
    return {row.name: (bytes(row.html), row.sha256) for row in rows}


@pytest.fixture
def released(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=12)
    assert publish_and_draw(settings=pub, as_of=DUE)[-1] == "2026-W02"
    return pub


def test_the_publisher_stores_every_map_with_its_sha256_and_release(released):
    maps = stored(released)
    assert set(maps) == set(NAMES)
    for name, (html, sha) in maps.items():
        assert sha == hashlib.sha256(html).hexdigest(), name
        assert html.startswith(b"<!DOCTYPE html>"), name
    [week] = {r.week for r in table_rows(released, "SELECT week FROM rendered_maps")}
    [latest] = table_rows(released, "SELECT id, week FROM releases ORDER BY week DESC LIMIT 1")
    assert week == latest.week == "2026-W02"
    assert maps_are_current(settings=released)


def _draw_in_a_process(settings, seed: str) -> dict[str, tuple[bytes, str]]:
    env = {**os.environ, **cli_env(settings), "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [*RAIDWATCH, "maps", "draw"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("drew window-1, window-4, window-12, weekly")
    return stored(settings)


def test_two_processes_draw_the_same_releases_into_the_same_bytes(released):
    here = stored(released)
    first = _draw_in_a_process(released, seed="1")
    second = _draw_in_a_process(released, seed="2")
    assert first == second == here
    assert render_maps(settings=released) == list(NAMES)  # and again in this process
    assert stored(released) == here
    # Not trivially equal: the pages are full maps whose elements have stable names.
    html = first["weekly"][0].decode()
    assert "map_00000000000000000000000000000000" in html
    assert not re.search(r"_[0-9a-f]{32}\b", html.replace("_" + "0" * 24, "_"))


def test_ids_are_stable_only_inside_a_render():
    # Outside `render_map`, folium keeps its random ids (nothing else is changed).
    assert folium.Map().get_name() != folium.Map().get_name()


def _organiser(url: str) -> httpx.Client:
    return logged_in(httpx.Client(base_url=url, follow_redirects=False, timeout=30), "dora")


def test_two_replicas_serve_every_map_byte_for_byte_with_one_etag(released, session):
    from server.app import create_app

    add_organiser(session, "dora", is_admin=True)
    maps = stored(released)
    with serving(create_app(released)) as one, serving(create_app(released)) as two:
        a, b = _organiser(one), _organiser(two)
        for name in NAMES:
            first, second = a.get(f"/organise/map/{name}"), b.get(f"/organise/map/{name}")
            assert first.status_code == second.status_code == 200, name
            assert first.content == second.content == maps[name][0], name
            assert first.headers["etag"] == second.headers["etag"] == f'"{maps[name][1]}"'
            policy = first.headers["content-security-policy"]
            assert policy == second.headers["content-security-policy"], name
            # Asked again with the tag, either replica answers "unchanged", with no body.
            again = b.get(f"/organise/map/{name}", headers={"if-none-match": first.headers["etag"]})
            assert again.status_code == 304 and again.content == b"", name
            assert again.headers["etag"] == first.headers["etag"]
            other = a.get(f"/organise/map/{name}", headers={"if-none-match": '"0"'})
            assert other.status_code == 200 and other.content == maps[name][0]
        # A new release is drawn once, by whoever publishes, and both replicas serve it.
        add_incidents(session, make_network(session, "Beta"), day=date(2026, 1, 12), count=11)
        assert publish_and_draw(settings=released, as_of=NEXT_DUE) == ["2026-W03"]
        for name in NAMES:
            first, second = a.get(f"/organise/map/{name}"), b.get(f"/organise/map/{name}")
            assert first.content == second.content == stored(released)[name][0], name
            assert first.headers["etag"] != f'"{maps[name][1]}"', name
        assert "2026-W03" in a.get("/organise/map/weekly").text
        a.close()
        b.close()


def test_a_map_survives_deleting_every_local_folder(released, session, tmp_path):
    from server.app import create_app

    add_organiser(session, "dora", is_admin=True)
    maps = stored(released)
    # No map was written anywhere on disk: not under the test's folders, nor the project's.
    assert not list(tmp_path.rglob("*.html"))
    assert sorted(p.name for p in (PROJECT_ROOT / "maps").iterdir()) == ["README.md"]
    url = released.resolved_database_url
    database = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    for item in list(tmp_path.iterdir()):  # on PostgreSQL: every folder, data folder too
        if item.is_dir() and (database is None or item not in database.parents):
            shutil.rmtree(item)
    if database is not None:  # SQLite: keep the database's own files, nothing else
        for item in database.parent.iterdir():
            if not item.name.startswith(database.name):
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    with serving(create_app(released)) as url:
        client = _organiser(url)
        for name in NAMES:
            assert client.get(f"/organise/map/{name}").content == maps[name][0], name
        client.close()


def test_maps_drawn_before_a_newer_release_are_not_stored(released, session):
    before = stored(released)
    with get_engine(released).connect() as conn:
        drawn = draw_maps(conn=conn, settings=released)
    assert drawn is not None and drawn.week == "2026-W02"
    add_incidents(session, make_network(session, "Beta"), day=date(2026, 1, 12), count=11)
    from server.publishing.release import publish

    assert publish(settings=released, as_of=NEXT_DUE) == ["2026-W03"]
    from server.locking import publisher_transaction

    with publisher_transaction(get_engine(released)) as conn:
        assert store_maps(conn=conn, maps=drawn, today=DUE) is False
    assert stored(released) == before  # the stale drawing wrote nothing
    assert not maps_are_current(settings=released)  # so the next run draws W03
    assert publish_and_draw(settings=released, as_of=NEXT_DUE) == []
    assert maps_are_current(settings=released)
    assert {r.week for r in table_rows(released, "SELECT week FROM rendered_maps")} == {"2026-W03"}


def test_a_new_tile_server_redraws_the_maps_on_the_next_run(released):
    before = stored(released)
    tiles = released.model_copy(update={"tile_url": "/tiles/{z}/{x}/{y}.png"})
    assert not maps_are_current(settings=tiles)
    assert publish_and_draw(settings=tiles, as_of=DUE) == []  # nothing due, but redrawn
    after = stored(tiles)
    assert all(after[n][1] != before[n][1] for n in NAMES)
    assert all(b"/tiles/{z}/{x}/{y}.png" in after[n][0] for n in NAMES)


def test_before_any_release_there_is_nothing_to_draw_or_serve(pub, session, clients):
    assert render_maps(settings=pub) == []
    assert stored(pub) == {}
    add_organiser(session, "dora", is_admin=True)
    client = logged_in(clients(), "dora")
    response = client.get("/organise/map/window-4")
    assert response.status_code == 404 and "etag" not in response.headers


def test_export_writes_the_stored_maps_and_their_assets(released, monkeypatch, capsys, tmp_path):
    folder = tmp_path / "shared"
    code, out, err = run_cli(monkeypatch, capsys, released, "maps", "export", str(folder))
    assert code == 0, err
    assert "window-4.html" in out and str(folder) in out
    maps = stored(released)
    for name in NAMES:
        html = (folder / f"{name}.html").read_text()
        # The stored page, with its asset links made relative to the folder it sits in.
        assert html == maps[name][0].decode().replace(f'"{PREFIX}', f'"{PREFIX[1:]}')
        links = re.findall(r'(?:src|href)="([^"]*)"', html)
        local = [link for link in links if not link.startswith(("data:", "#"))]
        assert local and all(not link.startswith("/") for link in local), (name, local)
        assert all((folder / link).is_file() for link in local), (name, local)


def test_export_and_draw_say_when_there_is_nothing(pub, monkeypatch, capsys, tmp_path):
    code, _, err = run_cli(monkeypatch, capsys, pub, "maps", "export", str(tmp_path / "x"))
    assert code == 2 and "no maps stored yet" in err
    assert not (tmp_path / "x").exists()
    code, _, err = run_cli(monkeypatch, capsys, pub, "maps", "draw")
    assert code == 2 and "nothing is released yet" in err


@pytest.fixture
def elsewhere(released, tmp_path) -> Iterator:
    """Settings for a second, empty database: where a backup is restored."""
    if PG_URL:
        name = f"rw_maps_{uuid.uuid4().hex[:10]}"
        _pg_exec(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'restored' / 'raidwatch.sqlite3'}"
    value = released.model_copy(update={"database_url": url})
    yield value
    get_engine(value).dispose()
    if PG_URL:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sealed_backup_carries_the_maps(released, elsewhere, monkeypatch, capsys, tmp_path):
    public, private = new_keypair()
    (tmp_path / "b.pub").write_text(public)
    (tmp_path / "b.key").write_text(private)
    target = tmp_path / "raidwatch.sealed"
    argv = ("backup", str(target), "--key", str(tmp_path / "b.pub"))
    assert run_cli(monkeypatch, capsys, released, *argv)[0] == 0
    argv = ("restore", str(target), "--key", str(tmp_path / "b.key"))
    assert run_cli(monkeypatch, capsys, elsewhere, *argv)[0] == 0
    assert stored(elsewhere) == stored(released)
    assert maps_are_current(settings=elsewhere)  # nothing to redraw after a restore
