"""Nothing acknowledged is ever lost: a report that got its 201 or its receipt survives the
server being killed (SIGKILL, no clean shutdown) and restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
from sqlmodel import func, select

from server.models import Report
from tests.conftest import free_port
from tests.factories import answers, form_token
from tests.synthetic import RAIDWATCH, cli_env


def _serve(settings) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **cli_env(settings)}
    process = subprocess.Popen(
        [*RAIDWATCH, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not start")


def test_acknowledged_reports_survive_a_killed_server(settings, network, session):
    _, token = network
    process, url = _serve(settings)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(5):
                created = client.post(
                    "/api/v1/reports", json=answers(), headers={"Authorization": f"Bearer {token}"}
                )
                assert created.status_code == 201
            page = client.get(f"/r/{token}")
            data = {k: str(v) for k, v in answers(place="M14").items()}
            data["form_token"] = form_token(page.text)
            assert client.post(f"/r/{token}", data=data).status_code == 303
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # no shutdown, no checkpoint
        process.wait(10)
    process, url = _serve(settings)  # restart on the same database
    try:
        assert httpx.get(url + "/healthz").status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 6
