"""Deduplication into incidents and the counting rules."""

from datetime import date

import pytest

from server.publishing.incidents import (
    ReportFacts,
    counts,
    counts_across_networks,
    group_incidents,
)

DAY = date(2025, 3, 4)
CELL = "87195da49ffffff"


def report(
    id, *, network="net-a", cell=CELL, day=DAY, setting="home", band="morning", status="pending"
):
    return ReportFacts(
        id=id,
        network_id=network,
        cell=cell,
        occurred_on=day,
        setting=setting,
        time_of_day=band,
        status=status,
    )


def test_same_cell_day_setting_band_is_one_incident():
    incidents = group_incidents(reports=[report("b"), report("a")])
    assert len(incidents) == 1
    assert incidents[0].report_ids == ("a", "b")
    assert incidents[0].time_of_day == "morning"


@pytest.mark.parametrize(
    "other",
    [
        {"setting": "workplace"},
        {"day": date(2025, 3, 5)},
        {"cell": "87195da4bffffff"},
    ],
)
def test_different_setting_day_or_cell_are_separate(other):
    assert len(group_incidents(reports=[report("a"), report("b", **other)])) == 2


def test_conflicting_known_bands_split():
    incidents = group_incidents(reports=[report("a", band="morning"), report("b", band="evening")])
    assert [i.time_of_day for i in incidents] == ["morning", "evening"]


def test_unknown_joins_the_only_known_band():
    incidents = group_incidents(
        reports=[report("a", band="unknown"), report("b", band="afternoon")]
    )
    assert len(incidents) == 1
    assert incidents[0].time_of_day == "afternoon"
    assert incidents[0].report_ids == ("a", "b")


def test_unknown_alone_forms_one_incident():
    incidents = group_incidents(reports=[report("a", band="unknown"), report("b", band="unknown")])
    assert len(incidents) == 1
    assert incidents[0].time_of_day == "unknown"


def test_unknown_joins_first_band_in_order_when_several():
    incidents = group_incidents(
        reports=[
            report("u", band="unknown"),
            report("e", band="evening"),
            report("n", band="night"),
        ]
    )
    assert [(i.time_of_day, i.report_ids) for i in incidents] == [
        ("night", ("n", "u")),
        ("evening", ("e",)),
    ]


def test_unknown_skips_a_band_held_only_by_rejected_reports():
    incidents = group_incidents(
        reports=[
            report("u", band="unknown"),
            report("spam", band="morning", status="rejected"),
            report("e", band="evening"),
        ]
    )
    assert [(i.time_of_day, i.report_ids) for i in incidents] == [
        ("morning", ("spam",)),
        ("evening", ("e", "u")),
    ]
    assert [counts(i, "all") for i in incidents] == [False, True]


def test_cross_network_reports_merge():
    incidents = group_incidents(
        reports=[report("a", network="net-a"), report("b", network="net-b")]
    )
    assert len(incidents) == 1
    assert incidents[0].networks == ("net-a", "net-b")
    assert incidents[0].network_ids == ("net-a", "net-b")


def test_grouping_ignores_input_order():
    reports = [
        report(str(i), band=b, setting=s)
        for i, (b, s) in enumerate(
            [("morning", "home"), ("unknown", "home"), ("evening", "street"), ("night", "home")]
        )
    ]
    assert group_incidents(reports=reports) == group_incidents(reports=reports[::-1])


def test_bad_status_band_or_repeated_id_refused():
    with pytest.raises(ValueError):
        group_incidents(reports=[report("a", status="maybe")])
    with pytest.raises(ValueError):
        group_incidents(reports=[report("a", band="dawn")])
    with pytest.raises(ValueError):
        group_incidents(reports=[report("a"), report("a")])


def incident_of(*statuses, networks=None):
    networks = networks or ["net-a"] * len(statuses)
    reports = [
        report(str(i), status=s, network=n)
        for i, (s, n) in enumerate(zip(statuses, networks, strict=True))
    ]
    (incident,) = group_incidents(reports=reports)
    return incident


@pytest.mark.parametrize(
    "statuses, expected",
    [
        (("pending",), True),
        (("rejected",), False),
        (("rejected", "rejected"), False),
        (("rejected", "pending"), True),
        (("duplicate",), False),  # a copy alone establishes nothing
        (("duplicate", "rejected"), False),
        (("duplicate", "pending"), True),  # and does not veto
    ],
)
def test_rule_all(statuses, expected):
    assert counts(incident_of(*statuses), "all") is expected


@pytest.mark.parametrize(
    "statuses, expected",
    [
        (("pending",), False),
        (("confirmed",), True),
        (("pending", "pending"), True),
        (("pending", "rejected"), False),
        (("pending", "duplicate"), False),  # a duplicate does not corroborate
        (("rejected", "rejected"), False),
        (("confirmed", "rejected"), True),
    ],
)
def test_rule_confirmed_or_corroborated(statuses, expected):
    assert counts(incident_of(*statuses), "confirmed_or_corroborated") is expected


def test_unknown_rule_refused():
    with pytest.raises(ValueError):
        counts(incident_of("pending"), "some")


def test_cross_network_counts_under_any_contributing_network():
    rules = {"strict": "confirmed_or_corroborated", "open": "all"}
    lone_open = incident_of("pending", "pending", networks=["open", "strict"])
    assert counts_across_networks(lone_open, rules=rules)
    # The open network's report was rejected, so only the strict rule applies: one report.
    strict_only = incident_of("rejected", "pending", networks=["open", "strict"])
    assert not counts_across_networks(strict_only, rules=rules)
    # Two strict networks corroborate each other across networks.
    two_strict = incident_of("pending", "pending", networks=["strict", "strict2"])
    assert counts_across_networks(
        two_strict,
        rules={"strict": "confirmed_or_corroborated", "strict2": "confirmed_or_corroborated"},
    )
    assert not counts_across_networks(incident_of("rejected", networks=["open"]), rules=rules)
