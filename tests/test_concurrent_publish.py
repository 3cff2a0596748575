"""Two `raidwatch publish` started together, round after round: both exit 0 without a
traceback, each due week is released exactly once, and the maps are drawn whole.

The crash this guards against: both processes drew the maps and wrote the same
``<name>.html.partial`` file, and the second rename found it gone. Publishing and drawing
now run under the publishing-job lock (server.locking.publishing_job); the second command
waits for the first, then finds nothing due. Each round starts without maps, so a command
that did not wait would draw them too.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta

import pytest

from server.config import PROJECT_ROOT
from server.db import get_engine
from server.locking import publishing_job
from server.maps.drawing import NAMES
from server.publishing.jobs import publish_and_purge
from server.weeks import iso_week
from tests.factories import add_incidents, make_network
from tests.synthetic import RAIDWATCH, cli_env, table_rows
from tests.together import start_together

MONDAY = date(2026, 1, 5)  # 2026-W02
DUE = MONDAY + timedelta(days=9)
ROUNDS = 10

pytestmark = pytest.mark.pub(k=3)


def test_two_publishers_round_after_round(pub, session, tmp_path):
    net = make_network(session)
    for week in range(ROUNDS):
        add_incidents(session, net, day=MONDAY + timedelta(weeks=week), count=3)
    released: list[str] = []
    for number in range(ROUNDS):
        as_of = DUE + timedelta(weeks=number)
        argv = ["publish", "--as-of", as_of.isoformat()]
        for old in pub.maps_dir.glob("*"):  # no maps yet: each command would draw them
            old.unlink()
        procs = start_together([argv, argv], env=cli_env(pub), folder=tmp_path / f"round-{number}")
        outputs = [proc.communicate(timeout=300) for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0], outputs
        assert all("Traceback" not in err for _, err in outputs), outputs
        for out, _ in outputs:
            if out.startswith("released "):
                released += out.removeprefix("released ").strip().split(", ")
            else:
                assert out.strip() == "nothing due", outputs
        assert released[-1] == iso_week(MONDAY + timedelta(weeks=number))
        assert sorted(p.name for p in pub.maps_dir.iterdir()) == sorted(
            f"{name}.html" for name in NAMES
        )
    weeks = [row.week for row in table_rows(pub, "SELECT week FROM releases")]
    assert len(weeks) == len(set(weeks)) == 11 + ROUNDS  # 11 empty weeks before the first
    assert sorted(released) == sorted(weeks)  # each week released by exactly one process


def test_a_command_waits_for_a_publishing_job_in_progress(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=3)
    with publishing_job(get_engine(pub), wait=False) as taken:
        assert taken
        proc = subprocess.Popen(
            [*RAIDWATCH, "publish", "--as-of", DUE.isoformat()],
            env={**os.environ, **cli_env(pub)},
            cwd=PROJECT_ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stderr is not None
        line = proc.stderr.readline()  # blocks until the command says it is waiting
        assert line.strip() == "raidwatch: another publisher is running; waiting for it to finish"
        assert proc.poll() is None
        assert table_rows(pub, "SELECT week FROM releases") == []
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert out.strip().endswith(iso_week(MONDAY))
    assert len(table_rows(pub, "SELECT week FROM releases")) == 12


def test_a_scheduler_run_leaves_a_job_in_progress_alone(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=3)
    with publishing_job(get_engine(pub), wait=False) as taken:
        assert taken
        with publishing_job(get_engine(pub), wait=False) as second:
            assert not second
        publish_and_purge(settings=pub, today=DUE)  # returns at once: the job is taken
        assert table_rows(pub, "SELECT week FROM releases") == []
    publish_and_purge(settings=pub, today=DUE)
    assert len(table_rows(pub, "SELECT week FROM releases")) == 12
