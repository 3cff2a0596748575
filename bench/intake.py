"""bench/intake: the member form's weight and the JSON API's intake rate on SQLite.

Prints the form's size in bytes (HTML + CSS, uncompressed and gzipped) and the rate of
``POST /api/v1/reports`` over real HTTP on loopback (reports/s, p50/p99 latency) for a
loop of N submissions (default 2,000). Run: ``.venv/bin/python bench/intake.py``.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.app import create_app
from server.config import Settings
from server.db import migrate, session_scope
from server.logs import UVICORN_LOG_CONFIG
from server.networks.links import create_network

PLACES = ["E8", "M14 5AA", "Hackney", "LS6", "B11 1AA", "Cardiff", "G42", "BT7"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            secret_key="bench-" + "x" * 40,
            rate_limit_per_link=0,
            burst_limit=0,
            scheduler=False,
        )
        migrate(settings)
        with session_scope(settings) as session:
            _, token = create_network(session=session, name="Bench", key=settings.key())
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=8765,
                access_log=False,
                log_config=UVICORN_LOG_CONFIG,
                lifespan="off",
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url="http://127.0.0.1:8765") as client:
            form = client.get(f"/r/{token}").content
            css = client.get("/static/member.css").content
            print("member form")
            print(f"  html  {len(form):6d} bytes  ({len(gzip.compress(form)):5d} gzipped)")
            print(f"  css   {len(css):6d} bytes  ({len(gzip.compress(css)):5d} gzipped)")
            print(
                f"  total {len(form) + len(css):6d} bytes  "
                f"({len(gzip.compress(form)) + len(gzip.compress(css)):5d} gzipped)"
            )
            latencies = []
            day = (date.today() - timedelta(days=2)).isoformat()
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            for i in range(args.n):
                body = {
                    "occurred_on": day,
                    "time_of_day": "morning",
                    "place": PLACES[i % 8],
                    "setting": "workplace",
                    "officers": "3-5",
                    "vehicles": "1",
                    "detained": "unknown",
                    "source": "saw_it",
                }
                t0 = time.perf_counter()
                response = client.post("/api/v1/reports", json=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                assert response.status_code == 201, response.text
            elapsed = time.perf_counter() - started
        server.should_exit = True
        latencies.sort()
        print(f"API intake on SQLite, {args.n} sequential reports over loopback HTTP")
        print(f"  rate  {args.n / elapsed:8.1f} reports/s")
        print(f"  p50   {statistics.median(latencies) * 1000:8.2f} ms")
        print(f"  p99   {latencies[int(len(latencies) * 0.99) - 1] * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
