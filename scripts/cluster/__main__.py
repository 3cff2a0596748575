"""The compose topology, run here from Debian's packages, and what it must prove.

    scripts/cluster-test            (make test runs it after the PostgreSQL run)

Three `raidwatch serve` replicas start at once on a fresh PostgreSQL database, with Redis
for shared counters and nginx in front with deploy/nginx.conf (upstream pointed at them).
Every replica runs the scheduler, as in docker-compose.yml. Reports go through nginx from
concurrent clients while one replica is killed with SIGKILL and started again; then two
`raidwatch publish` run at once. Checked and printed: every acknowledged report stored
exactly once, exactly one release per due week, a TOTP code opening one login on any
replica, the same map bytes from every replica, the login throttle shared by the replicas,
the proxy's header and compression rules. Exits 1 if any check fails. The database is
dropped and the processes stopped at the end.

Environment: RAIDWATCH_TEST_DATABASE_URL (the PostgreSQL server to create the database
on), RAIDWATCH_CLUSTER_REDIS (default redis://127.0.0.1:6379/9),
RAIDWATCH_CLUSTER_REPORTS (default 400), RAIDWATCH_CLUSTER_KEEP=1 keeps the run's folder.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scripts.cluster import checks
from scripts.cluster.checks import Check
from scripts.cluster.load import drive
from scripts.cluster.parts import Cluster, Database, redis_reachable, tail

KILLED = 1  # the replica that is killed mid-load and started again
WORKERS = 8


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def finish(proc: subprocess.Popen, timeout: float = 240) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return -9, out or ""
    return proc.returncode, out or ""


def start_together(cluster: Cluster, password: str, username: str) -> tuple[Check, list[str]]:
    """Replicas and the first operator commands, all at once on the empty database; returns
    the check and the commands' outputs (a command that failed is run again, to go on)."""
    commands = {
        "network": (("network", "create", "Cluster test"), ""),
        "organiser": (("organiser", "create", username, "--admin"), password + "\n"),
    }
    for index in range(cluster.replicas):
        cluster.start_replica(index)
    running = {name: cluster.command(name, *args, stdin=i) for name, (args, i) in commands.items()}
    problems = []
    for index in range(cluster.replicas):
        if not cluster.wait_ready(index):
            problems.append(f"replica {index} did not start:\n{tail(cluster.replica_log(index))}")
            cluster.start_replica(index)  # go on, so the other checks still run
            if not cluster.wait_ready(index):
                log = tail(cluster.replica_log(index))
                raise SystemExit(f"replica {index} failed twice:\n{log}")
    outputs = []
    for name, (args, stdin) in commands.items():
        code, out = finish(running[name])
        if code != 0:
            log = tail(cluster.folder / f"cli-{name}.log")
            problems.append(f"`raidwatch {' '.join(args[:2])}` exited {code}:\n{log}")
            code, out = finish(cluster.command(name, *args, stdin=stdin))
            if code != 0:
                raise SystemExit(f"`raidwatch {' '.join(args[:2])}` failed twice")
        outputs.append(out)
    detail = "; ".join(problems) or (
        f"{cluster.replicas} replicas and {len(commands)} commands started at once on an "
        "empty database"
    )
    return Check("all replicas start at once on a fresh database", not problems, detail), outputs


def kill_and_restart(cluster: Cluster, events: list[str]) -> Callable[[], None]:
    def act() -> None:
        cluster.kill_replica(KILLED)
        events.append(f"replica {KILLED} killed (SIGKILL) at a third of the load")
        cluster.start_replica(KILLED)

    return act


def run(cluster: Cluster, reports: int) -> list[Check]:
    results: list[Check] = []
    username = f"cluster-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(24)
    say(f"starting {cluster.replicas} replicas and 2 commands at once on {cluster.database.name}")
    started, (network_out, organiser_out) = start_together(cluster, password, username)
    results.append(started)
    link = re.search(r"/r/[\w-]+", network_out)
    secret = re.search(r"secret=([A-Z2-7]+)", organiser_out)
    if not link or not secret:
        raise SystemExit(f"no member link or TOTP secret in:\n{network_out}\n{organiser_out}")
    cluster.start_nginx()
    if not cluster.nginx_ready():
        raise SystemExit(f"nginx did not start:\n{tail(cluster.folder / 'nginx.log')}")
    say(f"nginx on {cluster.proxy_url} -> replicas on ports {cluster.ports}")

    today = datetime.now(ZoneInfo("Europe/London")).date()
    events: list[str] = []
    headers = checks.canaries()
    cluster.secrets = sorted({*headers.values(), link.group(0)})
    say(f"{reports} reports through nginx from {WORKERS} clients")
    began = time.monotonic()
    outcome = drive(
        base_url=cluster.proxy_url,
        token=link.group(0).removeprefix("/r/"),
        count=reports,
        workers=WORKERS,
        today=today,
        at_third=kill_and_restart(cluster, events),
        canaries=headers,
    )
    say(f"load done in {time.monotonic() - began:.1f} s; {'; '.join(events)}")
    restarted = cluster.wait_ready(KILLED)
    results.append(
        Check(
            "the killed replica comes back",
            restarted and bool(events),
            f"replica {KILLED} killed mid-load and "
            + ("serving again" if restarted else f"not back:\n{tail(cluster.replica_log(KILLED))}"),
        )
    )
    stored, figures = checks.stored_once(cluster.database, outcome)
    results.append(stored)

    say("two `raidwatch publish` at once")
    publishers = [cluster.command(f"publish-{n}", "publish") for n in (1, 2)]
    finished = [finish(proc) for proc in publishers]
    notes = [
        f"exit {code}: {out.strip() or tail(cluster.folder / f'cli-publish-{n}.log', 4)}"
        for n, (code, out) in enumerate(finished, 1)
    ]
    expected = checks.expected_weeks(outcome, today)
    results.append(checks.one_release_per_week(cluster.database, expected, notes))

    say("maps through each replica, login throttle round-robin, proxy headers")
    results.extend(checks.same_maps(cluster, username, password, secret.group(1)))
    results.extend(checks.throttle_shared(cluster, username))
    results.append(checks.proxy_headers(cluster, link.group(0)))
    summary = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())
    say(f"figures: {summary}")
    return results


def main() -> int:
    admin_url = os.environ.get(
        "RAIDWATCH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    redis_url = os.environ.get("RAIDWATCH_CLUSTER_REDIS", "redis://127.0.0.1:6379/9")
    reports = int(os.environ.get("RAIDWATCH_CLUSTER_REPORTS", "400"))
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        print("cluster test: nginx is missing (apt-get install nginx)")
        return 1
    if not redis_reachable(redis_url):
        print(f"cluster test: Redis is not reachable at {redis_url}")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="raidwatch-cluster-"))
    database = Database(admin_url=admin_url, name=f"raidwatch_cluster_{os.getpid()}")
    cluster = Cluster(folder=folder, database=database, redis_url=redis_url)
    began = time.monotonic()
    try:
        try:
            database.create()
            results = run(cluster, reports)
        finally:
            cluster.stop()
            database.drop()
        # Every process has stopped, so its output is complete.
        results.append(checks.nothing_kept(folder, cluster.secrets))
    finally:
        if os.environ.get("RAIDWATCH_CLUSTER_KEEP") == "1":
            print(f"cluster test: output kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\ncluster test ({time.monotonic() - began:.0f} s):")
    for check in results:
        print(f"  {'PASS' if check.ok else 'FAIL'}  {check.name}\n        {check.detail}")
    failed = [c for c in results if not c.ok]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
