"""Migrations the SecureDrop way: head equals the models; every revision goes up and down;
data survives an upgrade."""

from __future__ import annotations

import uuid
from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.db import alembic_config, get_engine


def _cfg(settings, connection):
    cfg = alembic_config(settings.resolved_database_url)
    cfg.attributes["connection"] = connection
    return cfg


def test_head_matches_the_models(settings):
    engine = get_engine(settings)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_every_revision_downgrades_and_upgrades(settings):
    engine = get_engine(settings)
    script = ScriptDirectory.from_config(alembic_config(settings.resolved_database_url))
    revisions = [r.revision for r in script.walk_revisions()]  # head first
    with engine.begin() as conn:
        cfg = _cfg(settings, conn)
        for revision in revisions:
            command.downgrade(cfg, f"{revision}-1" if revision != revisions[-1] else "base")
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert not compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def test_data_survives_upgrades_from_the_first_revision(settings):
    engine = get_engine(settings)
    with engine.begin() as conn:
        cfg = _cfg(settings, conn)
        command.downgrade(cfg, "0001")
        net = uuid.uuid4()
        conn.execute(
            text(
                "INSERT INTO networks (id, slug, name, link_hash, counting_rule, active)"
                " VALUES (:id, 's', 'S', 'h', 'all', :t)"
            ),
            {"id": net.hex if engine.dialect.name == "sqlite" else net, "t": True},
        )
        conn.execute(
            text(
                "INSERT INTO reports (id, network_id, cell, district, occurred_on, time_of_day, "
                "setting, officers, vehicles, detained, source, status, late, late_pending) VALUES "
                "(:id, :net, '87195da49ffffff', 'E8', :day, 'night', 'home', '1-2', '0', 'unknown',"
                " 'saw_it', 'pending', :f, :f)"
            ),
            {
                "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else uuid.uuid4(),
                "net": net.hex if engine.dialect.name == "sqlite" else net,
                "day": date(2026, 11, 2),
                "f": False,
            },
        )
        command.upgrade(cfg, "head")
        assert conn.execute(text("SELECT district FROM reports")).scalar_one() == "E8"
