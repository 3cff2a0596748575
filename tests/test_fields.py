"""Field validation both ways: every allowed value is accepted, the edges of the date range
hold, and each refusal names its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.intake.fields import CHOICES, MAX_DAYS_BACK, validate_answers
from tests.factories import answers

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for f, options in CHOICES.items() for v in options]
)
def test_every_allowed_choice_is_accepted(field, value):
    result, errors = validate_answers(
        answers(**{field: value}, occurred_on="2026-11-20"), today=TODAY, notes_enabled=False
    )
    assert errors == {} and getattr(result, field) == value


@pytest.mark.parametrize(
    ("offset", "ok"), [(0, True), (MAX_DAYS_BACK, True), (MAX_DAYS_BACK + 1, False), (-1, False)]
)
def test_the_date_range_edges(offset, ok):
    day = (TODAY - timedelta(days=offset)).isoformat()
    _, errors = validate_answers(answers(occurred_on=day), today=TODAY, notes_enabled=False)
    assert (errors == {}) is ok
    if not ok:
        assert set(errors) == {"occurred_on"}


def test_a_note_is_accepted_only_with_a_key_and_within_the_limit():
    assert (
        validate_answers(
            answers(occurred_on="2026-11-24", note="x" * 1000), today=TODAY, notes_enabled=True
        )[1]
        == {}
    )
    assert set(
        validate_answers(
            answers(occurred_on="2026-11-24", note="x" * 1001), today=TODAY, notes_enabled=True
        )[1]
    ) == {"note"}
    assert set(
        validate_answers(
            answers(occurred_on="2026-11-24", note="hi"), today=TODAY, notes_enabled=False
        )[1]
    ) == {"note"}


def test_an_empty_submission_names_every_required_field():
    _, errors = validate_answers({}, today=TODAY, notes_enabled=False)
    assert set(errors) == {
        "occurred_on",
        "time_of_day",
        "place",
        "setting",
        "officers",
        "vehicles",
        "detained",
        "source",
    }


def test_the_stored_words_never_change_without_a_migration():
    from server.vocabulary import CHOICE_FIELDS, CountingRule, Status

    stored = {name: list(choice.labels()) for name, choice in CHOICE_FIELDS.items()}
    assert stored == {
        "time_of_day": ["night", "morning", "afternoon", "evening", "unknown"],
        "setting": [
            "home",
            "workplace",
            "shop",
            "street",
            "transport",
            "health",
            "school",
            "council_office",
            "bank",
            "reporting_centre",
            "other",
        ],
        "officers": ["1-2", "3-5", "6-10", "11+", "unknown"],
        "vehicles": ["0", "1", "2-3", "4+", "unknown"],
        "detained": ["none_seen", "1", "2-5", "6+", "unknown"],
        "source": ["saw_it", "told_by_witness", "online"],
    }
    assert list(Status.labels()) == ["pending", "confirmed", "rejected", "duplicate"]
    assert list(CountingRule.labels()) == ["all", "confirmed_or_corroborated"]
