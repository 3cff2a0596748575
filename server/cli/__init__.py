"""The ``raidwatch`` command line for operators: serve, networks, notes, status, publishing,
housekeeping (purge, remix, backup, restore), organisers, demo.

Batch work (publishing, purging) runs from here, outside any request. Each sub-command
module adds its parsers explicitly below; nothing registers itself by being imported.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from server.cli import housekeeping, networks, operate, organisers, publishing
from server.cli.common import fail

SUBCOMMAND_MODULES = (operate, networks, publishing, housekeeping, organisers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raidwatch", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for module in SUBCOMMAND_MODULES:
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ValueError as exc:  # settings refused (e.g. a default secret in production)
        return fail(str(exc))
