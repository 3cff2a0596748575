"""Places people type, through real HTTP: the confirmation step, home areas, questions.

Nothing is stored until the member confirms the place they were shown; the confirmation
page carries the answers and the same one-time token, so it stores once however often
it is sent. The JSON API never guesses: it answers a question with 422 and choices.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from server.models import Network, Report
from tests.factories import (
    add_organiser,
    answers,
    confirm,
    hidden_fields,
    preview_form,
    submit_form,
)
from tests.organisers import csrf_token, logged_in


def reports(session) -> list[Report]:
    session.expire_all()
    return list(session.exec(select(Report)))


def set_home(session, network: Network, text: str) -> None:
    network.home_area = text
    session.add(network)
    session.commit()


def test_nothing_is_stored_before_confirmation_and_once_after(live_server, network, session):
    net, token = network
    set_home(session, net, "E, IG, Hackney")
    with live_server.client() as client:
        page = preview_form(client, token, place="Dalston")
        assert page.status_code == 200
        assert "Dalston, Hackney (E8)" in page.text  # what the words were understood as
        assert "<script" not in page.text
        assert reports(session) == []
        first = confirm(client, token, page)
        again = confirm(client, token, page)  # the back button, a flaky network
    assert first.status_code == again.status_code == 303
    stored = reports(session)
    assert [r.district for r in stored] == ["E8"]


def test_the_confirmation_page_keeps_every_answer(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        page = preview_form(client, token, place="Govanhill", officers="6-10", detained="2-5")
    fields = hidden_fields(page.text)
    expected = {k: str(v) for k, v in answers(place="Govanhill", officers="6-10").items()}
    expected["detained"] = "2-5"
    assert {k: fields[k] for k in expected} == expected
    assert fields["place_choice"].startswith("place:")
    assert "form_token" in fields
    assert "Govanhill, Glasgow (G42)" in page.text


def test_change_my_answers_returns_the_form_with_the_other_places(live_server, network, session):
    net, token = network
    set_home(session, net, "E")
    with live_server.client() as client:
        page = preview_form(client, token, place="Dalston", officers="11+")
        back = client.post(f"/r/{token}", data={**hidden_fields(page.text), "confirm": "edit"})
    assert back.status_code == 200
    assert 'value="Dalston"' in back.text and 'value="11+" checked' in back.text
    assert "Dalston, Cumbria, England (CA5)" in back.text  # the other Dalston, one tap away
    assert reports(session) == []


def test_a_tampered_confirmation_is_validated_again(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        page = preview_form(client, token, place="E8")
        data = {**hidden_fields(page.text), "confirm": "yes", "officers": "lots"}
        response = client.post(f"/r/{token}", data=data)
    assert response.status_code == 422
    assert reports(session) == []


def test_without_a_home_area_dalston_is_a_question_hackney_first(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = preview_form(client, token, place="Dalston")
    assert response.status_code == 422
    labels = re.findall(
        r'name="place_choice"[^>]* value="[^"]+"> <span dir="auto">([^<]+)</span></label>',
        response.text,
    )
    assert labels[:2] == ["Dalston, Hackney, London (E8)", "Dalston, Cumbria, England (CA5)"]
    assert reports(session) == []


def test_a_name_found_only_outside_the_home_area_is_asked_about_as_one_place(
    live_server, network, session
):
    net, token = network
    set_home(session, net, "E, IG, Hackney")
    with live_server.client() as client:
        response = preview_form(client, token, place="Govanhill")
    assert response.status_code == 422
    assert "found that name only outside your network&#39;s area" in response.text
    assert "Several places" not in response.text  # one choice is not "several"
    assert re.findall(r'name="place_choice"[^>]* value="([^"]+)"', response.text) != []
    assert len(re.findall(r'name="place_choice"', response.text)) == 1
    assert reports(session) == []


@pytest.mark.parametrize(
    "typed, question",
    [
        ("London", "Which part of London?"),
        ("Manchester", "Which part of Manchester?"),
        ("Caerdydd", "Which part of Caerdydd?"),
        ("Hackny", "Did you mean?"),
    ],
)
def test_a_whole_city_or_a_near_miss_asks(live_server, network, session, typed, question):
    _, token = network
    with live_server.client() as client:
        response = preview_form(client, token, place=typed)
    assert response.status_code == 422
    assert question in response.text
    assert reports(session) == []


def test_a_near_miss_offers_the_right_place_and_it_can_be_chosen(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = preview_form(client, token, place="Hackny")
        keys = re.findall(r'name="place_choice"[^>]* value="([^"]+)"', response.text)
        assert "place:hackney-london" in keys
        data = {k: str(v) for k, v in answers(place="Hackny").items()}
        data.update(place_choice="place:hackney-london", form_token=hidden_form_token(response))
        page = client.post(f"/r/{token}", data=data)
        assert "Hackney, London (E8)" in page.text
        assert confirm(client, token, page).status_code == 303
    assert [r.district for r in reports(session)] == ["E8"]


def hidden_form_token(response) -> str:
    return hidden_fields(response.text)["form_token"]


@pytest.mark.parametrize(
    "typed, district",
    [
        ("Belfast BT1", "BT1"),
        ("Casnewydd", "NP20"),
        ("Inbhir Nis", "IV2"),
        ("Newport Wales", "NP20"),
        ("Moss Side", "M16"),
    ],
)
def test_combinations_and_other_languages_are_understood(
    live_server, network, session, typed, district
):
    _, token = network
    with live_server.client() as client:
        response = submit_form(client, token, place=typed)
    assert response.status_code == 303, response.text
    assert [r.district for r in reports(session)] == [district]


# -- the JSON API: no silent guess --------------------------------------------------------


def post_api(client, token: str, **overrides: object):
    return client.post(
        "/api/v1/reports",
        json=answers(**overrides),
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    "typed, reason, label",
    [
        ("Dalston", "ambiguous", "Dalston, Hackney, London (E8)"),
        ("London", "whole", None),
        ("Hackny", "near_miss", "Hackney, London (E8)"),
        ("Nowhereville Xq", "unknown", None),
    ],
)
def test_api_questions_are_422_naming_place_with_choices(
    live_server, network, session, typed, reason, label
):
    _, token = network
    with live_server.client() as client:
        response = post_api(client, token, place=typed)
    assert response.status_code == 422
    (error,) = [e for e in response.json()["detail"] if e["field"] == "place"]
    assert error["reason"] == reason
    if label:
        assert error["choices"][0]["label"] == label
    assert reports(session) == []


def test_api_home_area_resolves_and_says_what_was_understood(live_server, network, session):
    net, token = network
    set_home(session, net, "London")
    with live_server.client() as client:
        response = post_api(client, token, place="Dalston")
    assert response.status_code == 201
    assert response.json() == {"status": "stored", "place": "Dalston, Hackney (E8)"}
    assert [r.district for r in reports(session)] == ["E8"]


# -- setting the home area: organiser page and command line ------------------------------


def test_organisers_set_the_home_area_on_the_networks_page(live_server, network, session, clients):
    net, _ = network
    add_organiser(session, "alice", networks=[net])
    alice = logged_in(clients(), "alice")
    url = f"/organise/networks/{net.id}/area"
    bad = alice.post(url, data={"home_area": "E, Atlantis", "csrf_token": csrf_token(alice)})
    assert bad.status_code == 422 and "Atlantis" in bad.text  # refused on the page itself
    good = alice.post(url, data={"home_area": "e, ig,  hackney", "csrf_token": csrf_token(alice)})
    assert good.status_code == 303
    session.expire_all()
    assert session.get(Network, net.id).home_area == "E, IG, hackney"
    assert 'value="E, IG, hackney"' in alice.get("/organise/networks").text


def test_cli_sets_and_clears_the_home_area(settings, session, network, monkeypatch, capsys):
    from tests.synthetic import run_cli

    net, _ = network
    code, out, _ = run_cli(
        monkeypatch, capsys, settings, "network", "set-area", net.slug, "E", "M14"
    )
    assert code == 0 and "E, M14" in out
    code, _, err = run_cli(monkeypatch, capsys, settings, "network", "set-area", net.slug, "Q9Z")
    assert code != 0 and "Q9Z" in err
    session.expire_all()
    assert session.get(Network, net.id).home_area == "E, M14"
    assert run_cli(monkeypatch, capsys, settings, "network", "set-area", net.slug)[0] == 0
    session.expire_all()
    assert session.get(Network, net.id).home_area == ""
    assert session.exec(select(func.count()).select_from(Report)).one() == 0
