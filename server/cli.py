"""The ``raidwatch`` command line for operators: serve, networks, notes, status.

Batch work (publishing, purging) also runs from here, outside any request.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlmodel import col, func, select

from server.config import Settings, get_settings
from server.db import migrate, session_scope

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def ready() -> Settings:
    """The settings, with the database migrated to head: what every command starts with."""
    settings = get_settings()
    migrate(settings)
    return settings


def fail(message: str) -> int:
    print(f"raidwatch: {message}", file=sys.stderr)
    return 2


@command("serve")
def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.logs import UVICORN_LOG_CONFIG
    from server.scheduler import start_scheduler

    settings = ready()
    app = create_app(settings)
    if settings.scheduler:
        start_scheduler(app)
    print(f"raidwatch: serving on http://{args.host}:{args.port}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False,
                log_config=UVICORN_LOG_CONFIG, server_header=False, date_header=False)
    return 0


@command("status")
def status(args: argparse.Namespace) -> int:
    from server.models import Network, Release, Report

    settings = ready()
    with session_scope(settings) as session:
        counts = {
            "networks": session.exec(select(func.count()).select_from(Network)).one(),
            "reports": session.exec(select(func.count()).select_from(Report)).one(),
            "releases": session.exec(select(func.count()).select_from(Release)).one(),
        }
    if args.json:
        print(json.dumps(counts))
    else:
        for name, value in counts.items():
            print(f"{name}: {value}")
    return 0


@command("network create")
def network_create(args: argparse.Namespace) -> int:
    from server.networks.links import create_network, link_path

    settings = ready()
    with session_scope(settings) as session:
        network, token = create_network(session=session, name=args.name, key=settings.key())
        print(f"Created network {network.slug!r}. Give members this link (shown only once):")
        print(link_path(token))
    return 0


@command("network rotate")
def network_rotate(args: argparse.Namespace) -> int:
    from server.networks.links import link_path, network_by_slug, rotate_link

    settings = ready()
    with session_scope(settings) as session:
        network = network_by_slug(session=session, slug=args.slug)
        if network is None:
            return fail(f"no network {args.slug!r}")
        token = rotate_link(session=session, network=network, key=settings.key())
        print(f"The old link of {network.slug!r} no longer works. New link (shown only once):")
        print(link_path(token))
    return 0


@command("network set-key")
def network_set_key(args: argparse.Namespace) -> int:
    from server.intake.sealing import BadKey, parse_public_key
    from server.networks.links import network_by_slug

    settings = ready()
    try:
        key = parse_public_key(Path(args.pubfile).read_text())
    except (OSError, BadKey) as exc:
        return fail(str(exc))
    with session_scope(settings) as session:
        network = network_by_slug(session=session, slug=args.slug)
        if network is None:
            return fail(f"no network {args.slug!r}")
        network.public_key = key
        session.add(network)
        session.commit()
    print(f"Notes for {args.slug!r} are now sealed to this key; the note field is shown.")
    return 0


@command("network keygen")
def network_keygen(args: argparse.Namespace) -> int:
    from server.intake.sealing import new_keypair

    public, private = new_keypair()
    prefix = Path(args.prefix)
    private_path = prefix.with_suffix(".key")
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_text(private + "\n")
    prefix.with_suffix(".pub").write_text(public + "\n")
    print(f"Wrote {prefix.with_suffix('.pub')} (give to the server) and {private_path} "
          "(keep offline; it opens the notes).")
    return 0


@command("network list")
def network_list(args: argparse.Namespace) -> int:
    from server.models import Network

    settings = ready()
    with session_scope(settings) as session:
        for network in session.exec(select(Network).order_by(Network.slug)):
            notes = "notes on" if network.public_key else "notes off"
            print(f"{network.slug}\t{network.name}\t{notes}\t{network.counting_rule}")
    return 0


@command("notes decrypt")
def notes_decrypt(args: argparse.Namespace) -> int:
    from nacl.exceptions import CryptoError

    from server.intake.sealing import BadKey, open_note
    from server.models import Report

    settings = ready()
    private = Path(args.key).read_text()
    opened = 0
    with session_scope(settings) as session:
        query = select(Report).where(Report.sealed_note.is_not(None))  # type: ignore[union-attr]
        for report in session.exec(query.order_by(col(Report.occurred_on), col(Report.district))):
            try:
                text = open_note(report.sealed_note or b"", private_key=private)
            except BadKey as exc:
                return fail(str(exc))
            except CryptoError:
                continue  # sealed to another network's key
            opened += 1
            print(f"{report.occurred_on} {report.district} {report.setting}: {text}")
    print(f"{opened} note(s) opened.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raidwatch", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("serve", help="migrate, then serve web, API and scheduler")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p = sub.add_parser("status", help="counts for operators")
    p.add_argument("--json", action="store_true")

    network = sub.add_parser("network", help="networks and member links").add_subparsers(
        dest="sub", required=True)
    p = network.add_parser("create", help="create a network; prints its member link")
    p.add_argument("name")
    p = network.add_parser("rotate", help="new member link; the old one stops working")
    p.add_argument("slug")
    p = network.add_parser("set-key", help="seal notes to this public key")
    p.add_argument("slug")
    p.add_argument("pubfile")
    p = network.add_parser("keygen",
                           help="make a key pair for sealed notes (PREFIX.pub, PREFIX.key)")
    p.add_argument("prefix")
    network.add_parser("list", help="list networks")

    notes = sub.add_parser("notes", help="sealed notes").add_subparsers(dest="sub", required=True)
    p = notes.add_parser("decrypt", help="open the notes sealed to a key (run offline)")
    p.add_argument("--key", required=True, help="file holding the private key")

    for extend in EXTENSIONS:
        extend(sub)
    return parser


# Later modules (publishing, organisers, demo) add their sub-commands here.
EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    _load_extensions()
    args = build_parser().parse_args(argv)
    name = args.cmd + (f" {args.sub}" if getattr(args, "sub", None) else "")
    try:
        return COMMANDS[name](args)
    except ValueError as exc:  # settings refused (e.g. a default secret in production)
        return fail(str(exc))


def _load_extensions() -> None:
    import importlib

    for module in ("server.publishing.commands", "server.organising.commands"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


if __name__ == "__main__":
    raise SystemExit(main())
