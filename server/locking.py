"""One publisher at a time, one migrator at a time: database-wide locks that work across
processes and machines.

Invariant: everything a release writes happens inside `publisher_transaction`, which commits
all of it or none of it, and no two such transactions overlap, on any number of processes
or machines. PostgreSQL: a transaction-scoped advisory lock (released by COMMIT or ROLLBACK,
also when the process dies). SQLite: ``BEGIN IMMEDIATE`` takes the database's single write
lock up front, so a second publisher waits (busy timeout) instead of reading stale state.
The unique week of a release stays the last guard if either mechanism were bypassed.

Migrations (`migration_transaction`) run the same way under a lock of their own, so any
number of replicas and commands may start at once on an empty or outdated database: the
first upgrades, the others wait and then find the schema at head. PostgreSQL: a
transaction-scoped advisory lock on MIGRATION_LOCK_KEY, taken first on the migration
connection and held until the whole upgrade commits. SQLite: ``BEGIN IMMEDIATE``.

A whole publishing job (releasing every due week, then drawing the maps from them) runs
under `publishing_job`, a lock of its own held for the job's length, so two `raidwatch
publish` commands or scheduler runs never draw the same maps at once. It is not the
publisher lock: holding that for the drawing would keep intake waiting. PostgreSQL: a
session advisory lock on PUBLISHING_JOB_LOCK_KEY on a connection of its own (released on
exit, or by the server when the process dies). SQLite (one machine): an exclusive ``flock``
on an empty ``<database>.publishing`` file beside the database, released by the kernel when
the process dies.

Intake must decide "is this report's week already released?" atomically with respect to
releases, or a report stored while its week is being released is neither counted nor late.
`hold_off_publisher` gives it that: called after adding the report and before the check,
it waits for a release in progress to commit, and keeps the next one out until commit.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# Any fixed 64-bit number shared by all raidwatch processes ("raidwatc" in ASCII).
PUBLISHER_LOCK_KEY = 0x7261696477617463
MIGRATION_LOCK_KEY = 0x7261696477617464  # the next numbers: migrations, publishing jobs
PUBLISHING_JOB_LOCK_KEY = 0x7261696477617465


@contextmanager
def _sqlite_write_transaction(engine: Engine) -> Iterator[Connection]:
    # pysqlite would otherwise open transactions lazily with a plain BEGIN, which takes the
    # write lock only at the first write; AUTOCOMMIT hands transaction control to us.
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


@contextmanager
def _advisory_transaction(engine: Engine, key: int) -> Iterator[Connection]:
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield conn


@contextmanager
def publisher_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a transaction holding the publishing lock; commit on exit."""
    if engine.dialect.name == "sqlite":
        with _sqlite_write_transaction(engine) as conn:
            yield conn
        return
    with _advisory_transaction(engine, PUBLISHER_LOCK_KEY) as conn:
        yield conn


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a transaction holding the migration lock; commit on exit."""
    if engine.dialect.name == "sqlite":
        with _sqlite_write_transaction(engine) as conn:
            yield conn
        return
    with _advisory_transaction(engine, MIGRATION_LOCK_KEY) as conn:
        yield conn


@contextmanager
def publishing_job(
    engine: Engine, *, wait: bool, waiting: Callable[[], None] | None = None
) -> Iterator[bool]:
    """Hold the publishing-job lock for the block; yields False (lock not taken) when another
    job holds it and `wait` is false. When waiting, `waiting` is called once first."""
    if engine.dialect.name == "sqlite":
        with _sqlite_job_lock(engine, wait=wait, waiting=waiting) as taken:
            yield taken
        return
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")  # no open transaction
        key = {"key": PUBLISHING_JOB_LOCK_KEY}
        taken = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar())
        if not taken and wait:
            if waiting is not None:
                waiting()
            conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
            taken = True
        try:
            yield taken
        finally:
            if taken:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)


@contextmanager
def _sqlite_job_lock(
    engine: Engine, *, wait: bool, waiting: Callable[[], None] | None
) -> Iterator[bool]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield True  # one process only
        return
    fd = os.open(f"{database}.publishing", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
        if not taken and wait:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
            taken = True
        yield taken
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def hold_off_publisher(session: Session) -> None:
    """Serialise an intake transaction with releases (see the module docstring).

    Flushing writes the pending report: on SQLite that takes the write lock a publisher
    holds for its whole transaction; on PostgreSQL a shared advisory lock, held to commit,
    conflicts with the publisher's exclusive one (intakes do not wait for each other).
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": PUBLISHER_LOCK_KEY}
        )
