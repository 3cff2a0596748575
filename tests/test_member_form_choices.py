"""The form says what it is and asks plainly: not an alert line (with the network's own
emergency text), the day as Today / Yesterday / 2 days ago / Earlier, where versus what
kind of place, errors in field order with links that land on inputs, receipt lines that
match the network."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from server.intake.fields import CHOICES, FIELDS
from server.models import Report
from tests.factories import answers, confirm, form_token


def _post(client, token, **fields):
    """Send the form; when it is understood, press "Send report" on the confirmation."""
    page = client.get(f"/r/{token}")
    data = {k: str(v) for k, v in fields.items() if v is not None}
    data["form_token"] = form_token(page.text)
    response = client.post(f"/r/{token}", data=data)
    if response.status_code == 200 and 'name="confirm" value="yes"' in response.text:
        return confirm(client, token, response)
    return response


def _form_answers(**overrides):
    """Answers as the form sends them: a day choice, and a date only for "Earlier"."""
    values = answers(**{"occurred_on": None, "day": "1", **overrides})
    return values


def _ago(today, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("day", "offset"), [("0", 0), ("1", 1), ("2", 2)])
def test_today_yesterday_and_two_days_ago_store_that_day(
    live_server, network, session, settings, day, offset
):
    _, token = network
    with live_server.client() as client:
        response = _post(client, token, **_form_answers(day=day))
    assert response.status_code == 303
    report = session.exec(select(Report)).one()
    assert report.occurred_on == settings.today() - timedelta(days=offset)


def test_earlier_takes_the_date_and_checks_it_like_the_api(live_server, network, session, settings):
    _, token = network
    today = settings.today()
    with live_server.client() as client:
        no_date = _post(client, token, **_form_answers(day="earlier"))
        future = _post(client, token, **_form_answers(day="earlier", occurred_on=_ago(today, -1)))
        too_old = _post(client, token, **_form_answers(day="earlier", occurred_on=_ago(today, 31)))
        nothing = _post(client, token, **_form_answers(day=""))
        ok = _post(client, token, **_form_answers(day="earlier", occurred_on=_ago(today, 30)))
    assert no_date.status_code == future.status_code == too_old.status_code == 422
    assert "For an earlier day, enter the date" in no_date.text
    assert "in the future" in future.text
    assert "last 30 days" in too_old.text
    # A wrong date links to the date box; no day at all links to the first choice.
    assert '<a href="#occurred_on-date">' in future.text
    assert '<a href="#occurred_on">' in nothing.text
    assert 'id="occurred_on" value="0"' in nothing.text
    assert ok.status_code == 303
    assert session.exec(select(Report)).one().occurred_on == today - timedelta(days=30)


def test_the_form_shows_the_day_choices_and_no_bare_date_field(live_server, network):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}").text
    for value in ("0", "1", "2", "earlier"):
        assert 'name="day"' in page and f'value="{value}"' in page
    assert page.count('type="date"') == 1
    assert "If earlier: which date?" in page


@pytest.mark.parametrize("setting", ["health", "school", "council_office", "bank", "shop"])
def test_new_settings_are_accepted_by_the_form_and_the_api(live_server, network, session, setting):
    _, token = network
    with live_server.client() as client:
        form = _post(client, token, **_form_answers(setting=setting))
        api = client.post(
            "/api/v1/reports",
            json=answers(setting=setting, place="M14"),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert form.status_code == 303 and api.status_code == 201
    assert [r.setting for r in session.exec(select(Report))] == [setting, setting]


def test_the_api_schema_lists_exactly_the_form_settings(live_server):
    with live_server.client() as client:
        spec = client.get("/api/v1/openapi.json").json()
    schema = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]
    assert set(schema["schema"]["properties"]["setting"]["enum"]) == set(CHOICES["setting"])


def test_where_and_what_kind_of_place_are_two_questions(live_server, network):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}").text
    assert '<label for="place" class="label">Where did it happen?</label>' in page
    assert "<legend>What kind of place was it?</legend>" in page
    for label in ("A hospital or GP", "A school or college", "A council office or Jobcentre"):
        assert label in page


def test_the_form_says_it_alerts_nobody_and_what_to_do_in_an_emergency(
    live_server, network, session
):
    net, token = network
    with live_server.client() as client:
        default = client.get(f"/r/{token}").text
        net.emergency_text = "Call the Hackney hotline: 07700 900123"
        session.add(net)
        session.commit()
        custom = client.get(f"/r/{token}").text
    for page in (default, custom):
        top = page.split("<form", 1)[0]
        assert "This is not an alert line" in top and "nobody will come" in top
    assert "call 999 for an ambulance" in default
    assert "Call the Hackney hotline: 07700 900123" in custom
    assert "call 999 for an ambulance" not in custom


def test_error_summary_follows_field_order_and_links_land_on_inputs(live_server, network):
    _, token = network
    with live_server.client() as client:
        response = _post(
            client,
            token,
            day="",
            place="",
            setting="",
            source="",
            time_of_day="",
            officers="",
            vehicles="",
            detained="",
        )
    html = response.text
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    targets = re.findall(r'<a href="#([^"]+)">', summary)
    order = [name for name in FIELDS if name != "note"]
    assert targets == ["occurred_on" if n == "occurred_on" else n for n in order]
    for target in targets:
        element = re.search(rf'<(\w+)[^>]* id="{target}"', html)
        assert element and element.group(1) == "input", f"#{target} is an input"


def test_receipt_mentions_notes_only_when_notes_are_on(live_server, network, session):
    from server.intake.sealing import new_keypair

    net, token = network
    with live_server.client() as client:
        without = client.get(f"/r/{token}/received").text
        net.public_key, _ = new_keypair()
        session.add(net)
        session.commit()
        with_notes = client.get(f"/r/{token}/received").text
    assert "Your note" not in without and "your note" not in without
    assert "Your note, if you wrote one" in with_notes
    # Who can open it, said plainly: the network's organisers, never the server.
    assert (
        "Only your network's organisers can open your note, with a key this server never "
        "holds." in html.unescape(with_notes)
    )


def test_organisers_set_and_clear_the_emergency_text(live_server, network, session):
    from tests.organisers import add_organiser, csrf_token, logged_in

    net, token = network
    add_organiser(session, "org", networks=[net])
    url = f"/organise/networks/{net.id}/emergency"
    with live_server.client() as client:
        logged_in(client, "org")
        csrf = csrf_token(client)
        too_long = client.post(url, data={"csrf_token": csrf, "emergency_text": "x" * 401})
        saved = client.post(url, data={"csrf_token": csrf, "emergency_text": "  Ring  0800 123  "})
        session.refresh(net)
        assert saved.status_code == 303 and net.emergency_text == "Ring 0800 123"
        assert "Ring 0800 123" in client.get("/organise/networks").text
        assert "Ring 0800 123" in client.get(f"/r/{token}").text
        client.post(url, data={"csrf_token": csrf, "emergency_text": ""})
    assert too_long.status_code == 422 and "under 400 characters" in too_long.text
    session.refresh(net)
    assert net.emergency_text is None
