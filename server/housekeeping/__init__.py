"""Housekeeping: what keeps the disk from holding more than the promise allows.

Re-mixing hides arrival order (P2), retention deletes what has expired (P5, sessions,
form tokens, audit entries), backups are sealed snapshots. `raidwatch purge` runs all of
it; the in-process scheduler runs the re-mix every mixing window and everything daily.
"""
