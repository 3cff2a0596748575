"""The API's promise: ``201 {"status": "stored"}`` means exactly one stored report, and no
input makes it fail (issue 9, points 1, 2 and the injection smoke of point 9).

Through real HTTP on a real database: strict JSON types (no coercion), no acknowledgement
without a usable place, crashing inputs answered 4xx with a message, every response (500
included) with the same security headers, a property test that every 201 adds exactly one
row and nothing else does, and SQL metacharacters in every field and in the token.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from server.db import get_engine
from server.models import Report
from server.web.headers import BASE_HEADERS
from tests.factories import answers

API = "/api/v1/reports"


def stored(settings_) -> int:
    with Session(get_engine(settings_)) as s:
        return s.exec(select(func.count()).select_from(Report)).one()


@pytest.fixture
def api(live_server, network):
    _, token = network
    with live_server.client(headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


# -- point 1: strict types, no acknowledgement without a stored report -----------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_on": 20261129}, "occurred_on"),
        ({"occurred_on": True}, "occurred_on"),
        ({"time_of_day": 1}, "time_of_day"),
        ({"setting": ["home"]}, "setting"),
        ({"officers": {"n": 3}}, "officers"),
        ({"vehicles": 1}, "vehicles"),
        ({"detained": False}, "detained"),
        ({"source": None}, "source"),
        ({"note": {"text": "hello"}}, "note"),
        ({"note": 42}, "note"),
        ({"place": False}, "place"),
        ({"place": []}, "place"),
        ({"place": {}}, "place"),
        ({"place": 0}, "place"),
        ({"place": 1234}, "place"),
        ({"place": None, "lat": "51.5", "lng": "-0.1"}, "lat"),
        ({"place": None, "lat": True, "lng": 0.1}, "lat"),
        ({"place_choice": 7}, "place_choice"),
    ],
)
def test_api_refuses_values_of_the_wrong_json_type(api, settings, noted, overrides, field):
    response = api.post(API, json=answers(**overrides))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}, response.json()
    assert stored(settings) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"place": None, "lat": None},
        {"place": None, "lat": None, "lng": None},
        {"place": None},
        {"place": ""},
        {"place": "   "},
        {"place": None, "lat": 51.5},
        {"place": None, "lng": -0.1},
    ],
    ids=["lat-null", "both-null", "no-place", "empty", "blank", "lat-only", "lng-only"],
)
def test_no_usable_place_is_a_422_naming_place(api, settings, overrides):
    response = api.post(API, json=answers(**overrides))
    assert response.status_code == 422, response.text
    assert "place" in {e["field"] for e in response.json()["detail"]}
    assert stored(settings) == 0


def test_a_201_is_one_stored_report(api, settings):
    assert api.post(API, json=answers()).json()["status"] == "stored"
    assert stored(settings) == 1


# -- point 2: inputs that crashed -----------------------------------------------------------


def test_deep_nesting_a_huge_integer_and_a_lone_surrogate_are_4xx_with_a_message(
    api, live_server, settings, noted
):
    deep = b'{"note": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    huge = (
        b'{"occurred_on": "2026-11-20", "lat": ' + b"9" * 400 + b', "lng": 0.1, '
        b'"time_of_day": "morning", "setting": "home", "officers": "1-2", '
        b'"vehicles": "0", "detained": "1", "source": "saw_it"}'
    )
    body = answers()
    surrogate = (
        "{" + ", ".join(f'"{k}": "{v}"' for k, v in body.items()) + ', "note": "a \\ud800 b"}'
    ).encode()
    for raw in (deep, huge, surrogate, b"[" * 5000, b'"just a string"', b"\xff\xfe"):
        live_server.app.state.limits.reset()
        response = api.post(API, content=raw, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (raw[:40], response.status_code)
        detail = response.json()["detail"]
        assert detail and all(item["message"] for item in detail), detail
    assert stored(settings) == 0


def test_a_lone_surrogate_in_a_member_form_note_is_not_a_crash(live_server, network, noted):
    from tests.factories import submit_form

    _, token = network
    with live_server.client() as client:
        # A form can only send UTF-8; the bytes of an encoded surrogate are replaced, not kept.
        response = submit_form(client, token, note="a \udcff b".encode("utf-8", "surrogatepass"))
    assert response.status_code in (303, 422)


def test_every_response_carries_the_security_headers_a_500_included(live_server, network):
    _, token = network
    app = live_server.app

    @app.get("/r/{token}/boom")
    def boom(token: str) -> None:
        raise RuntimeError("a bug with a secret message")

    with live_server.client() as client:
        pages = {
            "200": client.get(f"/r/{token}"),
            "404": client.get("/r/not-a-token"),
            "401": client.post(API, json={}),
            "413": client.post(API, content=b"x" * 20000),
            "415": client.post("/login", files={"f": ("f", b"x")}),
            "403": client.post("/login", headers={"Sec-Fetch-Site": "cross-site"}),
            "405": client.put("/login"),
            "500": client.get(f"/r/{token}/boom"),
        }
    for status, response in pages.items():
        assert str(response.status_code) == status, (status, response.status_code)
        for name, value in BASE_HEADERS.items():
            assert response.headers.get(name.decode()) == value.decode(), (status, name)
        assert "content-security-policy" in response.headers, status
        assert response.headers["cache-control"] == "no-store", status
    assert "secret message" not in pages["500"].text
    assert "Nothing was saved. Please try again." in pages["500"].text


def test_the_500_page_speaks_the_members_language(live_server, network):
    _, token = network

    @live_server.app.get("/r/{token}/boom")
    def boom(token: str) -> None:
        raise RuntimeError("a bug")

    with live_server.client() as client:
        arabic = client.get(f"/r/{token}/boom", headers={"Accept-Language": "ar"})
        polish = client.get(f"/r/{token}/boom?lang=pl", headers={"Accept-Language": "ar"})
    assert arabic.status_code == polish.status_code == 500
    assert '<html lang="ar" dir="rtl">' in arabic.text and "لم يُحفظ أي شيء" in arabic.text
    assert '<html lang="pl" dir="ltr">' in polish.text and "Nic nie zostało zapisane" in polish.text
    assert "set-cookie" not in arabic.headers


# -- point 1: property test: every 201 adds exactly one report, nothing else adds one -------

TODAY = date.today()
valid = {
    "occurred_on": st.sampled_from([(TODAY - timedelta(days=d)).isoformat() for d in (0, 1, 9)]),
    "time_of_day": st.sampled_from(["night", "morning", "unknown"]),
    "place": st.sampled_from(["E8", "SW1A 1AA", "Leeds", "Hackney"]),
    "setting": st.sampled_from(["home", "street"]),
    "officers": st.sampled_from(["1-2", "11+"]),
    "vehicles": st.sampled_from(["0", "4+"]),
    "detained": st.sampled_from(["none_seen", "6+"]),
    "source": st.sampled_from(["saw_it", "online"]),
}
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def bodies(draw):
    """A valid report with up to three fields dropped or replaced by junk of any JSON type,
    sometimes with a coordinate (valid or junk) as well."""
    body = {name: draw(good) for name, good in valid.items()}
    spoilt = draw(st.lists(st.sampled_from(sorted(valid)), max_size=draw(st.integers(0, 3))))
    for name in spoilt:
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(junk)
    if draw(st.integers(0, 3)) == 0:
        body["lat"] = draw(st.one_of(junk, st.floats(50.5, 53.5)))
        body["lng"] = draw(st.one_of(junk, st.floats(-2.5, 0.2)))
    return body


def test_property_every_201_adds_exactly_one_stored_report(live_server, network, settings):
    _, token = network
    client = live_server.client(headers={"Authorization": f"Bearer {token}"})
    live_server.app.state.limits.reset()
    seen: dict[int, int] = {}

    @settings_for_property
    @given(body=bodies())
    def check(body):
        live_server.app.state.limits.reset()
        before = stored(settings)
        response = client.post(API, json=body)
        after = stored(settings)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code in (201, 422), (body, response.text)
        if response.status_code == 201:
            assert response.json()["status"] == "stored" and after == before + 1, body
        else:
            assert after == before, (body, response.text)

    check()
    client.close()
    assert seen.get(201, 0) >= 5 and seen.get(422, 0) >= 5, seen  # both sides were tested


settings_for_property = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- point 9: injection smoke --------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE reports; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)--",
    "E8' UNION SELECT password_hash FROM organisers--",
    "\\x00\x00nul",
    "%27%20OR%201=1",
    "$(reboot)",
    "{{7*7}}",
]


def test_injection_smoke_every_field_and_the_token(api, live_server, network, settings, noted):
    from tests.organisers import log_in

    limits = live_server.app.state.limits
    acknowledged = 0
    for payload in INJECTIONS:
        for name in (*valid, "note", "place_choice", "lat"):
            limits.reset()
            response = api.post(API, json=answers(**{name: payload}))
            assert response.status_code in (201, 422), (name, payload, response.text)
            acknowledged += response.status_code == 201
        printable = payload.replace("\x00", "").replace("/", "")
        with live_server.client() as anonymous:
            bad = anonymous.post(
                API, json=answers(), headers={"Authorization": f"Bearer {printable}"}
            )
            assert bad.status_code == 401, (payload, bad.status_code)
            assert anonymous.get(f"/r/{printable}").status_code == 404, payload
            login = log_in(anonymous, payload, payload, code=payload)
            assert login.status_code == 401, (payload, login.status_code)
    with Session(get_engine(settings)) as s:
        rows = list(s.exec(select(Report)))
    assert len(rows) == acknowledged >= len(INJECTIONS)  # at least each payload as a note
    for row in rows:  # whatever was stored is coarse facts from our own tables
        assert re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", row.district), row.district
        assert row.setting in valid_choices("setting")
        assert row.time_of_day in valid_choices("time_of_day")


def valid_choices(name: str) -> set[str]:
    from server.intake.fields import CHOICES

    return set(CHOICES[name])


def test_openapi_has_the_bearer_scheme_and_a_body_for_every_status(live_server):
    with live_server.client() as client:
        spec = client.get("/api/v1/openapi.json").json()
    assert spec["components"]["securitySchemes"]["memberToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The member link's token: the part after `/r/` in the link.",
    }
    operation = spec["paths"]["/api/v1/reports"]["post"]
    assert operation["security"] == [{"memberToken": []}]
    for status in ("201", "401", "403", "413", "415", "422", "429", "503"):
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert "$ref" in schema, status
    # Every key a 422's items carry is documented (a place error's `reason` too).
    item = spec["components"]["schemas"]["FieldError"]["properties"]
    assert set(item) == {"field", "message", "choices", "reason"}
    reasons = next(option for option in item["reason"]["anyOf"] if option["type"] == "string")
    assert reasons["enum"] == ["ambiguous", "whole", "near_miss", "unknown"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    place = body["properties"]["place"]
    string = next(option for option in place.get("anyOf", [place]) if option["type"] == "string")
    assert string["maxLength"] == 80
