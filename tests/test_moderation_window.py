"""P4 moderation: single reports only inside the delay, own networks only, through real HTTP.

Two networks, their member links, an organiser of each and an admin; the clock the app
reads (`Settings.today`) is moved by the test. A probe report is shown to nobody while its
week is open; once the week closes its own network's organisers see it until the release;
and nothing on an organiser's page changes when another network reports the same visit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import Session, select

from server.config import Settings
from server.db import get_engine
from server.housekeeping.remix import remix
from server.models import AuditEntry, Network, Report
from server.networks.links import create_network
from server.publishing.release import publish
from tests.browser import BROWSER_MARKS, CHROMIUM, launched
from tests.factories import add_organiser, add_report, submit_form
from tests.organisers import csrf_token, logged_in

WEDNESDAY = date(2026, 11, 18)  # in 2026-W47 (Monday 16 to Sunday 22 November)
WEEK = "2026-W47"
NEXT_MONDAY = date(2026, 11, 23)  # W47 has closed; it is released from Wednesday 25
RELEASE_DAY = date(2026, 11, 25)
PLACE = "Dense 3"  # a district of the synthetic gazetteer
# The synthetic gazetteer, for the live server too; members here send many reports a minute.
pytestmark = pytest.mark.pub(burst_limit=0)


class Clock:
    day = WEDNESDAY


@pytest.fixture
def clock(monkeypatch) -> type[Clock]:
    """The one clock the app reads for "today" (forms, moderation, audit), set by the test."""
    Clock.day = WEDNESDAY
    monkeypatch.setattr(Settings, "today", lambda self: Clock.day)
    return Clock


@dataclass
class Two:
    alpha: Network
    bravo: Network
    alpha_link: str
    bravo_link: str
    alice: httpx.Client  # organiser of alpha
    bob: httpx.Client  # organiser of bravo
    root: httpx.Client  # admin
    member: httpx.Client  # anyone holding a member link


@pytest.fixture
def two(session, pub, clients, clock) -> Two:
    alpha, alpha_link = create_network(session=session, name="Network Alpha", key=pub.key())
    bravo, bravo_link = create_network(session=session, name="Network Bravo", key=pub.key())
    add_organiser(session, "alice", networks=[alpha])
    add_organiser(session, "bob", networks=[bravo])
    add_organiser(session, "root", is_admin=True)
    return Two(
        alpha=alpha,
        bravo=bravo,
        alpha_link=alpha_link,
        bravo_link=bravo_link,
        alice=logged_in(clients(), "alice"),
        bob=logged_in(clients(), "bob"),
        root=logged_in(clients(), "root"),
        member=clients(),
    )


def _reports(settings) -> list[Report]:
    with Session(get_engine(settings)) as s:
        return list(s.exec(select(Report)))


def _report(member: httpx.Client, link: str, **answers: object) -> None:
    answers = {"place": PLACE, "occurred_on": WEDNESDAY.isoformat(), **answers}
    assert submit_form(member, link, **answers).status_code == 303


def _remix(settings) -> None:
    """The housekeeping every mixing window runs (`every_window` in the scheduler)."""
    remix(engine=get_engine(settings))


def _listed(client: httpx.Client, query: str = "") -> str:
    page = client.get(f"/organise/reports{query}")
    assert page.status_code == 200
    return page.text


def test_P4_a_probe_report_is_shown_to_nobody_until_its_week_closes(two, pub, clock):
    _report(two.member, two.alpha_link)  # the probe, while its week is still open
    [probe] = _reports(pub)
    for client in (two.alice, two.bob, two.root):
        for query in ("", f"?week={WEEK}", "?status=pending", f"?district={PLACE}"):
            page = _listed(client, query)
            assert str(probe.id) not in page and "All (0)" in page, query
        refused = client.post(
            f"/organise/reports/{probe.id}/reject", data={"csrf_token": csrf_token(client)}
        )
        assert refused.status_code == 404  # as if it did not exist: no oracle either
    clock.day = WEDNESDAY + timedelta(days=4)  # Sunday: the last day of the week, still open
    assert str(probe.id) not in _listed(two.root)

    clock.day = NEXT_MONDAY  # the week has closed: the moderation window opens
    _remix(pub)
    assert str(probe.id) in _listed(two.alice) and str(probe.id) in _listed(two.root)
    assert str(probe.id) not in _listed(two.bob) and "All (0)" in _listed(two.bob)

    assert publish(settings=pub, as_of=RELEASE_DAY)[-1] == WEEK  # released: frozen, gone
    clock.day = RELEASE_DAY
    for client in (two.alice, two.bob, two.root):
        assert str(probe.id) not in _listed(client)


def test_P2_a_report_sent_in_the_delay_days_reaches_moderation_only_at_the_next_remix(
    two, pub, clock
):
    """Polling moderation during the delay days dates an arrival to the mixing window at best."""
    clock.day = NEXT_MONDAY  # W47 is closed and open to moderation
    _report(two.member, two.alpha_link, time_of_day="evening")  # mixed into the disk
    _remix(pub)
    _report(two.member, two.alpha_link)  # sent now, about last Wednesday
    fresh = next(r for r in _reports(pub) if not r.mixed)
    for query in ("", "?status=pending", f"?week={WEEK}"):
        page = _listed(two.alice, query)
        assert str(fresh.id) not in page and "All (1)" in page and "1 report" in page, query
    refused = two.alice.post(
        f"/organise/reports/{fresh.id}/reject", data={"csrf_token": csrf_token(two.alice)}
    )
    assert refused.status_code == 404  # as if it did not exist yet
    _remix(pub)
    page = _listed(two.alice)
    assert str(fresh.id) in page and "All (2)" in page
    assert all(r.mixed for r in _reports(pub))


def test_P4_an_organiser_sees_nothing_computed_from_another_networks_reports(two, pub, clock):
    _report(two.member, two.alpha_link, time_of_day="morning", setting="workplace")
    _report(two.member, two.alpha_link, time_of_day="morning", setting="workplace")
    _report(two.member, two.alpha_link, place="Dense 5", setting="home")
    clock.day = NEXT_MONDAY
    _remix(pub)
    queries = ("", "?status=pending", "?status=rejected", f"?week={WEEK}", f"?district={PLACE}")
    before = {query: _listed(two.alice, query) for query in queries}

    # Network Bravo's members report the same visit (same place, day, setting, band), an
    # unknown-time witness of it, the other one too, and more around it.
    clock.day = WEDNESDAY
    for answers in (
        {"time_of_day": "morning", "setting": "workplace"},
        {"time_of_day": "unknown", "setting": "workplace"},
        {"time_of_day": "morning", "setting": "workplace"},
        {"place": "Dense 5", "setting": "home"},
        {"setting": "street", "time_of_day": "night"},
        {"occurred_on": (WEDNESDAY - timedelta(days=1)).isoformat()},
    ):
        _report(two.member, two.bravo_link, **answers)
    clock.day = NEXT_MONDAY
    _remix(pub)
    after = {query: _listed(two.alice, query) for query in queries}
    for query in queries:
        assert after[query] == before[query], f"alice's page {query!r} changed"
    assert "Network Bravo" not in "".join(after.values())
    assert "All (2)" in after[""] and "2 reports" in after[""]
    bob = _listed(two.bob)
    assert "All (4)" in bob and "Network Alpha" not in bob
    assert "3 reports" in bob  # his own three reports of the shared visit, not five

    # Rejected reports leave the size; the tabs count incidents with such a report.
    shared = [r for r in _reports(pub) if r.network_id == two.alpha.id and r.setting == "workplace"]
    token = csrf_token(two.alice)
    response = two.alice.post(
        f"/organise/reports/{shared[0].id}/reject", data={"csrf_token": token}
    )
    assert response.status_code == 303
    page = _listed(two.alice)
    assert "1 report (and 1 rejected)" in page and "Rejected (1)" in page and "All (2)" in page


def test_moderation_is_grouped_paged_filtered_and_rejects_a_whole_incident(
    two, pub, session, clock
):
    clock.day = NEXT_MONDAY
    day = WEDNESDAY
    bands = ("night", "morning", "afternoon", "evening")
    settings_ = ("home", "workplace", "street", "transport", "reporting_centre", "other")
    for n in range(24):  # 24 incidents of one report each, on one day
        add_report(session, two.alpha, day=day, setting=settings_[n % 6], band=bands[n // 6])
    spam = [
        add_report(session, two.alpha, day=day - timedelta(days=1), setting="other")
        for _ in range(3)
    ]
    page = _listed(two.alice)
    assert "25 incidents (27 reports), page 1 of 2" in page
    assert page.count("<tbody>") == 20
    second = _listed(two.alice, "?page=2")
    assert second.count("<tbody>") == 5 and 'rel="prev"' in second
    only = _listed(two.alice, "?setting=other")
    assert "5 incidents (7 reports)" in only and "3 reports" in only
    assert "All (0)" in _listed(two.alice, "?week=2026-W40")

    # Without JavaScript: a plain form, POST then redirect back to the same filtered page.
    back = "setting=other&page=1"
    bravo_try = two.bob.post(
        f"/organise/incidents/{spam[0].id}/reject",
        data={"csrf_token": csrf_token(two.bob), "back": back},
    )
    assert bravo_try.status_code == 404
    response = two.alice.post(
        f"/organise/incidents/{spam[1].id}/reject",
        data={"csrf_token": csrf_token(two.alice), "back": back},
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/organise/reports?setting=other&message=")
    assert "3 reports marked as rejected" in two.alice.get(location).text
    statuses = {r.id: r.status for r in _reports(pub)}
    assert {statuses[r.id] for r in spam} == {"rejected"}
    assert sum(1 for status in statuses.values() if status == "rejected") == 3
    with Session(get_engine(pub)) as s:
        details = [e.detail for e in s.exec(select(AuditEntry)) if e.action == "report rejected"]
    assert details == [f"3 reports of one incident of week {WEEK} ({two.alpha.slug})"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_reject_all_in_chromium_with_and_without_javascript(two, pub, session, clock, live_server):
    _ = BROWSER_MARKS  # the same marks as the other browser tests
    clock.day = NEXT_MONDAY
    cookie = two.alice.cookies.get("rw_session")
    with launched() as browser:
        for javascript, setting, label in (
            (False, "other", "Somewhere else"),
            (True, "street", "In the street"),
        ):
            spam = [
                add_report(session, two.alpha, day=WEDNESDAY, setting=setting) for _ in range(2)
            ]
            context = browser.new_context(java_script_enabled=javascript)
            context.add_cookies([{"name": "rw_session", "value": cookie, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/organise/reports")
            page.locator("tbody", has_text=label).locator("text=Reject all").click()
            page.wait_for_url(re.compile(r".*message=.*"))
            assert "2 reports marked as rejected" in page.locator("[role=status]").inner_text()
            page.locator(".tabs >> text=Rejected").click()
            page.wait_for_url(re.compile(r".*status=rejected.*"))
            page.locator(".tabs a[aria-current=true]", has_text="Rejected").wait_for()
            statuses = {r.id: r.status for r in _reports(pub)}
            assert [statuses[r.id] for r in spam] == ["rejected", "rejected"], javascript
            context.close()
    assert sum(1 for r in _reports(pub) if r.status == "rejected") == 4


def test_what_the_pages_say_organisers_see_matches_who_is_asking(two):
    """The copy about moderation is true for each reader: an organiser sees their networks'
    reports and never another's; an admin is told they see every network's."""
    for client, own in ((two.alice, True), (two.root, False)):
        dashboard, listed = client.get("/organise").text, _listed(client)
        if own:
            assert "your networks' reports of weeks that have ended" in dashboard
            assert "nor other networks' reports" in dashboard
            assert "Reports of your networks from weeks" in listed
        else:
            assert "every network's reports (you are an admin)" in dashboard
            assert "nor other networks" not in dashboard
            assert "Reports of every network (you are an admin)" in listed
