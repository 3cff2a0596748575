"""Readiness for a load balancer or an operator: can this replica do its work now?

`/readyz` says whether the database answers, whether its schema is at the migration head
this code expects, and how many days ago the last release was published. Ready (200) when
the database answers at the expected head; otherwise 503. It carries nothing secret and
nothing about reports: no URL, no counts, no error text.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection

from server.config import Settings
from server.db import alembic_config, get_engine
from server.models.tables import NETWORKS, RELEASES, REPORTS
from server.web.database_away import is_database_away


@lru_cache(maxsize=1)
def expected_head() -> str:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


def holdings(*, conn: Connection) -> dict[str, int]:
    """How many networks, reports and releases the database holds (`raidwatch status`)."""
    return {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in (("networks", NETWORKS), ("reports", REPORTS), ("releases", RELEASES))
    }


def readiness(settings: Settings) -> tuple[bool, dict[str, Any]]:
    """(ready, what /readyz shows)."""
    expected = expected_head()
    facts: dict[str, Any] = {
        "database": "unreachable",
        "migration": {"current": None, "expected": expected},
        "last_release_age_days": None,
    }
    engine = get_engine(settings)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if not is_database_away(exc):
            raise
        return False, {"status": "not ready", **facts}
    facts["database"] = "reachable"
    with engine.connect() as conn:
        if inspect(conn).has_table("alembic_version"):
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            facts["migration"]["current"] = current
        if inspect(conn).has_table(RELEASES.name):
            last: date | None = conn.execute(select(func.max(RELEASES.c.published_on))).scalar()
            if last is not None:
                facts["last_release_age_days"] = (settings.today() - last).days
    ready = facts["migration"]["current"] == expected
    return ready, {"status": "ready" if ready else "not ready", **facts}
