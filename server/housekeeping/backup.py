"""Backups: a consistent snapshot of the database, sealed to the operator's public key.

Invariant: what `write_backup` leaves on disk is only the sealed file (0600), which the
server cannot open. SQLite's online backup API copies the database within one read
transaction into memory, so no plaintext copy is written; PostgreSQL's ``pg_dump`` reads
one snapshot and streams it straight into the seal. The database is re-mixed first, so the
snapshot keeps no arrival order either. `restore_backup` reverses it with the private key.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine, make_url

from server.housekeeping.remix import remix
from server.housekeeping.sealed_file import open_stream, seal_stream


class BackupFailed(RuntimeError):
    pass


def write_backup(*, engine: Engine, target: Path, public_key: str) -> None:
    remix(engine=engine)
    partial = target.with_name(target.name + ".partial")
    descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as sealed:
            if engine.dialect.name == "sqlite":
                seal_stream(io.BytesIO(_sqlite_snapshot(engine)), sealed, public_key=public_key)
            else:
                _pg_dump(engine, sealed, public_key=public_key)
            sealed.flush()
            os.fsync(sealed.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def holds_data(engine: Engine) -> bool:
    """Does the database already hold networks or reports (so a restore would replace them)?"""
    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for name in {"networks", "reports"} & names:
            if conn.execute(select(func.count()).select_from(table(name))).scalar_one():
                return True
    return False


def restore_backup(*, engine: Engine, source: Path, private_key: str) -> None:
    """Replace the database's contents with the sealed snapshot (stop the service first)."""
    with open(source, "rb") as sealed:
        if engine.dialect.name == "sqlite":
            plain = io.BytesIO()
            open_stream(sealed, plain, private_key=private_key)
            _sqlite_restore(engine, plain.getvalue())
        else:
            _pg_restore(engine, sealed, private_key=private_key)
    engine.dispose()


def _sqlite_snapshot(engine: Engine) -> bytes:
    memory = sqlite3.connect(":memory:")
    try:
        with engine.connect() as conn:
            # On SQLite the driver connection is a sqlite3.Connection; typed as Any | None.
            conn.connection.driver_connection.backup(memory)  # type: ignore[union-attr]
        return _rollback_journal_header(memory.serialize())
    finally:
        memory.close()


def _rollback_journal_header(data: bytes) -> bytes:
    """Mark a database image as not WAL (header bytes 18-19), so it opens from memory or
    as a lone file with any sqlite3 tool; the live database sets WAL again on connect."""
    return data[:18] + b"\x01\x01" + data[20:]


def _sqlite_restore(engine: Engine, data: bytes) -> None:
    memory = sqlite3.connect(":memory:")
    try:
        memory.deserialize(_rollback_journal_header(data))
        with engine.connect() as conn:
            memory.backup(conn.connection.driver_connection)  # type: ignore[arg-type]  # as above
    finally:
        memory.close()


def _pg_environment(engine: Engine) -> dict[str, str]:
    """libpq variables for the engine's database: no password on a command line (ps)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[name] = str(value)
    return env


def _pg_dump(engine: Engine, sealed: IO[bytes], *, public_key: str) -> None:
    with tempfile.TemporaryFile() as errors:
        dump = subprocess.Popen(
            # The operator's PostgreSQL client tools, found on PATH like psql.
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"],  # noqa: S607  (on PATH)
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_pg_environment(engine),
        )
        assert dump.stdout is not None
        seal_stream(dump.stdout, sealed, public_key=public_key)
        if dump.wait() != 0:
            errors.seek(0)
            raise BackupFailed(f"pg_dump failed: {errors.read().decode(errors='replace')[-500:]}")


def _pg_restore(engine: Engine, sealed: IO[bytes], *, private_key: str) -> None:
    env = _pg_environment(engine)
    with tempfile.TemporaryFile() as errors:
        restore = subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
            [  # noqa: S607  (pg_restore from PATH, as pg_dump above)
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                env["PGDATABASE"],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        assert restore.stdin is not None
        try:
            open_stream(sealed, restore.stdin, private_key=private_key)
        finally:  # on a bad key or a cut file pg_restore sees a short archive and rolls back
            restore.stdin.close()
            code = restore.wait()
        if code != 0:
            errors.seek(0)
            raise BackupFailed(
                f"pg_restore failed: {errors.read().decode(errors='replace')[-500:]}"
            )
