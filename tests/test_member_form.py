"""The member form through real HTTP: success, every field's errors, links, limits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from server.models import Report
from tests.factories import answers, confirm, form_token, preview_form, submit_form


def count_reports(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Report)).one()


def test_form_renders_without_javascript(live_server, network):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.text.lower()
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html, "nothing from another host"
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    for name in (
        "occurred_on",
        "time_of_day",
        "place",
        "setting",
        "officers",
        "vehicles",
        "detained",
        "source",
    ):
        assert f'name="{name}"' in page.text
    assert 'name="note"' not in page.text, "no note field without a network key"


def test_valid_report_redirects_to_receipt_and_is_stored(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, place="E8 3RL")
        assert response.status_code == 303
        assert response.headers["location"] == f"/r/{token}/received?lang=en"
        receipt = client.get(response.headers["location"])
    assert receipt.status_code == 200
    assert "What we did not keep" in receipt.text
    # Admins moderate every network (organising.moderation): the receipt says so.
    assert "administrators who run this service can see the reports of every network" in (
        receipt.text
    )
    report = session.exec(select(Report)).one()
    assert report.district == "E8"
    assert len(report.cell) == 15
    assert report.setting == "workplace" and report.time_of_day == "morning"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_on", "", "Choose the day"),
        ("occurred_on", "yesterday", "year-month-day"),
        ("occurred_on", (date.today() + timedelta(days=2)).isoformat(), "in the future"),
        ("occurred_on", (date.today() - timedelta(days=40)).isoformat(), "last 30 days"),
        ("time_of_day", "", "time of day"),
        ("time_of_day", "dawn", "Choose one of the options"),
        ("place", "", "postcode district"),
        ("place", "Xyzzyville Upon Nowhere", "could not find"),
        ("place", "ZZ99", "could not find"),
        ("setting", "", "what kind of place"),
        ("setting", "castle", "Choose one of the options"),
        ("officers", "", "how many officers"),
        ("officers", "100", "Choose one of the options"),
        ("vehicles", "", "how many vehicles"),
        ("vehicles", "many", "Choose one of the options"),
        ("detained", "", "how many people"),
        ("detained", "lots", "Choose one of the options"),
        ("source", "", "how you know"),
        ("source", "rumour", "Choose one of the options"),
    ],
)
def test_each_bad_field_gets_its_own_message_and_stores_nothing(
    live_server, network, session, field, value, message
):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, **{field: value})
    assert response.status_code == 422
    html = response.text
    # The message sits inside the field's own block, right after its label/legend.
    block_start = html.index(f'id="{field}-field"')
    error_at = html.index(f'id="{field}-error"')
    assert block_start < error_at < block_start + 1500
    assert message.lower() in html.lower()
    assert count_reports(session) == 0


def test_values_are_kept_when_the_form_is_re_rendered(live_server, network):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, setting="", place="M14", officers="6-10")
    assert response.status_code == 422
    assert 'value="M14"' in response.text
    assert 'value="6-10" checked' in response.text


def test_ambiguous_place_offers_choices_and_a_choice_is_accepted(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, place="Newport")
        assert response.status_code == 422
        assert 'name="place_choice"' in response.text
        import re

        keys = re.findall(r'name="place_choice"[^>]*value="([^"]+)"', response.text)
        assert len(keys) >= 2
        data = {k: str(v) for k, v in answers(place="Newport").items()}
        data["place_choice"] = keys[0]
        data["form_token"] = form_token(response.text)
        understood = client.post(f"/r/{token}", data=data)
        assert "Newport, Wales (NP20)" in understood.text
        assert count_reports(session) == 0
        accepted = confirm(client, token, understood)
    assert accepted.status_code == 303
    assert count_reports(session) == 1


def test_unknown_and_rotated_links_are_plain_404s(live_server, network, session, settings):
    from server.networks.links import rotate_link

    net, token = network
    with live_server.client() as client:
        assert client.get("/r/not-a-real-token-at-all").status_code == 404
        rotate_link(session=session, network=net, key=settings.key())
        old = client.get(f"/r/{token}")
        assert old.status_code == 404
        assert "does not work" in old.text
        posted = client.post(f"/r/{token}", data={k: str(v) for k, v in answers().items()})
        assert posted.status_code == 404
    assert count_reports(session) == 0


def test_same_form_submitted_twice_stores_one_report(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        page = preview_form(client, token)
        first = confirm(client, token, page)
        second = confirm(client, token, page)
    assert first.status_code == second.status_code == 303
    assert count_reports(session) == 1


def test_forged_form_token_is_refused(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        data = {k: str(v) for k, v in answers().items()}
        data["form_token"] = "forged"
        response = client.post(f"/r/{token}", data=data)
    assert response.status_code == 422
    assert "expired" in response.text
    assert count_reports(session) == 0


def test_honeypot_stores_nothing(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, website="http://spam.example")
    assert response.status_code == 422
    assert count_reports(session) == 0


def test_per_link_rate_limit_answers_429_plainly(settings, network, session):
    from fastapi.testclient import TestClient

    from server.app import create_app

    settings.rate_limit_per_link = 3
    settings.burst_limit = 0
    _, token = network
    with TestClient(create_app(settings), follow_redirects=False) as client:
        codes = [submit_form(client, token).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    assert count_reports(session) == 3


def test_burst_limit_is_per_sender(settings, network, session):
    from fastapi.testclient import TestClient

    from server.app import create_app

    settings.rate_limit_per_link = 0
    settings.burst_limit = 2
    _, token = network
    with TestClient(create_app(settings), follow_redirects=False) as client:
        responses = [submit_form(client, token) for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 429]
    assert "Not sent yet" in responses[-1].text and "about a minute" in responses[-1].text
    assert count_reports(session) == 2


def test_notes_are_offered_only_with_a_key(live_server, network, session):
    from server.intake.sealing import new_keypair

    net, token = network
    net.public_key, _ = new_keypair()
    session.add(net)
    session.commit()
    with live_server.client() as client:
        page = client.get(f"/r/{token}")
        assert 'name="note"' in page.text
        too_long = submit_form(client, token, note="x" * 1001)
        assert too_long.status_code == 422 and "under 1000 characters" in too_long.text
        ok = submit_form(client, token, note="Two vans outside the car wash")
    assert ok.status_code == 303
    report = session.exec(select(Report)).one()
    assert report.sealed_note and b"car wash" not in report.sealed_note


def test_limits_can_be_shared_through_redis(settings, network, session):
    """Several replicas share counters through Redis (memory only there, nothing on disk)."""
    import redis
    from fastapi.testclient import TestClient

    from server.app import create_app

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.rate_limit_storage = "redis://127.0.0.1:6379"
    settings.rate_limit_per_link = 2
    settings.burst_limit = 0
    _, token = network
    replicas = [create_app(settings), create_app(settings)]
    replicas[0].state.limits.reset()
    codes = []
    for app in replicas + replicas[:1]:
        with TestClient(app, follow_redirects=False) as client:
            codes.append(submit_form(client, token).status_code)
    assert codes == [303, 303, 429]
    replicas[0].state.limits.reset()


def test_spent_form_tokens_are_dropped_when_the_day_changes(settings, session):
    """P2: the anti-replay table holds hashes only, and the scheduler empties it daily."""
    from datetime import timedelta

    from server.housekeeping.jobs import new_day
    from server.models import UsedFormToken
    from server.scheduler import Scheduler

    session.add(UsedFormToken(token_hash="a" * 64))
    session.commit()
    scheduler = Scheduler(settings, new_day_jobs=[new_day])  # as `raidwatch serve` builds it
    scheduler.tick(now_hour=0, today=scheduler._day)
    assert session.exec(select(func.count()).select_from(UsedFormToken)).one() == 1
    scheduler.tick(now_hour=0, today=scheduler._day + timedelta(days=1))
    session.expire_all()
    assert session.exec(select(func.count()).select_from(UsedFormToken)).one() == 0


def test_a_form_from_yesterday_is_refused_but_keeps_the_answers(
    live_server, network, session, settings
):
    from server.intake import formtoken

    _, token = network
    stale = formtoken.issue(key=settings.key(), today=settings.today() - timedelta(days=1))
    data = {k: str(v) for k, v in answers(place="LS6").items()}
    data["form_token"] = stale
    with live_server.client() as client:
        response = client.post(f"/r/{token}", data=data)
    assert response.status_code == 422
    assert "expired" in response.text and 'value="LS6"' in response.text
    assert count_reports(session) == 0
