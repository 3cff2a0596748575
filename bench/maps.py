"""bench/maps: what drawing and serving the organiser maps from the database costs.

On the demo's history (16 weeks, shipped UK gazetteer): the time to draw the four maps (outside
any lock), the time the store holds the publisher lock (the only time intake can wait on a
map), the pages' sizes, and the time to look a map up for serving, first from the database
(plus its content policy) and then from the in-process cache. Prints; asserts nothing.

Run: ``.venv/bin/python bench/maps.py`` (SQLite in a temporary folder), or with
``--database-url postgresql://.../empty_db``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.config import Settings
from server.db import get_engine, migrate
from server.demo.history import run_demo
from server.locking import publisher_transaction
from server.maps import store
from server.maps.drawing import draw_maps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            database_url=args.database_url,
            secret_key="bench-maps-" + "x" * 32,
            scheduler=False,
        )
        migrate(settings)
        run_demo(settings=settings, as_of=settings.today(), weeks=16)
        engine = get_engine(settings)
        draws, locks = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            with engine.connect() as conn:
                drawn = draw_maps(conn=conn, settings=settings)
            draws.append(time.perf_counter() - started)
            assert drawn is not None
            started = time.perf_counter()
            with publisher_transaction(engine) as conn:
                store.store_maps(conn=conn, maps=drawn, today=settings.today())
            locks.append(time.perf_counter() - started)
        print(f"database: {engine.dialect.name}")
        print(f"draw four maps (no lock held): median {statistics.median(draws):.2f} s")
        print(
            f"store the set (publisher lock held): median {1000 * statistics.median(locks):.1f} ms"
        )
        for name, html in drawn.pages.items():
            print(f"  {name}: {len(html.encode()) / 1024:.0f} KiB")
        cold, warm = [], []
        for _ in range(20):
            store._CACHE.pages.clear()
            with engine.connect() as conn:
                started = time.perf_counter()
                store.served_map(conn=conn, name="weekly", tile_url="")
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                store.served_map(conn=conn, name="weekly", tile_url="")
                warm.append(time.perf_counter() - started)
        from_db, cached = 1000 * statistics.median(cold), 1000 * statistics.median(warm)
        print(
            f"look up 'weekly' for serving: from the database {from_db:.2f} ms, "
            f"cached {cached:.2f} ms (medians of 20)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
