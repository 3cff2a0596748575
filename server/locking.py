"""One publisher at a time: a write transaction that holds the database-wide publishing lock.

Invariant: everything a release writes happens inside `publisher_transaction`, which commits
all of it or none of it, and no two such transactions overlap, on any number of processes
or machines. PostgreSQL: a transaction-scoped advisory lock (released by COMMIT or ROLLBACK,
also when the process dies). SQLite: ``BEGIN IMMEDIATE`` takes the database's single write
lock up front, so a second publisher waits (busy timeout) instead of reading stale state.
The unique week of a release stays the last guard if either mechanism were bypassed.

Intake must decide "is this report's week already released?" atomically with respect to
releases, or a report stored while its week is being released is neither counted nor late.
`hold_off_publisher` gives it that: called after adding the report and before the check,
it waits for a release in progress to commit, and keeps the next one out until commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# Any fixed 64-bit number shared by all raidwatch processes ("raidwatc" in ASCII).
PUBLISHER_LOCK_KEY = 0x7261696477617463


@contextmanager
def publisher_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a transaction holding the publishing lock; commit on exit."""
    if engine.dialect.name == "sqlite":
        # pysqlite would otherwise open transactions lazily with a plain BEGIN, which takes
        # the write lock only at the first write; AUTOCOMMIT hands transaction control to us.
        with engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
        return
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISHER_LOCK_KEY})
        yield conn


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
