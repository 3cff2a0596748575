"""Start several `raidwatch` processes at the same moment, as replicas and cron jobs do.

Each process first does its slow imports, says so with a file of its own, then waits for a
start file to appear, then runs its command: so they reach the database together instead
of staggered by import times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from server.config import PROJECT_ROOT

_WAIT_THEN_RUN = """
import os, sys, time
from pathlib import Path
import server.app, server.cli, server.publishing.jobs  # the slow imports, before the line
Path(os.environ["RAIDWATCH_TEST_READY_FILE"]).touch()
go = Path(os.environ["RAIDWATCH_TEST_START_FILE"])
while not go.exists():
    time.sleep(0.002)
from server.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def start_together(
    commands: list[list[str]], *, env: dict[str, str], folder: Path
) -> list[subprocess.Popen[str]]:
    """Start `raidwatch ARGV` for each of `commands` (files go in `folder`), all released
    at once when every one has imported (or one has already died)."""
    folder.mkdir(parents=True, exist_ok=True)
    start = folder / "start"
    ready = [folder / f"ready-{i}" for i in range(len(commands))]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WAIT_THEN_RUN, *argv],
            env={
                **os.environ,
                **env,
                "RAIDWATCH_TEST_START_FILE": str(start),
                "RAIDWATCH_TEST_READY_FILE": str(flag),
            },
            cwd=PROJECT_ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for argv, flag in zip(commands, ready, strict=True)
    ]
    while not all(f.exists() for f in ready) and all(p.poll() is None for p in procs):
        time.sleep(0.01)
    start.touch()
    return procs
