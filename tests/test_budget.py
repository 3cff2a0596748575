"""P4 accounting: the ledger holds every ε spent, late reports count as incidents once, an
unsafe ε is refused in production, and nothing claims noise that is not there."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from server.config import Settings
from server.publishing import release as release_module
from server.publishing.jobs import publish_and_draw
from server.publishing.release import publish
from tests.factories import add_incidents, add_organiser, add_report, make_network
from tests.organisers import logged_in
from tests.synthetic import table_rows

WEEK = "2026-W02"
MONDAY = date(2026, 1, 5)
DUE = date(2026, 1, 14)
SECRET = "x" * 40


def _late_totals(pub) -> dict[str, int]:
    return dict(table_rows(pub, "SELECT week, late_total FROM releases"))


@pytest.mark.pub(epsilon=1.0, trend_epsilon=0.5, late_epsilon=0.25)
def test_P4_the_ledger_holds_every_epsilon_spent(pub, session, monkeypatch):
    a, b = make_network(session, "A"), make_network(session, "B")
    add_incidents(session, a, day=MONDAY, count=5)
    add_incidents(session, b, day=MONDAY, count=3)
    spent: list[float] = []
    real = release_module.noisy_counts

    def recording(counts, *, epsilon, **kwargs):
        spent.append(epsilon)  # every noisy draw of a release, whatever it is for
        return real(counts, epsilon=epsilon, **kwargs)

    monkeypatch.setattr(release_module, "noisy_counts", recording)
    weeks = publish(settings=pub, as_of=DUE)
    add_report(session, a, day=MONDAY, setting="transport", band="evening", late=True)
    add_report(session, b, day=MONDAY + timedelta(days=8))
    weeks += publish(settings=pub, as_of=DUE + timedelta(days=7))
    weeks += publish(settings=pub, as_of=DUE + timedelta(days=14))
    assert len(weeks) == 14
    ledger = table_rows(pub, "SELECT week, epsilon FROM budget_ledger")
    assert sorted(row.week for row in ledger) == sorted(weeks)
    assert math.isclose(math.fsum(row.epsilon for row in ledger), math.fsum(spent))
    for row in table_rows(
        pub,
        "SELECT l.epsilon AS ledger, r.epsilon, r.trend_epsilon, r.late_epsilon "
        "FROM budget_ledger l JOIN releases r ON r.id = l.release_id",
    ):
        assert math.isclose(row.ledger, row.epsilon + row.trend_epsilon + row.late_epsilon)
        assert math.isclose(row.ledger, 1.75)
    assert publish(settings=pub, as_of=DUE + timedelta(days=14)) == []
    assert math.isclose(math.fsum(spent), 14 * 1.75)  # nothing noised twice


@pytest.mark.pub(late_epsilon=0.25)
def test_P4_late_reports_count_as_incidents_once_ever(pub, session, monkeypatch):
    monkeypatch.setattr(release_module, "noisy_counts", lambda counts, **_: dict(counts))
    a, b = make_network(session, "A"), make_network(session, "B")
    add_incidents(session, a, day=MONDAY, count=2)  # home/night and workplace/night
    publish(settings=pub, as_of=DUE)
    # One new visit reported late by four people of two networks, a late witness of a visit
    # counted on time, and a late report rejected by nobody but of a rejected-only visit.
    for network, band in ((a, "evening"), (b, "evening"), (b, "unknown"), (a, "evening")):
        add_report(session, network, day=MONDAY, setting="street", band=band, late=True)
    add_report(session, b, day=MONDAY, setting="home", band="night", late=True)
    add_report(session, a, day=MONDAY, setting="other", late=True, status="rejected")
    publish(settings=pub, as_of=DUE + timedelta(days=7))
    assert _late_totals(pub)["2026-W03"] == 1
    # Another late witness of the visit counted late last week: it was counted already.
    add_report(session, b, day=MONDAY, setting="street", band="evening", late=True)
    publish(settings=pub, as_of=DUE + timedelta(days=14))
    assert _late_totals(pub)["2026-W04"] == 0


def test_P4_production_refuses_no_noise_or_an_absurd_epsilon_without_an_override():
    base = {"env": "production", "secret_key": SECRET}
    assert Settings(**base).weekly_epsilon == pytest.approx(1.75)  # the defaults start
    for unsafe in ({"epsilon": 0}, {"epsilon": 11}, {"epsilon": 6, "trend_epsilon": 5}):
        with pytest.raises(ValidationError, match="RAIDWATCH_ALLOW_UNSAFE_EPSILON"):
            Settings(**base, **unsafe)
        Settings(**base, **unsafe, allow_unsafe_epsilon=True)  # said in so many words
        Settings(env="development", **unsafe)  # development and tests may
    with pytest.raises(ValidationError):
        Settings(epsilon=float("inf"))


@pytest.mark.pub()  # noise off (ε = 0), the live server on these settings
def test_P4_no_page_map_or_export_claims_noise_that_is_not_there(pub, session, clients):
    add_incidents(session, make_network(session), day=MONDAY, count=12)
    publish_and_draw(settings=pub, as_of=DUE)
    add_organiser(session, "olive", is_admin=True)
    client = logged_in(clients(), "olive")
    page = client.get("/organise?window=1").text
    csv_text = client.get("/organise/export.csv?window=1").text
    geojson = client.get("/organise/export.geojson?window=1").json()
    drawn = client.get("/organise/map/window-1").text
    assert "No noise." in page and "(noisy)" not in page and "noise added" not in page
    meta = client.get("/organise/export.metadata.json?window=1").json()
    assert meta["title"].startswith("raidwatch export: exact incident counts (epsilon=0")
    assert "noisy" not in csv_text and geojson["metadata"]["noise"] == "none" == meta["noise"]
    assert "From exact counts of incidents: no noise was added" in drawn
    assert "noisy counts" not in drawn.lower()
