"""bench/intake: the member form's weight, and the JSON API's intake rate against a bare
FastAPI endpoint doing one naive insert (bench/naive.py), side by side, on SQLite and
PostgreSQL, at equal durability; then a flood of refused requests from one link.

For each database, in one run: `raidwatch serve` and the bare endpoint (each its own fresh
database, one uvicorn process, no access log) take ``wrk`` for the same time with the same
connections (default 16 connections, 10 s, after a 2 s warm-up), and the bench prints
reports/s (201s per second), p50 and p99 latency, and raidwatch's rate as a ratio of the
bare endpoint's. Both commit durably: SQLite in WAL mode with ``synchronous=FULL``,
PostgreSQL with its default ``synchronous_commit=on``. Rows stored are counted afterwards:
never fewer than 201s.

The refused flood: with the per-link limit at 30/hour, one link that has spent it is
flooded (16 connections) with reports that are all refused (429), alone, then while other
members report through their own links at a moderate pace (4 connections, a report every
40 ms each); printed are refused requests/s and the members' p50/p99 with and without the
flood.

Needs ``wrk`` (Debian: ``apt-get install wrk``) and, for PostgreSQL, a server the URL
reaches. Run: ``.venv/bin/python bench/intake.py [--repeat 2] [--databases sqlite]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.config import Settings
from server.db import get_engine, migrate, session_scope
from server.networks.links import create_network

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-" + "x" * 40
# Districts and full postcodes that are stored as they are (no "which part?" question).
PLACES = ["E8", "M14 5AA", "LS6", "B11 1AA", "G42", "BT7", "N16", "SW9 8LF"]
PER_LINK = 30  # the flood run's per-link limit (the default)
MEMBER_LINKS = 128  # enough allowance for the members' runs at PER_LINK each


@dataclass
class Run:
    ok: int  # 2xx/3xx responses
    refused: int  # other statuses
    socket_errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float = 0.0  # the server's CPU time per request, when measured

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.seconds

    @property
    def refused_per_s(self) -> float:
        return self.refused / self.seconds


def bodies() -> list[str]:
    day = (date.today() - timedelta(days=2)).isoformat()
    return [
        json.dumps(
            {
                "occurred_on": day,
                "time_of_day": "morning",
                "place": place,
                "setting": "workplace",
                "officers": "3-5",
                "vehicles": "1",
                "detained": "unknown",
                "source": "saw_it",
            }
        )
        for place in PLACES
    ]


def lua_script(folder: Path, tokens: list[str], *, pause_ms: int = 0) -> Path:
    """A wrk script posting the bodies in turn, each through the next token; its `done`
    prints the figures as one JSON line."""
    quote = json.dumps  # a JSON string is a valid Lua string literal here (ASCII, no escapes)
    script = f"""
local tokens = {{{", ".join(quote(t) for t in tokens)}}}
local bodies = {{{", ".join(quote(b) for b in bodies())}}}
local n = math.random(1000)
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/reports", {{
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1],
  }}, bodies[n % #bodies + 1])
end
"""
    if pause_ms:
        script += f"delay = function() return {pause_ms} end\n"
    script += """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "status": %d, "socket": %d, "us": %d, "p50": %d, "p99": %d}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"""
    path = folder / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    path.write_text(script)
    return path


def start_wrk(url: str, script: Path, *, connections: int, seconds: int) -> subprocess.Popen:
    threads = 2 if connections >= 8 else 1
    return subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        stdout=subprocess.PIPE,
        text=True,
    )


def finish_wrk(process: subprocess.Popen) -> Run:
    out, _ = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith('{"requests"')]
    if not lines:
        raise SystemExit(f"bench: wrk said:\n{out}")
    figures = json.loads(lines[-1])
    return Run(
        ok=figures["requests"] - figures["status"],
        refused=figures["status"],
        socket_errors=figures["socket"],
        seconds=figures["us"] / 1e6,
        p50_ms=figures["p50"] / 1000,
        p99_ms=figures["p99"] / 1000,
    )


def wrk(url: str, script: Path, *, connections: int, seconds: int) -> Run:
    return finish_wrk(start_wrk(url, script, connections=connections, seconds=seconds))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wrk(self, script: Path, *, connections: int, seconds: int) -> Run:
        """`wrk` against this server, with the server's CPU per request."""
        used = self.cpu_seconds()
        run = wrk(self.url, script, connections=connections, seconds=seconds)
        run.cpu_ms = (self.cpu_seconds() - used) * 1000 / max(1, run.ok + run.refused)
        return run


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], code: Path = ROOT) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(code), **env},
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                probe = "/docs" if "uvicorn" in command else "/healthz"
                if httpx.get(url + probe).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"bench: the server did not start: {' '.join(command)}")
            time.sleep(0.2)
        yield Served(url, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Databases:
    """Fresh databases for one run: SQLite files in a folder, or PostgreSQL databases."""

    def __init__(self, kind: str, folder: Path, pg_url: str) -> None:
        self.kind, self.folder, self.pg_url = kind, folder, pg_url
        self.made: list[str] = []

    def new(self, name: str) -> str:
        if self.kind == "sqlite":
            path = self.folder / uuid.uuid4().hex[:8] / f"{name}.sqlite3"
            path.parent.mkdir(mode=0o700)
            return f"sqlite:///{path}"
        db = f"rw_bench_{name}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{db}"')
        self.made.append(db)
        return self.pg_url.rsplit("/", 1)[0] + "/" + db

    def drop_all(self) -> None:
        for db in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        admin = self.pg_url.rsplit("/", 1)[0] + "/postgres"
        engine = create_engine(
            admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()


def raidwatch_settings(url: str, data_dir: Path, *, per_link: int) -> Settings:
    return Settings(
        env="test",
        database_url=url,
        data_dir=data_dir,
        secret_key=SECRET,
        rate_limit_per_link=per_link,
        burst_limit=0,  # every wrk connection comes from 127.0.0.1
        scheduler=False,
    )


def raidwatch_env(settings: Settings) -> dict[str, str]:
    return {
        "RAIDWATCH_ENV": "test",
        "RAIDWATCH_DATABASE_URL": settings.resolved_database_url,
        "RAIDWATCH_DATA_DIR": str(settings.data_dir),
        "RAIDWATCH_SECRET_KEY": SECRET,
        "RAIDWATCH_RATE_LIMIT_PER_LINK": str(settings.rate_limit_per_link),
        "RAIDWATCH_BURST_LIMIT": "0",
        "RAIDWATCH_SCHEDULER": "false",
    }


def prepared(url: str, data_dir: Path, *, links: int, per_link: int) -> tuple[Settings, list[str]]:
    """A migrated raidwatch database with `links` networks; their member tokens."""
    settings = raidwatch_settings(url, data_dir, per_link=per_link)
    migrate(settings)
    tokens = []
    with session_scope(settings) as session:
        for i in range(links):
            _, token = create_network(session=session, name=f"Bench {i}", key=settings.key())
            tokens.append(token)
    get_engine(settings).dispose()
    return settings, tokens


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(n)


def check_each_body(url: str, token: str, expect: int) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for body in bodies():
            r = client.post(
                "/api/v1/reports",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            if r.status_code != expect:
                raise SystemExit(f"bench: expected {expect}, got {r.status_code}: {r.text[:200]}")


def raidwatch_command() -> list[str]:
    return [sys.executable, "-m", "server.cli", "serve"]


def naive_command() -> list[str]:
    return [
        sys.executable,
        *("-m", "uvicorn", "naive:app", "--app-dir", str(ROOT / "bench")),
        *("--no-access-log", "--log-level", "warning"),
    ]


def intake_pair(kind: str, dbs: Databases, tmp: Path, args: argparse.Namespace) -> None:
    seconds, connections = args.duration, args.connections
    url = dbs.new("rw")
    settings, tokens = prepared(url, tmp / uuid.uuid4().hex[:8], links=1, per_link=0)
    script = lua_script(tmp, tokens)
    with serving(raidwatch_command(), raidwatch_env(settings), args.code) as server:
        check_each_body(server.url, tokens[0], 201)
        server.wrk(script, connections=connections, seconds=2)  # warm-up
        before = count_rows(url, "reports")
        ours = server.wrk(script, connections=connections, seconds=seconds)
    ours_stored = count_rows(url, "reports") - before
    naive_url = dbs.new("naive")
    with serving(naive_command(), {"NAIVE_DATABASE_URL": naive_url}) as server:
        check_each_body(server.url, tokens[0], 201)
        server.wrk(script, connections=connections, seconds=2)
        before = count_rows(naive_url, "naivereport")
        bare = server.wrk(script, connections=connections, seconds=seconds)
    bare_stored = count_rows(naive_url, "naivereport") - before
    print(f"  {kind}: {connections} connections, {seconds:g} s")
    for name, run, stored in (("raidwatch", ours, ours_stored), ("bare insert", bare, bare_stored)):
        print(
            f"    {name:12s} {run.ok_per_s:7.1f} reports/s  p50 {run.p50_ms:6.1f} ms  "
            f"p99 {run.p99_ms:6.1f} ms  server CPU {run.cpu_ms:4.2f} ms/request  "
            f"(201s {run.ok}, stored {stored}, other answers {run.refused}, "
            f"socket errors {run.socket_errors})"
        )
    print(f"    ratio        {ours.ok_per_s / bare.ok_per_s:7.2f}x the bare insert")


def refused_flood(kind: str, dbs: Databases, tmp: Path, args: argparse.Namespace) -> None:
    seconds = args.duration
    url = dbs.new("flood")
    settings, tokens = prepared(
        url, tmp / uuid.uuid4().hex[:8], links=MEMBER_LINKS + 1, per_link=PER_LINK
    )
    flooder, members = tokens[0], tokens[1:]
    flood = lua_script(tmp, [flooder])
    paced = lua_script(tmp, members, pause_ms=40)
    with serving(raidwatch_command(), raidwatch_env(settings), args.code) as server:
        for _ in range(PER_LINK // len(PLACES)):
            check_each_body(server.url, flooder, 201)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while (
                client.post(
                    "/api/v1/reports",
                    content=bodies()[0],
                    headers={"Authorization": f"Bearer {flooder}"},
                ).status_code
                == 201
            ):
                pass
        check_each_body(server.url, flooder, 429)
        server.wrk(flood, connections=16, seconds=2)  # warm-up
        alone = server.wrk(flood, connections=16, seconds=seconds)
        quiet = server.wrk(paced, connections=4, seconds=seconds)
        flooding = start_wrk(server.url, flood, connections=16, seconds=seconds + 2)
        time.sleep(1)
        during = wrk(server.url, paced, connections=4, seconds=seconds)
        flooded = finish_wrk(flooding)
    print(f"  {kind}: refused flood through one spent link (16 connections, {seconds:g} s)")
    print(
        f"    refused alone        {alone.refused_per_s:7.1f} refused/s  p50 {alone.p50_ms:6.1f} ms"
        f"  p99 {alone.p99_ms:6.1f} ms  server CPU {alone.cpu_ms:4.2f} ms/request"
        f"  (accepted {alone.ok})"
    )
    print(f"    refused with members {flooded.refused_per_s:7.1f} refused/s")
    for name, run in (("members, no flood", quiet), ("members, flood", during)):
        print(
            f"    {name:20s} {run.ok_per_s:7.1f} reports/s  p50 {run.p50_ms:6.1f} ms  "
            f"p99 {run.p99_ms:6.1f} ms  (refused {run.refused}, socket errors "
            f"{run.socket_errors})"
        )


def form_weight(tmp: Path) -> None:
    settings, tokens = prepared(
        f"sqlite:///{tmp / 'form' / 'db.sqlite3'}", tmp / "form", links=1, per_link=0
    )
    with serving(raidwatch_command(), raidwatch_env(settings)) as server:
        form = httpx.get(f"{server.url}/r/{tokens[0]}").content
        css = httpx.get(f"{server.url}/static/member.css").content
    print("member form")
    print(f"  html  {len(form):6d} bytes  ({len(gzip.compress(form)):5d} gzipped)")
    print(f"  css   {len(css):6d} bytes  ({len(gzip.compress(css)):5d} gzipped)")
    print(
        f"  total {len(form) + len(css):6d} bytes  "
        f"({len(gzip.compress(form)) + len(gzip.compress(css)):5d} gzipped)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="run everything this often")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "RAIDWATCH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="serve raidwatch from this copy of the code (e.g. `git archive main` unpacked)",
    )
    parser.add_argument("--skip", default="", help="comma-separated: form,intake,flood")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench: needs wrk (Debian: apt-get install wrk)")
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if "form" not in skip:
            form_weight(tmp)
        for round_ in range(1, args.repeat + 1):
            print(f"round {round_} of {args.repeat}")
            for kind in args.databases.split(","):
                dbs = Databases(kind, tmp, args.pg_url)
                try:
                    if "intake" not in skip:
                        intake_pair(kind, dbs, tmp, args)
                    if "flood" not in skip:
                        refused_flood(kind, dbs, tmp, args)
                finally:
                    dbs.drop_all()
                sys.stdout.flush()


if __name__ == "__main__":
    main()
