"""Publishing sub-commands of `raidwatch`: publish, releases, export, areas, maps, demo.

Each migrates first, then does its batch work outside any request. `--as-of` runs a job as
if on that day (the default is today in the configured timezone).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from server.cli.common import fail, ready
from server.config import get_settings
from server.db import get_engine

if TYPE_CHECKING:
    from server.publishing.view_data import WindowView


def _as_of(args: argparse.Namespace) -> date:
    return args.as_of or get_settings().today()


def publish_command(args: argparse.Namespace) -> int:
    from server.publishing.jobs import publish_and_draw

    settings = ready()
    released = publish_and_draw(settings=settings, as_of=_as_of(args), waiting=_waiting)
    print(f"released {', '.join(released)}" if released else "nothing due")
    return 0


def _waiting() -> None:
    print("raidwatch: another publisher is running; waiting for it to finish", file=sys.stderr)


def releases_command(args: argparse.Namespace) -> int:
    from server.publishing.release import release_summaries

    settings = ready()
    with get_engine(settings).connect() as conn:
        rows = release_summaries(conn=conn)
    if args.json:
        print(json.dumps(rows))
        return 0
    print("week      published   epsilon  areas  national  late")
    for r in rows:
        print(
            f"{r['week']}  {r['published_on']}  {r['epsilon']:>7}  {r['areas']:>5}  "
            f"{r['national_total']:>8}  {r['late_total']:>4}"
        )
    return 0


def export_command(args: argparse.Namespace) -> int:
    from server.publishing.exports import to_csv, to_geojson, to_metadata_json
    from server.publishing.view_data import load_view

    settings = ready()
    with get_engine(settings).connect() as conn:
        view = load_view(conn=conn, window=args.window, k=settings.k)
        if view is None:
            return fail("no releases yet: run `raidwatch publish` once a week is due")
        if args.named_areas is not None:
            return _export_named(conn, args, view)
    write = {"csv": to_csv, "geojson": to_geojson, "metadata": to_metadata_json}[args.format]
    sys.stdout.write(write(view))
    return 0


def _export_named(conn: Connection, args: argparse.Namespace, view: WindowView) -> int:
    from server.publishing.exports import to_named_csv
    from server.publishing.named_areas import layers, view_by_named_area

    known = layers(conn=conn)
    layer = args.named_areas or (known[0] if len(known) == 1 else "")
    if layer not in known:
        return fail(f"choose a named-area layer: {', '.join(known) or 'none imported'}")
    rows = view_by_named_area(conn=conn, view=view, layer=layer)
    sys.stdout.write(to_named_csv(view, layer=layer, rows=rows))
    return 0


def areas_import_command(args: argparse.Namespace) -> int:
    from server.publishing.named_areas import import_named_areas

    settings = ready()
    try:
        with get_engine(settings).begin() as conn:
            layer, count = import_named_areas(
                conn=conn,
                path=Path(args.file),
                code_field=args.code_field,
                name_field=args.name_field,
                layer=args.layer,
            )
    except (OSError, ValueError) as exc:
        return fail(str(exc))
    print(f"imported {count} named area(s) into layer {layer!r}")
    return 0


def maps_draw_command(args: argparse.Namespace) -> int:
    from server.maps.drawing import render_maps

    settings = ready()
    drawn = render_maps(settings=settings)
    if not drawn:
        return fail("no maps drawn: nothing is released yet (or a release came meanwhile)")
    print(f"drew {', '.join(drawn)} into the database")
    return 0


def maps_export_command(args: argparse.Namespace) -> int:
    from server.maps.store import export_maps

    settings = ready()
    with get_engine(settings).connect() as conn:
        try:
            written = export_maps(conn=conn, folder=Path(args.folder))
        except OSError as exc:
            return fail(f"cannot write the maps into {args.folder}: {exc.strerror}")
    if not written:
        return fail("no maps stored yet: they are drawn by the first release")
    print(f"wrote {', '.join(p.name for p in written)} (and maps-assets/) into {args.folder}")
    return 0


def demo_command(args: argparse.Namespace) -> int:
    from server.demo.history import NotEmpty, run_demo

    settings = ready()
    try:
        result = run_demo(settings=settings, as_of=_as_of(args), weeks=args.weeks, force=args.force)
    except NotEmpty as exc:
        return fail(str(exc))
    from server.demo.organiser import demo_organiser
    from server.maps.drawing import render_maps

    render_maps(settings=settings)
    print(
        f"stored {result.reports} synthetic reports ({result.late} late); "
        f"released {len(result.released)} week(s); maps drawn into the database"
    )
    username, password = demo_organiser(settings=settings)
    print(
        f"Demo admin: log in at /login as {username!r} with password {password!r} "
        "(shown only once)."
    )
    print("Member links of the demo networks (shown only once):")
    for name, link in result.links:
        print(f"  {name}: {link}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="release every due week now")
    p.add_argument("--as-of", type=date.fromisoformat, help="run as if on this day")
    p.set_defaults(handler=publish_command)
    p = sub.add_parser("releases", help="list frozen releases")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=releases_command)
    p = sub.add_parser("export", help="the view ending at the latest release")
    p.add_argument("--window", type=int, choices=(1, 4, 12), default=4)
    p.add_argument("--format", choices=("csv", "geojson", "metadata"), default="csv")
    p.add_argument(
        "--named-areas",
        nargs="?",
        const="",
        metavar="LAYER",
        help="sum the view per imported named area (CSV)",
    )
    p.set_defaults(handler=export_command)
    areas = sub.add_parser("areas", help="operator-supplied named areas").add_subparsers(
        dest="sub", required=True
    )
    p = areas.add_parser("import", help="load polygons from GeoJSON or GeoPackage")
    p.add_argument("file")
    p.add_argument("--code-field", required=True)
    p.add_argument("--name-field", required=True)
    p.add_argument("--layer", help="layer name (default: the file name)")
    p.set_defaults(handler=areas_import_command)
    maps = sub.add_parser("maps", help="the organiser maps stored in the database")
    maps_sub = maps.add_subparsers(dest="sub", required=True)
    p = maps_sub.add_parser("draw", help="draw the maps from the releases now")
    p.set_defaults(handler=maps_draw_command)
    p = maps_sub.add_parser("export", help="write the stored maps as files, to share offline")
    p.add_argument("folder", metavar="DIR")
    p.set_defaults(handler=maps_export_command)
    p = sub.add_parser("demo", help="demo networks and a synthetic history (empty database)")
    p.add_argument("--force", action="store_true", help="even if the database is not empty")
    p.add_argument("--as-of", type=date.fromisoformat, help="run as if on this day")
    p.add_argument("--weeks", type=int, default=16, help=argparse.SUPPRESS)
    p.set_defaults(handler=demo_command)
