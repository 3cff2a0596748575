"""One visit, one incident: however witnesses describe the place, one district is one cell.

The privacy unit of the noise is one incident (P4). If "E8", "Hackney", a full E8 postcode
and a coordinate in E8 were stored as different cells, one raid would become several
incidents, be counted (and cost ε) several times and show in several areas.
"""

from __future__ import annotations

from datetime import date, timedelta

import h3
from sqlmodel import select

from server.intake.coarsen import coarsen_place, coarsen_point
from server.intake.understand import understand_place
from server.models import Report
from server.places.gazetteer import Gazetteer
from server.publishing.incidents import ReportFacts, group_incidents
from server.publishing.series import plan_series
from tests.factories import answers, submit_form

DAY = (date.today() - timedelta(days=1)).isoformat()
VISIT = {"occurred_on": DAY, "time_of_day": "morning", "setting": "workplace"}


def test_P4_one_visit_is_one_incident_however_its_place_is_described(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        for place in ("E8", "Hackney", "E8 3RL", "e8"):
            assert submit_form(client, token, place=place, **VISIT).status_code == 303
        by_coordinate = client.post(
            "/api/v1/reports",
            json=answers(place=None, lat=51.5412, lng=-0.0688, **VISIT),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert by_coordinate.status_code == 201, by_coordinate.text
    reports = list(session.exec(select(Report)))
    assert len(reports) == 5
    centre = Gazetteer.uk().by_key("district:E8")
    assert centre is not None
    assert {(r.district, r.cell) for r in reports} == {
        ("E8", h3.latlng_to_cell(centre.lat, centre.lng, 7))
    }
    facts = [ReportFacts.of(r) for r in reports]
    assert len(group_incidents(reports=facts)) == 1


def test_every_input_of_a_district_resolves_to_its_centroid_cell():
    gazetteer = Gazetteer.uk()
    partition = plan_series(gazetteer=gazetteer, min_postcodes=2000).partition
    for district, texts, point in (
        ("M14", ("M14", "M14 5AA", "m14 5aa"), (53.445, -2.222)),
        ("LS6", ("LS6", "LS6 1AA"), (53.82, -1.575)),
        ("G42", ("G42", "G42 8AA"), (55.834, -4.259)),
    ):
        centre = gazetteer.by_key(f"district:{district}")
        assert centre is not None
        cell = h3.latlng_to_cell(centre.lat, centre.lng, 7)
        places = [
            coarsen_place(
                understand_place(text, gazetteer=gazetteer, home=None).place, gazetteer=gazetteer
            )
            for text in texts
        ]
        places.append(coarsen_point(*point, gazetteer=gazetteer))
        assert {(p.district, p.cell) for p in places} == {(district, cell)}, district
        assert len({partition.area_of_cell(p.cell) for p in places}) == 1
