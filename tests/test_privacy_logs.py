"""P1 in logs when things go wrong: database errors during requests, a real server's stderr,
uvicorn at trace level, and a graceful stop that leaves no WAL behind (P2).

The database is broken under a running server (the reports table renamed away), so a
report's INSERT fails with an SQL error that quotes its statement; the captured logs must
still hold no traceback, no SQL, no parameter and no canary.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.db import get_engine
from tests.conftest import PG_URL, free_port
from tests.factories import answers, submit_form
from tests.synthetic import serve, table_rows

ADDRESS_CANARY = "127.77.66.55"
PARAMETER_CANARY = "zq-parameter-canary-51"
LEAKS = ("Traceback", "[SQL", "[parameters", "INSERT INTO", "reporting_centre", "11+")


def break_reports_table(settings) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(text("ALTER TABLE reports RENAME TO reports_aside"))


def failing_submissions(client: httpx.Client, token: str) -> None:
    """A report through the API and one through the form; both must fail plainly."""
    body = answers(setting="reporting_centre", officers="11+")
    api = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 500
    assert "Traceback" not in api.text and "INSERT" not in api.text
    form = submit_form(client, token, setting="reporting_centre", officers="11+")
    assert form.status_code == 500 and "Nothing was saved" in form.text
    assert form.headers["x-content-type-options"] == "nosniff"  # still behind the headers


def assert_clean(logs: str, *canaries: str) -> None:
    for leak in LEAKS + canaries:
        assert leak not in logs, f"{leak!r} reached a log"


def stored_cell(settings) -> str:
    return table_rows(settings, "SELECT cell FROM reports")[0].cell


def test_P1_database_errors_leave_no_traceback_or_parameter_in_logs(
    live_server, network, settings, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    _, token = network
    with live_server.client() as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/v1/reports", json=answers(), headers=headers).status_code == 201
        cell = stored_cell(settings)  # the storage cell every following INSERT carries
        break_reports_table(settings)
        failing_submissions(client, token)
    out, err = capfd.readouterr()
    logs = out + err + caplog.text
    assert "unhandled" in logs  # the type is logged, nothing else
    assert_clean(logs, cell, token)


def test_P1_database_errors_never_quote_parameters(settings):
    with pytest.raises(SQLAlchemyError) as failure:
        with get_engine(settings).begin() as conn:
            conn.execute(text("INSERT INTO no_such_table VALUES (:x)"), {"x": PARAMETER_CANARY})
    assert PARAMETER_CANARY not in str(failure.value)


def stop_gracefully(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    # uvicorn shuts down (lifespan included), then re-raises the signal it caught.
    assert process.wait(60) in (0, -signal.SIGTERM)


def test_P1_a_real_server_logs_no_traceback_parameter_or_token(settings, network, tmp_path):
    _, token = network
    stderr = tmp_path / "stderr.log"
    process, url = serve(settings, stderr=stderr)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert (
                client.post("/api/v1/reports", json=answers(), headers=headers).status_code == 201
            )
            cell = stored_cell(settings)
            break_reports_table(settings)
            failing_submissions(client, token)
    finally:
        stop_gracefully(process)
    logs = stderr.read_text()
    assert "unhandled" in logs
    # The server's own address is announced at start; a client's never appears.
    logs = "\n".join(line for line in logs.splitlines() if " on http:" not in line)
    assert_clean(logs, cell, token, "GET /", "POST /", "127.0.0.1")


def test_P2_a_graceful_stop_leaves_no_wal_behind(settings, network, tmp_path):
    if PG_URL:
        pytest.skip("PostgreSQL's WAL is the server's (see README: residue)")
    _, token = network
    process, url = serve(settings, stderr=tmp_path / "stderr.log")
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(5):
                created = client.post(
                    "/api/v1/reports", json=answers(), headers={"Authorization": f"Bearer {token}"}
                )
                assert created.status_code == 201
    finally:
        stop_gracefully(process)
    path = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert len(table_rows(settings, "SELECT id FROM reports")) == 5  # all kept


def test_P1_uvicorn_at_trace_level_prints_no_client_address_or_token(app, network, capfd):
    """Even `uvicorn --log-level trace` with uvicorn's own logging config stays clean."""
    _, token = network
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="trace"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    transport = httpx.HTTPTransport(local_address=ADDRESS_CANARY)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport) as client:
            assert client.get(f"/r/{token}").status_code == 200
            assert client.get(f"/r/{token}?x=1", headers={"Upgrade": "websocket"}).status_code
            created = client.post(
                "/api/v1/reports", json=answers(), headers={"Authorization": f"Bearer {token}"}
            )
            assert created.status_code == 201
    finally:
        server.should_exit = True
        thread.join(5)
    out, err = capfd.readouterr()
    logs = out + err
    assert "Uvicorn running" in logs or "Started server process" in logs  # logging was on
    assert_clean(logs, ADDRESS_CANARY, token, "/r/", "/api/v1/reports")
