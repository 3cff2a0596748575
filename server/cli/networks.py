"""`raidwatch network ...` and `raidwatch notes decrypt`: member links and sealed notes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.cli.common import fail, ready
from server.db import session_scope


def network_create(args: argparse.Namespace) -> int:
    from server.networks.links import create_network, link_path

    settings = ready()
    with session_scope(settings) as session:
        network, token = create_network(session=session, name=args.name, key=settings.key())
        print(f"Created network {network.slug!r}. Give members this link (shown only once):")
        print(link_path(token))
    return 0


def network_rotate(args: argparse.Namespace) -> int:
    from server.networks.links import link_path, network_by_slug
    from server.organising.audit import CLI
    from server.organising.networks import rotate_member_link

    settings = ready()
    with session_scope(settings) as session:
        network = network_by_slug(session=session, slug=args.slug)
        if network is None:
            return fail(f"no network {args.slug!r}")
        token = rotate_member_link(
            session=session, network=network, key=settings.key(), actor=CLI, day=settings.today()
        )
        print(f"The old link of {network.slug!r} no longer works. New link (shown only once):")
        print(link_path(token))
    return 0


def network_set_key(args: argparse.Namespace) -> int:
    """Seal a network's notes to a key: like the admins' web form, audited."""
    from server.intake.sealing import BadKey, key_fingerprint
    from server.networks.links import network_by_slug
    from server.organising.audit import CLI
    from server.organising.networks import set_note_key

    settings = ready()
    try:
        text = Path(args.pubfile).read_text()
    except OSError as exc:
        return fail(str(exc))
    with session_scope(settings) as session:
        network = network_by_slug(session=session, slug=args.slug)
        if network is None:
            return fail(f"no network {args.slug!r}")
        try:
            set_note_key(
                session=session, network=network, public_key=text, actor=CLI, day=settings.today()
            )
        except BadKey as exc:
            return fail(str(exc))
        key = network.public_key or ""
    print(f"Notes for {args.slug!r} are now sealed to this key; the note field is shown.")
    print(f"Key fingerprint: {key_fingerprint(key)}")
    return 0


def network_set_area(args: argparse.Namespace) -> int:
    """Set a network's home area: like the organisers' web form, audited."""
    from server.networks.links import network_by_slug
    from server.organising.audit import CLI
    from server.organising.networks import set_home_area
    from server.publishing.series import load_gazetteer

    settings = ready()
    gazetteer = load_gazetteer(settings)
    with session_scope(settings) as session:
        network = network_by_slug(session=session, slug=args.slug)
        if network is None:
            return fail(f"no network {args.slug!r}")
        try:
            text = set_home_area(
                session=session,
                network=network,
                text=", ".join(args.area),
                gazetteer=gazetteer,
                actor=CLI,
                day=settings.today(),
            )
        except ValueError as exc:
            return fail(str(exc))
        districts = len(gazetteer.home_area(text).districts)
    print(f"Home area of {args.slug!r}: {text or 'not set'} ({districts} districts).")
    return 0


def network_keygen(args: argparse.Namespace) -> int:
    from server.intake.sealing import key_fingerprint, new_keypair

    public, private = new_keypair()
    prefix = Path(args.prefix)
    private_path = prefix.with_suffix(".key")
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_text(private + "\n")
    prefix.with_suffix(".pub").write_text(public + "\n")
    print(
        f"Wrote {prefix.with_suffix('.pub')} (give to the server) and {private_path} "
        "(keep offline; it opens the notes)."
    )
    print(f"Key fingerprint: {key_fingerprint(public)}")
    return 0


def network_list(args: argparse.Namespace) -> int:
    from server.intake.sealing import key_fingerprint
    from server.organising.accounts import all_networks

    settings = ready()
    with session_scope(settings) as session:
        for network in sorted(all_networks(session=session), key=lambda n: n.slug):
            notes = (
                f"notes on (key {key_fingerprint(network.public_key)})"
                if network.public_key
                else "notes off"
            )
            area = network.home_area or "-"
            print(f"{network.slug}\t{network.name}\t{notes}\t{network.counting_rule}\t{area}")
    return 0


def notes_decrypt(args: argparse.Namespace) -> int:
    from server.intake.sealing import BadKey
    from server.organising.networks import open_notes

    settings = ready()
    private = Path(args.key).read_text()
    opened = 0
    with session_scope(settings) as session:
        try:
            for report, text in open_notes(session=session, private_key=private):
                opened += 1
                print(f"{report.occurred_on} {report.district} {report.setting}: {text}")
        except BadKey as exc:
            return fail(str(exc))
    print(f"{opened} note(s) opened.", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    network = sub.add_parser("network", help="networks and member links").add_subparsers(
        dest="sub", required=True
    )
    p = network.add_parser("create", help="create a network; prints its member link")
    p.add_argument("name")
    p.set_defaults(handler=network_create)
    p = network.add_parser("rotate", help="new member link; the old one stops working")
    p.add_argument("slug")
    p.set_defaults(handler=network_rotate)
    p = network.add_parser("set-key", help="seal notes to this public key")
    p.add_argument("slug")
    p.add_argument("pubfile")
    p.set_defaults(handler=network_set_key)
    p = network.add_parser(
        "set-area", help="home area that ranks same-named places (e.g. E IG Hackney)"
    )
    p.add_argument("slug")
    p.add_argument(
        "area", nargs="*", help="postcode areas, districts or council names; none clears it"
    )
    p.set_defaults(handler=network_set_area)
    p = network.add_parser(
        "keygen", help="make a key pair for sealed notes (PREFIX.pub, PREFIX.key)"
    )
    p.add_argument("prefix")
    p.set_defaults(handler=network_keygen)
    network.add_parser("list", help="list networks").set_defaults(handler=network_list)

    notes = sub.add_parser("notes", help="sealed notes").add_subparsers(dest="sub", required=True)
    p = notes.add_parser("decrypt", help="open the notes sealed to a key (run offline)")
    p.add_argument("--key", required=True, help="file holding the private key")
    p.set_defaults(handler=notes_decrypt)
