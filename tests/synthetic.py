"""A small synthetic gazetteer for publishing tests, the settings that use it, and readers of
what publishing stored (rows are built by `tests.factories`).

The gazetteer is 19 resolution-6 cells around Hackney (the centre and its first ring dense
enough to be areas of their own at P = 1000, the second ring pooled) and one sparse cell in
Shetland, which becomes the "rest of" its resolution-4 region.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import h3
import httpx

P = 1000
HACKNEY = h3.latlng_to_cell(51.5465, -0.0553, 6)
LERWICK = h3.latlng_to_cell(60.155, -1.145, 6)
DENSE = sorted(h3.grid_disk(HACKNEY, 1))
SPARSE = sorted(set(h3.grid_disk(HACKNEY, 2)) - set(DENSE))
# Nobody lives here in the synthetic gazetteer: a whole empty resolution-4 region.
EMPTY_SEA = h3.latlng_to_cell(50.0, -20.0, 6)


def write_gazetteer(path: Path) -> Path:
    rows = [(f"Dense {i}", cell, 1500) for i, cell in enumerate(DENSE)]
    rows += [(f"Sparse {i}", cell, 300) for i, cell in enumerate(SPARSE)]
    rows.append(("Lerwick", LERWICK, 50))
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "lat", "lng", "postcodes", "context"])
        for name, cell, postcodes in rows:
            lat, lng = h3.cell_to_latlng(cell)
            writer.writerow([name, f"{lat:.5f}", f"{lng:.5f}", postcodes, "Testshire"])
    return path


def publishing_settings(settings, tmp_path: Path, **overrides):
    """The test settings, on the synthetic gazetteer, noise off unless asked for."""
    values = {
        "gazetteer": write_gazetteer(tmp_path / "gazetteer.csv"),
        "min_postcodes": P,
        "epsilon": 0.0,
        "trend_epsilon": 0.0,
        "late_epsilon": 0.0,
        "k": 10,
        "delay_days": 3,
        "retention_days": 30,
    }
    values.update(overrides)
    return settings.model_copy(update=values)


def published(settings, week: str) -> dict[str, int]:
    """The frozen counts of one week's release, by area ({} if not released)."""
    from sqlalchemy import text

    from server.db import get_engine

    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.area, c.count FROM published_counts c JOIN releases r "
                "ON r.id = c.release_id WHERE r.week = :w"
            ),
            {"w": week},
        )
        return {row.area: row._mapping["count"] for row in rows}


def table_rows(settings, sql: str, **params: object) -> list:
    from sqlalchemy import text

    from server.db import get_engine

    with get_engine(settings).connect() as conn:
        return list(conn.execute(text(sql), params))


def area_of(settings, res6: str = HACKNEY) -> str:
    from server.publishing.series import load_gazetteer, plan_series

    plan = plan_series(gazetteer=load_gazetteer(settings), min_postcodes=settings.min_postcodes)
    return plan.partition.area_of_res6(res6)


# `raidwatch` from whichever interpreter runs the tests (never a hard-coded virtualenv path),
# running this checkout's code (`cli_env` puts it first on the path, whatever is installed).
RAIDWATCH = (sys.executable, "-m", "server.cli")
CHECKOUT = str(Path(__file__).resolve().parents[1])


def cli_env(settings) -> dict[str, str]:
    """RAIDWATCH_* variables that reproduce `settings` for the command line (and PYTHONPATH:
    this checkout, so a subprocess runs the code under test from any folder or virtualenv)."""
    env = {
        "PYTHONPATH": CHECKOUT,
        "RAIDWATCH_DATABASE_URL": settings.resolved_database_url,
        "RAIDWATCH_ENV": "test",
        "RAIDWATCH_SECRET_KEY": settings.secret_key,
        "RAIDWATCH_DATA_DIR": str(settings.data_dir),
        "RAIDWATCH_MIN_POSTCODES": str(settings.min_postcodes),
        "RAIDWATCH_EPSILON": str(settings.epsilon),
        "RAIDWATCH_TREND_EPSILON": str(settings.trend_epsilon),
        "RAIDWATCH_LATE_EPSILON": str(settings.late_epsilon),
        "RAIDWATCH_K": str(settings.k),
        "RAIDWATCH_DELAY_DAYS": str(settings.delay_days),
        "RAIDWATCH_RETENTION_DAYS": str(settings.retention_days),
        "RAIDWATCH_SCHEDULER": "false",
    }
    if settings.gazetteer:
        env["RAIDWATCH_GAZETTEER"] = str(settings.gazetteer)
    return env


def serve(settings, *, stderr: Path | None = None, **extra: str) -> tuple[subprocess.Popen, str]:
    """`raidwatch serve` on `settings` (and `extra` variables) in a subprocess of its own
    session, once it answers /healthz; its stderr into `stderr` (else discarded)."""
    from tests.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [*RAIDWATCH, "serve", "--port", str(port)],
        env={**os.environ, **cli_env(settings), **extra},
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("wb") if stderr else subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not start")


def run_cli(
    monkeypatch,
    capsys,
    settings,
    *argv: str,
) -> tuple[int, str, str]:
    """Run `raidwatch ARGV` in this process with `settings`; returns (code, stdout, stderr)."""
    from server.cli import main
    from server.config import get_settings

    for name, value in cli_env(settings).items():
        if name.startswith("RAIDWATCH_"):  # this process's path is already the checkout's
            monkeypatch.setenv(name, value)
    if not settings.gazetteer:
        monkeypatch.delenv("RAIDWATCH_GAZETTEER", raising=False)
    get_settings.cache_clear()
    try:
        code = main(list(argv))
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    return code, out, err


def view_of(settings, *, window: int, ending: str | None = None):
    """`load_view` on a connection of its own, with the settings' k."""
    from server.db import get_engine
    from server.publishing.view_data import load_view

    with get_engine(settings).connect() as conn:
        return load_view(conn=conn, window=window, k=settings.k, ending=ending)


def purge_on(settings, as_of: date) -> int:
    """`purge` as the daily job runs it (one transaction), with the settings' retention."""
    from server.db import get_engine
    from server.publishing.purge import purge

    with get_engine(settings).begin() as conn:
        return purge(conn=conn, as_of=as_of, retention_days=settings.retention_days)
