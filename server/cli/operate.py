"""`raidwatch serve` and `raidwatch status`: running the service and counting what it holds."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from typing import Any

from server.cli.common import ready
from server.config import Settings
from server.db import get_engine

log = logging.getLogger("raidwatch")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.housekeeping.jobs import every_window, new_day
    from server.publishing.jobs import publish_and_purge
    from server.scheduler import Scheduler, start_scheduler, stop_scheduler

    settings = ready()
    scheduler: Scheduler | None = None

    def shut_down() -> None:  # uvicorn's graceful stop, before it re-raises SIGTERM
        if scheduler is not None:
            stop_scheduler(scheduler)
        leave_nothing_behind(settings)

    app = create_app(settings, on_shutdown=shut_down)
    if settings.scheduler:
        scheduler = start_scheduler(
            app,
            daily_jobs=[publish_and_purge],
            window_jobs=[every_window],
            new_day_jobs=[new_day],
        )
    print(f"raidwatch: serving on http://{args.host}:{args.port}", file=sys.stderr)
    quiet_collector()
    uvicorn.run(app, host=args.host, port=args.port, **uvicorn_options(settings))
    return 0


def quiet_collector() -> None:
    """Keep the cyclic garbage collector out of request tails.

    Everything loaded at start-up (FastAPI, SQLAlchemy, the gazetteer) is moved out of the
    collector's sight, and the youngest generation is collected after 100,000 allocations
    instead of 700. Measured by bench/intake.py (SQLite, 16 connections, idle machine):
    p99 127 ms before, 22–27 ms after, p50 17 → 14 ms; PostgreSQL p99 131 → 31 ms. Memory
    is unaffected in practice: reference counting still frees everything without cycles.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the app (`raidwatch serve` and the tests' live server alike).

    Forwarded headers (X-Forwarded-For/-Proto) are believed only from the addresses in
    ``RAIDWATCH_TRUSTED_PROXIES``; uvicorn's own default would trust 127.0.0.1, so that
    anything on the host could pick its address per request. Uvicorn has no timeout for
    slow request headers, so its HTTP/1.1 protocol is given one (server/web/connections.py);
    the shipped proxy configuration (deploy/nginx.conf) bounds headers and bodies in time
    as well; uvicorn bounds idle keep-alive, connections and header size.
    """
    from server.logs import UVICORN_LOG_CONFIG
    from server.web.connections import HeaderDeadline

    trusted = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    return {
        "http": HeaderDeadline,  # h11, with a deadline for request headers
        "access_log": False,
        "log_config": UVICORN_LOG_CONFIG,
        "server_header": False,
        "date_header": False,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or [],
        "timeout_keep_alive": 5,
        "limit_concurrency": 200,  # beyond: 503 at once, not a queue that holds memory
        "h11_max_incomplete_event_size": 16 * 1024,
        "backlog": 256,
    }


def leave_nothing_behind(settings: Settings) -> None:
    """A graceful stop on SQLite: re-mix, then checkpoint the WAL away and close (P2)."""
    from server.db import close_database
    from server.housekeeping.remix import remix

    if settings.resolved_database_url.startswith("sqlite"):
        try:
            remix(engine=get_engine(settings))
        except Exception as exc:  # still close: the WAL is folded in below
            log.error("re-mix at shutdown failed: %s", type(exc).__name__)
    close_database(settings)


def status(args: argparse.Namespace) -> int:
    from server.readiness import holdings

    settings = ready()
    with get_engine(settings).connect() as conn:
        counts = holdings(conn=conn)
    if args.json:
        print(json.dumps(counts))
    else:
        for name, value in counts.items():
            print(f"{name}: {value}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="migrate, then serve web, API and scheduler")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=serve)
    p = sub.add_parser("status", help="counts for operators")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=status)
