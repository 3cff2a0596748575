"""The per-link limit through real HTTP: only stored reports spend it, so refusals reveal
nothing about how many reports others sent (P2: no arrival times leak through the limit),
and a refused member gets every answer back with an honest wait."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from server.models import Report
from tests.factories import answers, submit_form

PER_LINK = 2


pytestmark = pytest.mark.app_settings(rate_limit_per_link=PER_LINK, burst_limit=0)


def _stored(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Report)).one()


def test_P2_only_stored_reports_spend_a_links_allowance(live_server, network, session):
    _, token = network
    bearer = {"Authorization": f"Bearer {token}"}
    with live_server.client() as client:
        # Invalid, repeated and junk submissions through the form and the API: none stored.
        for _ in range(3):
            assert submit_form(client, token, place="Nowhere-at-all-x").status_code == 422
            assert submit_form(client, token, setting="castle").status_code == 422
            bad = client.post("/api/v1/reports", json=answers(officers="many"), headers=bearer)
            assert bad.status_code == 422
        assert client.post(f"/r/{token}", data=answers()).status_code == 422  # no form token
        assert _stored(session) == 0
        # The whole allowance is still there for real reports...
        assert submit_form(client, token).status_code == 303
        stored = client.post("/api/v1/reports", json=answers(place="N16"), headers=bearer)
        assert stored.status_code == 201
        # ...and only then is the link paused, with how long to wait.
        refused = client.post("/api/v1/reports", json=answers(place="M14"), headers=bearer)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert submit_form(client, token).status_code == 429
    assert _stored(session) == PER_LINK


def test_a_refused_member_gets_the_form_back_with_every_answer_and_the_wait(
    live_server, network, session
):
    _, token = network
    mine = {
        "occurred_on": (date.today() - timedelta(days=2)).isoformat(),
        "time_of_day": "evening",
        "place": "Hackney",
        "setting": "transport",
        "officers": "11+",
        "vehicles": "4+",
        "detained": "2-5",
        "source": "told_by_witness",
    }
    with live_server.client() as client:
        for _ in range(PER_LINK):
            assert submit_form(client, token).status_code == 303
        refused = submit_form(client, token, **mine)
    assert refused.status_code == 429
    page = refused.text
    assert "Not sent yet" in page and "Nothing was saved yet" in page
    minutes = re.search(r"again in about (a|\d+) minutes?", page)
    assert minutes and (minutes.group(1) == "a" or 1 <= int(minutes.group(1)) <= 60)
    assert f'value="{mine["occurred_on"]}"' in page and 'value="Hackney"' in page
    for field in ("time_of_day", "setting", "officers", "vehicles", "detained", "source"):
        assert re.search(rf'name="{field}"[^>]* value="{re.escape(mine[field])}" checked', page), (
            field
        )
    assert 'name="form_token"' in page  # a fresh token: pressing Send again works later
    assert "<script" not in page.lower()
    assert _stored(session) == PER_LINK


def test_a_spent_link_is_refused_before_its_body_is_read(live_server, network, session):
    """The cheapest refusal: a link over its allowance is answered from its hash, before the
    body is parsed (junk gets the 429, not a 422) and before the database is asked."""
    _, token = network
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    junk = b'{"not": json'
    with live_server.client() as client:
        assert client.post("/api/v1/reports", content=junk, headers=bearer).status_code == 422
        for place in ("E8", "N16"):
            stored = client.post("/api/v1/reports", json=answers(place=place), headers=bearer)
            assert stored.status_code == 201
        refused = client.post("/api/v1/reports", content=junk, headers=bearer)
        stranger = client.post(
            "/api/v1/reports",
            content=junk,
            headers={**bearer, "Authorization": "Bearer " + "x" * 22},
        )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert stranger.status_code == 401  # an unknown link is never "over its limit"
    assert _stored(session) == PER_LINK
