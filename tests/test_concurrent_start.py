"""Safe concurrent start: replicas and commands started together on an empty or outdated
database all come up, and the schema is upgraded once, to head (server.locking)."""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.config import Settings
from server.db import alembic_config, get_engine, make_engine
from tests.conftest import PG_URL, TEST_SECRET, _pg_exec, free_port
from tests.synthetic import cli_env
from tests.together import start_together

ROUNDS = ("empty", "outdated", "empty")


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Settings]:
    """A database with no tables at all (not the migrated template)."""
    name = f"rw_empty_{uuid.uuid4().hex[:12]}"
    if PG_URL:
        _pg_exec(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'raidwatch.sqlite3'}"
    settings = Settings(
        env="test", database_url=url, secret_key=TEST_SECRET, data_dir=tmp_path / "var"
    )
    yield settings
    get_engine(settings).dispose()
    if PG_URL:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty(settings: Settings) -> None:
    if not PG_URL:
        database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
        return
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _outdated(settings: Settings) -> None:
    """The schema of an older release: upgraded to an early revision only."""
    _empty(settings)
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:
        cfg = alembic_config(settings.resolved_database_url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    engine.dispose()


def _serving(url: str, proc: subprocess.Popen[str]) -> bool:
    """Wait until the replica answers /healthz (True) or has exited (False)."""
    while proc.poll() is None:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
    return False


def test_replicas_and_commands_started_together_migrate_once(empty_database, tmp_path):
    settings = empty_database
    env = {**cli_env(settings), "RAIDWATCH_SCHEDULER": "false"}
    head = ScriptDirectory.from_config(
        alembic_config(settings.resolved_database_url)
    ).get_current_head()
    for number, state in enumerate(ROUNDS):
        _outdated(settings) if state == "outdated" else _empty(settings)
        ports = [free_port() for _ in range(3)]
        commands = [["serve", "--port", str(port)] for port in ports] + [["status", "--json"]]
        procs = start_together(commands, env=env, folder=tmp_path / f"round-{number}")
        serving = [
            _serving(f"http://127.0.0.1:{port}", proc)
            for port, proc in zip(ports, procs, strict=False)
        ]
        for proc in procs[:3]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=60) for proc in procs]
        errors = [err for _, err in outputs]
        assert serving == [True, True, True], (state, errors)
        assert procs[3].returncode == 0, (state, errors)
        assert all("Traceback" not in err for err in errors), (state, errors)
        engine = make_engine(settings.resolved_database_url)
        with engine.connect() as conn:
            versions = [row[0] for row in conn.execute(text("SELECT * FROM alembic_version"))]
            assert versions == [head]
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        engine.dispose()
