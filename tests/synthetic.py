"""A small synthetic gazetteer and report builders for publishing tests.

The gazetteer is 19 resolution-6 cells around Hackney (the centre and its first ring dense
enough to be areas of their own at P = 1000, the second ring pooled) and one sparse cell in
Shetland, which becomes the "rest of" its resolution-4 region.
"""

from __future__ import annotations

import csv
import os
import uuid
from datetime import date
from pathlib import Path

import h3
from sqlalchemy import insert as sa_insert
from sqlmodel import Session

from server.models import Network, Report

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


def publishing_settings(settings, tmp_path: Path, **overrides):  # type: ignore[no-untyped-def]
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


def make_network(session: Session, name: str = "Net", rule: str = "all") -> Network:
    network = Network(
        slug=f"n-{uuid.uuid4().hex[:8]}", name=name, link_hash=uuid.uuid4().hex, counting_rule=rule
    )
    session.add(network)
    session.commit()
    session.refresh(network)
    return network


def storage_cell(res6: str = HACKNEY) -> str:
    return h3.cell_to_center_child(res6, 7)


def add_report(
    session: Session,
    network: Network,
    *,
    day: date,
    cell: str | None = None,
    band: str = "morning",
    setting: str = "workplace",
    status: str = "pending",
    late: bool = False,
    note: bytes | None = None,
    commit: bool = True,
) -> Report:
    report = Report(
        network_id=network.id,
        cell=cell or storage_cell(),
        district="E8",
        occurred_on=day,
        time_of_day=band,
        setting=setting,
        officers="3-5",
        vehicles="1",
        detained="unknown",
        source="saw_it",
        status=status,
        late=late,
        late_pending=late,
        sealed_note=note,
    )
    session.add(report)
    if commit:
        session.commit()
    return report


def add_incidents(
    session: Session, network: Network, *, day: date, count: int, res6: str = HACKNEY
) -> None:
    """`count` distinct incidents (different settings and bands) in one cell and day."""
    settings = ("home", "workplace", "street", "transport", "reporting_centre", "other")
    bands = ("night", "morning", "afternoon", "evening")
    for n in range(count):
        if n >= len(settings) * len(bands):
            raise ValueError("at most 24 distinct incidents per cell and day")
        add_report(
            session,
            network,
            day=day,
            cell=storage_cell(res6),
            setting=settings[n % 6],
            band=bands[n // 6],
            commit=False,
        )
    session.commit()


def published(settings, week: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
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
        return {row.area: row.count for row in rows}


def table_rows(settings, sql: str, **params: object) -> list:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from server.db import get_engine

    with get_engine(settings).connect() as conn:
        return list(conn.execute(text(sql), params))


def area_of(settings, res6: str = HACKNEY) -> str:  # type: ignore[no-untyped-def]
    from server.publishing.series import load_gazetteer, plan_series

    plan = plan_series(gazetteer=load_gazetteer(settings), min_postcodes=settings.min_postcodes)
    return plan.partition.area_of_res6(res6)


def make_series(pub):  # type: ignore[no-untyped-def]
    """The stored series of the settings' gazetteer and P: (id, plan)."""
    from server.db import get_engine
    from server.publishing.series import ensure_series, load_gazetteer, plan_series

    gazetteer = load_gazetteer(pub)
    plan = plan_series(gazetteer=gazetteer, min_postcodes=pub.min_postcodes)
    return ensure_series(engine=get_engine(pub), plan=plan, gazetteer=gazetteer), plan


def freeze(
    pub,
    series_id,
    week,
    counts,
    *,  # type: ignore[no-untyped-def]
    epsilon=0.0,
    areas=(),
    national=None,
):
    """Store a release by hand: `counts` per area, every other area of `areas` at 0."""
    from server.db import get_engine
    from server.models import PublishedCount, Release

    release_id = uuid.uuid4()
    values = {area: 0 for area in areas} | counts
    with get_engine(pub).begin() as conn:
        conn.execute(
            sa_insert(Release.__table__).values(
                id=release_id,
                series_id=series_id,
                week=week,
                epsilon=epsilon,
                k=pub.k,
                min_postcodes=pub.min_postcodes,
                delay_days=3,
                published_on=date(2026, 3, 12),
                national_total=sum(values.values()) if national is None else national,
                late_total=0,
            )
        )
        conn.execute(
            sa_insert(PublishedCount.__table__),
            [{"release_id": release_id, "area": a, "count": c} for a, c in values.items()],
        )


def cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """RAIDWATCH_* variables that reproduce `settings` for the command line."""
    env = {
        "RAIDWATCH_DATABASE_URL": settings.resolved_database_url,
        "RAIDWATCH_ENV": "test",
        "RAIDWATCH_SECRET_KEY": settings.secret_key,
        "RAIDWATCH_DATA_DIR": str(settings.data_dir),
        "RAIDWATCH_MIN_POSTCODES": str(settings.min_postcodes),
        "RAIDWATCH_EPSILON": str(settings.epsilon),
        "RAIDWATCH_K": str(settings.k),
        "RAIDWATCH_DELAY_DAYS": str(settings.delay_days),
        "RAIDWATCH_RETENTION_DAYS": str(settings.retention_days),
        "RAIDWATCH_SCHEDULER": "false",
    }
    if settings.gazetteer:
        env["RAIDWATCH_GAZETTEER"] = str(settings.gazetteer)
    if os.environ.get("PYTHONPATH"):  # a worktree's code, not the editable install's
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def run_cli(
    monkeypatch,
    capsys,
    settings,  # type: ignore[no-untyped-def]
    *argv: str,
) -> tuple[int, str, str]:
    """Run `raidwatch ARGV` in this process with `settings`; returns (code, stdout, stderr)."""
    from server.cli import main
    from server.config import get_settings

    for name, value in cli_env(settings).items():
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
