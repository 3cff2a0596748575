"""CLI: ``raidwatch organiser create USERNAME (--network SLUG | --admin)`` and
``raidwatch organiser reset-second-factor USERNAME``.

The password is read from standard input (asked twice on a terminal), never from argv,
where it would land in shell history and process lists. The second factor's
``otpauth://`` URI and the ten recovery codes are printed once, here, and never again.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from server.cli.common import fail, ready
from server.db import session_scope
from server.organising.enrolment import Enrolled, enrol_now


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
        factor = enrol_now(session=session, organiser=organiser, key=settings.key())
    role = "admin" if organiser.is_admin else "organiser of " + ", ".join(args.network)
    print(f"Created {role} {organiser.username!r}. Log in at /login.")
    _print_factor(factor)
    return 0


def _print_factor(factor: Enrolled) -> None:
    print("Add this to an authenticator app (shown only once; it is a secret):")
    print(factor.uri)
    print("Recovery codes (each works once; keep them somewhere safe):")
    for code in factor.recovery_codes:
        print(f"  {code}")


def organiser_reset_factor(args: argparse.Namespace) -> int:
    from server.organising.accounts import find_organiser
    from server.organising.audit import CLI
    from server.organising.enrolment import replace

    settings = ready()
    with session_scope(settings) as session:
        organiser = find_organiser(session=session, username=args.username)
        if organiser is None:
            return fail(f"no active organiser {args.username!r}")
        factor = replace(
            session=session,
            organiser=organiser,
            key=settings.key(),
            actor=CLI,
            day=settings.today(),
        )
        name = organiser.username
    print(f"New second factor for {name!r}; the old app and recovery codes no longer work.")
    _print_factor(factor)
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
    p = organiser.add_parser(
        "reset-second-factor", help="a new authenticator secret and recovery codes (printed once)"
    )
    p.add_argument("username")
    p.set_defaults(handler=organiser_reset_factor)
