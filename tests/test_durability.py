"""Nothing acknowledged is ever lost: a report that got its 201 or its receipt survives the
server being killed (SIGKILL, no clean shutdown) and restarted, also when it is killed under
load, while reports are being stored in groups."""

from __future__ import annotations

import itertools
import os
import signal
import threading
from collections import Counter
from datetime import date, timedelta

import httpx
from sqlmodel import func, select

from server.models import Report
from tests.factories import answers, confirm, form_token
from tests.synthetic import serve


def test_acknowledged_reports_survive_a_killed_server(settings, network, session):
    _, token = network
    process, url = serve(settings)
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
            understood = client.post(f"/r/{token}", data=data)  # the confirmation step
            assert confirm(client, str(token), understood).status_code == 303
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # no shutdown, no checkpoint
        process.wait(10)
    process, url = serve(settings)  # restart on the same database
    try:
        assert httpx.get(url + "/healthz").status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 6


def _combination(i: int) -> dict[str, object]:
    """Report `i`'s answers: no two of the first 15,400 alike, so each can be found again."""
    places = ["E8", "N16", "LS6", "G42", "BT7", "M14", "B11", "SW9"]
    bands = ["night", "morning", "afternoon", "evening", "unknown"]
    settings = ["home", "workplace", "shop", "street", "transport", "health", "school"]
    settings += ["council_office", "bank", "reporting_centre", "other"]
    officers = ["1-2", "3-5", "6-10", "11+", "unknown"]
    i, place = divmod(i, len(places))
    i, days_ago = divmod(i, 7)
    i, band = divmod(i, len(bands))
    officer, setting = divmod(i, len(settings))
    return answers(
        place=places[place],
        occurred_on=(date.today() - timedelta(days=days_ago)).isoformat(),
        time_of_day=bands[band],
        setting=settings[setting],
        officers=officers[officer % len(officers)],
    )


def _key(facts: dict[str, object]) -> tuple[str, ...]:
    fields = ("occurred_on", "time_of_day", "setting", "officers")
    return (str(facts["place"]), *(str(facts[f]) for f in fields))


def test_acknowledged_reports_survive_a_server_killed_under_load(settings, network, session):
    """Sixteen members send at once, so reports are stored in groups (group commit), and
    the server is killed while groups are being written: every report that got its 201 is
    in the database after the restart; the others may or may not be, never twice."""
    _, token = network
    # All members send from 127.0.0.1, so the per-sender burst limit is off, and so is the
    # per-link one: every refusal here would be a report the test cannot count.
    unlimited = {"RAIDWATCH_BURST_LIMIT": "0", "RAIDWATCH_RATE_LIMIT_PER_LINK": "0"}
    process, url = serve(settings, **unlimited)
    acknowledged: list[tuple[str, ...]] = []
    sent = itertools.count()
    enough, lock = threading.Event(), threading.Lock()

    def member() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while True:
                i = next(sent)
                facts = _combination(i)
                try:
                    response = client.post(
                        "/api/v1/reports", json=facts, headers={"Authorization": f"Bearer {token}"}
                    )
                except httpx.TransportError:
                    return  # killed mid-request: not acknowledged
                if response.status_code != 201:
                    return
                with lock:
                    acknowledged.append(_key(facts))
                    if len(acknowledged) >= 150:
                        enough.set()

    members = [threading.Thread(target=member) for _ in range(16)]
    for thread in members:
        thread.start()
    try:
        enough.wait(120)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # mid-flight: groups waiting and committing
        process.wait(10)
    for thread in members:
        thread.join(60)
    assert len(acknowledged) >= 150
    process, url = serve(settings)  # restart on the same database
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    session.expire_all()
    rows = session.exec(
        select(
            Report.district, Report.occurred_on, Report.time_of_day, Report.setting, Report.officers
        )
    ).all()
    stored = Counter(
        (d, day.isoformat(), band, setting, officers) for d, day, band, setting, officers in rows
    )
    assert all(count == 1 for count in stored.values())  # none stored twice
    assert not set(acknowledged) - set(stored)  # every acknowledged report is there
    assert len(stored) <= next(sent)  # nothing stored that was not sent
