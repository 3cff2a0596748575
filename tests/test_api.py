"""The JSON API through real HTTP."""

from __future__ import annotations

from sqlmodel import func, select

from server.intake.fields import CHOICES
from server.models import Report
from tests.factories import answers


def stored(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Report)).one()


def test_api_stores_a_report_and_returns_no_identifier(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = client.post(
            "/api/v1/reports",
            json=answers(place="SW1A 1AA"),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201
    assert response.json() == {"status": "stored", "place": "SW1A (Westminster)"}
    report = session.exec(select(Report)).one()
    assert report.district == "SW1A"


def test_api_accepts_coordinates_and_rounds_them(live_server, network, session):
    import h3

    from server.places.gazetteer import Gazetteer

    _, token = network
    body = answers(place=None, lat=51.546123, lng=-0.055987)
    with live_server.client() as client:
        response = client.post(
            "/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.text
    report = session.exec(select(Report)).one()
    assert report.district.startswith("E") or report.district.startswith("N")
    # Rounded to 51.55, -0.06, then reduced to its district: stored as that district's cell.
    centre = Gazetteer.uk().by_key(f"district:{report.district}")
    assert centre is not None
    assert report.cell == h3.latlng_to_cell(centre.lat, centre.lng, 7)


def test_api_refuses_a_bad_token_with_401(live_server, network, session):
    with live_server.client() as client:
        missing = client.post("/api/v1/reports", json=answers())
        wrong = client.post(
            "/api/v1/reports",
            json=answers(),
            headers={"Authorization": "Bearer AAAAAAAAAAAAAAAAAAAAAA"},
        )
    assert missing.status_code == wrong.status_code == 401
    assert stored(session) == 0


def test_api_errors_name_every_bad_field(live_server, network, session):
    _, token = network
    body = answers(time_of_day="dawn", vehicles=None, occurred_on="2001-01-01", place="Nowhere-x")
    with live_server.client() as client:
        response = client.post(
            "/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"time_of_day", "vehicles", "occurred_on", "place"}
    assert stored(session) == 0


def test_api_rejects_unknown_fields_and_bad_coordinates(live_server, network, session):
    _, token = network
    headers = {"Authorization": f"Bearer {token}"}
    with live_server.client() as client:
        extra = client.post("/api/v1/reports", json=answers(email="a@b.c"), headers=headers)
        bad = client.post(
            "/api/v1/reports", json=answers(place=None, lat=123.0, lng=0.0), headers=headers
        )
        text = client.post(
            "/api/v1/reports", json=answers(place=None, lat="51", lng="0"), headers=headers
        )
        notjson = client.post("/api/v1/reports", content=b"nope", headers=headers)
    assert extra.status_code == 422 and extra.json()["detail"][0]["field"] == "email"
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "place"
    assert text.status_code == 422
    assert notjson.status_code == 422
    assert stored(session) == 0


def test_api_ambiguous_place_lists_choices(live_server, network, session):
    _, token = network
    headers = {"Authorization": f"Bearer {token}"}
    with live_server.client() as client:
        response = client.post("/api/v1/reports", json=answers(place="Newport"), headers=headers)
        assert response.status_code == 422
        choices = response.json()["detail"][0]["choices"]
        assert len(choices) >= 2
        again = client.post(
            "/api/v1/reports",
            json=answers(place="Newport", place_choice=choices[0]["key"]),
            headers=headers,
        )
    assert again.status_code == 201
    assert stored(session) == 1


def test_openapi_is_served_and_docs_ui_is_not(live_server):
    with live_server.client() as client:
        spec = client.get("/api/v1/openapi.json")
        assert client.get("/docs").status_code == 404
        assert client.get("/healthz").json() == {"status": "ok"}
    assert spec.status_code == 200
    assert "/api/v1/reports" in spec.json()["paths"]
    body = spec.json()["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    fields = body["application/json"]["schema"]["properties"]
    for name, values in CHOICES.items():  # every choice field lists exactly its values
        assert fields[name]["enum"] == list(values), name
    assert fields["detained"]["enum"] == ["none_seen", "1", "2-5", "6+", "unknown"]


def test_api_refuses_a_note_when_the_network_has_no_key(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        response = client.post(
            "/api/v1/reports",
            json=answers(note="hello"),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "note", "message": "This network does not accept notes. Leave the note empty."}
    ]
    assert stored(session) == 0
