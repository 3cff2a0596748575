"""Housekeeping sub-commands of `raidwatch`: purge (all of it), remix, backup, restore.

`purge` is what a cron deployment runs daily (shortly after midnight): expired reports,
sessions, spent form tokens and audit entries, then the re-mix. `remix` is what it runs
every mixing window. Outputs state counts as orders of magnitude only.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from server.cli.common import fail, ready
from server.config import get_settings
from server.db import get_engine, migrate
from server.logs import about


def purge_command(args: argparse.Namespace) -> int:
    from server.housekeeping.jobs import housekeep

    settings = ready()
    done = housekeep(settings=settings, as_of=args.as_of or settings.today())
    print(
        f"deleted {about(done.reports)} raw report(s) and {about(done.audit_entries)} audit "
        "entr(ies); expired sessions and spent form tokens dropped; reports re-mixed"
    )
    return 0


def remix_command(args: argparse.Namespace) -> int:
    from server.housekeeping.jobs import every_window

    every_window(settings=ready())
    print("reports re-mixed; expired sessions dropped")
    return 0


def backup_command(args: argparse.Namespace) -> int:
    from server.housekeeping.backup import BackupFailed, write_backup
    from server.intake.sealing import BadKey

    settings = ready()
    try:
        key = Path(args.key).read_text() if args.key else settings.backup_public_key
    except OSError as exc:
        return fail(str(exc))
    if not key.strip():
        return fail("give the operator's public key: --key PUBFILE or RAIDWATCH_BACKUP_PUBLIC_KEY")
    target = Path(args.path)
    if target.exists():
        return fail(f"{target} exists; backups are never overwritten")
    try:
        write_backup(engine=get_engine(settings), target=target, public_key=key)
    except (BadKey, BackupFailed, OSError) as exc:
        return fail(str(exc))
    print(f"wrote {target}, sealed to the operator key; delete it within the retention period")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from server.housekeeping.backup import BackupFailed, holds_data, restore_backup
    from server.housekeeping.sealed_file import NotSealedForThisKey
    from server.intake.sealing import BadKey

    settings = get_settings()
    engine = get_engine(settings)
    if holds_data(engine) and not args.force:
        return fail("the database already holds networks or reports; --force replaces them")
    try:
        private = Path(args.key).read_text()
        restore_backup(engine=engine, source=Path(args.path), private_key=private)
    except (BadKey, NotSealedForThisKey, BackupFailed, OSError) as exc:
        return fail(str(exc))
    migrate(settings)  # a backup of an older version comes up to this one's schema
    print(f"restored {args.path}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "purge", help="all housekeeping: expired reports, sessions, tokens, audit; re-mix"
    )
    p.add_argument("--as-of", type=date.fromisoformat, help="run as if on this day")
    p.set_defaults(handler=purge_command)
    p = sub.add_parser("remix", help="re-mix stored reports now (run every mixing window)")
    p.set_defaults(handler=remix_command)
    p = sub.add_parser("backup", help="write a snapshot sealed to the operator's public key")
    p.add_argument("path")
    p.add_argument("--key", help="file holding the public key (else RAIDWATCH_BACKUP_PUBLIC_KEY)")
    p.set_defaults(handler=backup_command)
    p = sub.add_parser("restore", help="replace the database with a sealed snapshot")
    p.add_argument("path")
    p.add_argument("--key", required=True, help="file holding the private key")
    p.add_argument("--force", action="store_true", help="even if the database holds data")
    p.set_defaults(handler=restore_command)
