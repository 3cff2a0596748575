"""Arrival order hidden on disk (P2): the re-mix, run every mixing window and by `purge`.

Invariant: after `remix`, neither the SQLite file and its WAL nor PostgreSQL's heap order
and transaction ids say which stored report (or spent form token) arrived first; rows that
arrived since the last re-mix keep their order for at most one mixing window. Contents are
unchanged (but for `mixed`, set on every report it rewrote) and no row is ever absent:
durability is the database's, as at intake. Moderation shows only mixed reports, so it
tells an organiser no more about arrival times than the disk does.

SQLite: ``VACUUM`` rebuilds every table and index from a scan in key order (random UUIDs),
in memory (``temp_store``), into fresh pages, so neither cell offsets nor page order keep
the order rows were written in (``secure_delete`` has already zeroed what was deleted).
The WAL, which holds every commit since the last checkpoint in commit order, is then
checkpointed and truncated to zero bytes.

PostgreSQL: one statement deletes every row and inserts it again in key order, under the
publisher lock (so a release never sees half of it), giving all rows one new transaction
id (``xmin``) and heap positions (``ctid``) in key order; ``VACUUM FULL`` then writes each
table into a new file, with no dead tuple or index entry of an old version left in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from server.locking import publisher_transaction

log = logging.getLogger("raidwatch.housekeeping")

# Every report stored so far is now mixed; set before the rewrite, in the same transaction,
# so the changed rows get no transaction id or heap place of their own.
MARK_MIXED = "UPDATE reports SET mixed = true WHERE NOT mixed"
# Rows whose arrival order matters, re-inserted in key order (PostgreSQL). Constant SQL:
# the table names are ours, never input.
REINSERT_IN_KEY_ORDER = (
    MARK_MIXED,
    "WITH gone AS (DELETE FROM reports RETURNING *) "
    "INSERT INTO reports SELECT * FROM gone ORDER BY id",
    "WITH gone AS (DELETE FROM used_form_tokens RETURNING *) "
    "INSERT INTO used_form_tokens SELECT * FROM gone ORDER BY token_hash",
)
# Tables rewritten into new files, so deleted rows (purged reports and notes, expired
# sessions and audit entries) leave no dead tuples behind.
REWRITTEN = ("reports", "used_form_tokens", "organiser_sessions", "audit_log")
LOCK_TIMEOUT = "10s"  # VACUUM FULL waits this long for its lock, else plain VACUUM


@dataclass(frozen=True)
class Remixed:
    wal_truncated: bool  # SQLite: the WAL is empty; PostgreSQL: always False (see README)
    rewritten: bool  # every table got new storage (VACUUM / VACUUM FULL), not just VACUUM


def remix(*, engine: Engine) -> Remixed:
    if engine.dialect.name == "sqlite":
        return _remix_sqlite(engine)
    return _remix_postgresql(engine)


def _remix_sqlite(engine: Engine) -> Remixed:
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(MARK_MIXED)  # its pages are rewritten by the VACUUM below
        conn.exec_driver_sql("VACUUM")
        busy = checkpoint_truncate(conn)
    if busy:
        log.warning("re-mix: the WAL could not be truncated (readers busy); next window retries")
    return Remixed(wal_truncated=not busy, rewritten=True)


def checkpoint_truncate(conn: Connection) -> bool:
    """Copy SQLite's WAL into the file and cut it to zero bytes; True if readers prevented it."""
    busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return bool(busy)


def _remix_postgresql(engine: Engine) -> Remixed:
    with publisher_transaction(engine) as conn:
        for statement in REINSERT_IN_KEY_ORDER:
            conn.execute(text(statement))
    rewritten = True
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            for table in REWRITTEN:
                try:
                    conn.exec_driver_sql(f"VACUUM FULL {table}")
                except OperationalError:  # lock timeout: a long reader; dead tuples go anyway
                    rewritten = False
                    conn.exec_driver_sql(f"VACUUM {table}")
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
    if not rewritten:
        log.warning("re-mix: a table was busy; plain VACUUM instead of a rewrite this window")
    return Remixed(wal_truncated=False, rewritten=rewritten)
