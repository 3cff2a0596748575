"""The one place that creates the database engine and applies migrations.

SQLite is tuned for a single machine and for P2: ``secure_delete`` overwrites deleted rows
so purged reports do not linger in free pages; WAL plus a busy timeout let the scheduler
and request handlers share the file; temporary tables and sorts stay in memory, so no
scratch copy of reports is ever written beside the database. The database file is created
0600 in a 0700 data folder (SQLite gives its WAL and shared-memory files the database
file's mode). Engines hide SQL parameters, so no error message ever carries a report's
facts into a log. `close_database` checkpoints and removes the WAL on a graceful stop.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from server.config import PROJECT_ROOT, Settings, get_settings
from server.locking import migration_transaction

if TYPE_CHECKING:
    from alembic.config import Config


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            _private_database_file(Path(path))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A database that does not answer fails a request in seconds (a calm 503, see
    # server/web/database_away.py) instead of holding it until the client gives up.
    return create_engine(
        url, pool_pre_ping=True, hide_parameters=True, connect_args={"connect_timeout": 5}
    )


def private_folder(folder: Path) -> None:
    """Create `folder` 0700, or narrow it to 0700 if it is ours (never a shared sticky one)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    ours = info.st_uid == os.geteuid() and not info.st_mode & stat.S_ISVTX
    if ours and stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)


def _private_database_file(path: Path) -> None:
    private_folder(path.parent)
    # An empty file is a valid empty database; made here, it is 0600 from its first byte,
    # and SQLite creates the -wal and -shm files with the same mode.
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists() and stat.S_IMODE(name.stat().st_mode) != 0o600:
            name.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged report survives power loss
    cursor.execute("PRAGMA temp_store=MEMORY")  # VACUUM's and sorts' copies stay off disk
    # When the WAL restarts after a checkpoint, cut it back instead of leaving old frames
    # (old versions of pages, in commit order) beyond the new ones.
    cursor.execute("PRAGMA journal_size_limit=0")
    cursor.close()


@lru_cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(settings: Settings | None = None) -> Engine:
    return _engine_for((settings or get_settings()).resolved_database_url)


def close_database(settings: Settings | None = None) -> None:
    """On a graceful stop: fold SQLite's WAL into the file, cut it to nothing, close."""
    engine = get_engine(settings)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # Closing the last connection lets SQLite delete the (now empty) WAL and its index.
    engine.dispose()


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    with Session(get_engine(settings)) as session:
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(settings: Settings | None = None, revision: str = "head") -> None:
    from alembic import command

    settings = settings or get_settings()
    cfg = alembic_config(settings.resolved_database_url)
    # Under the migration lock: concurrent starts upgrade once, the rest wait (server.locking).
    with migration_transaction(get_engine(settings)) as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
