"""What every table shares: SQLite stores it ``WITHOUT ROWID`` (P2), so storage order is key
order (random UUIDs), not arrival order."""

# SQLAlchemy's SQLite dialect turns this into ``CREATE TABLE ... WITHOUT ROWID``.
NO_ROWID = {"sqlite_with_rowid": False}
