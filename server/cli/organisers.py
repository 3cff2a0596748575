"""CLI: ``raidwatch organiser create USERNAME (--network SLUG | --admin)``.

The password is read from standard input (asked twice on a terminal), never from argv,
where it would land in shell history and process lists.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from server.cli.common import fail, ready
from server.db import session_scope


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise ValueError("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


def organiser_create(args: argparse.Namespace) -> int:
    from server.networks.links import network_by_slug
    from server.organising.accounts import AccountError, create_organiser
    from server.organising.audit import CLI

    settings = ready()
    with session_scope(settings) as session:
        networks = []
        for slug in args.network or []:
            network = network_by_slug(session=session, slug=slug)
            if network is None:
                return fail(f"no network {slug!r}")
            networks.append(network)
        try:
            password = read_password()
            organiser = create_organiser(
                session=session,
                username=args.username,
                password=password,
                actor=CLI,
                day=settings.today(),
                is_admin=args.admin,
                networks=networks,
            )
        except (AccountError, ValueError) as exc:
            return fail(str(exc))
    role = "admin" if organiser.is_admin else "organiser of " + ", ".join(args.network)
    print(f"Created {role} {organiser.username!r}. Log in at /login.")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    organiser = sub.add_parser("organiser", help="organiser accounts").add_subparsers(
        dest="sub", required=True
    )
    p = organiser.add_parser("create", help="create an organiser; password from stdin")
    p.add_argument("username")
    role = p.add_mutually_exclusive_group(required=True)
    role.add_argument(
        "--network",
        action="append",
        metavar="SLUG",
        help="a network this organiser looks after (repeatable)",
    )
    role.add_argument("--admin", action="store_true", help="every network; manages organisers")

    p.set_defaults(handler=organiser_create)
