"""The words a report is made of, defined once: its choice fields (value and the label shown
to members), its moderation statuses and the networks' counting rules.

Every other place derives from these enums: the form's radios, the API's schema, the
validator, moderation, publishing and the synthetic history. The values are the strings
stored in the database; changing one needs a migration, a label does not.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Choice(StrEnum):
    """A value with the plain words members see for it."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """value -> label, in the order the form shows them."""
        return {member.value: member.label for member in cls}


class TimeOfDay(Choice):
    NIGHT = "night", "Night (midnight to 6am)"
    MORNING = "morning", "Morning (6am to noon)"
    AFTERNOON = "afternoon", "Afternoon (noon to 6pm)"
    EVENING = "evening", "Evening (6pm to midnight)"
    UNKNOWN = "unknown", "I don't know"


class Setting(Choice):
    HOME = "home", "A home"
    WORKPLACE = "workplace", "A workplace"
    STREET = "street", "In the street"
    TRANSPORT = "transport", "Bus, train or station"
    REPORTING_CENTRE = "reporting_centre", "Reporting centre"
    OTHER = "other", "Somewhere else"


class Officers(Choice):
    FEW = "1-2", "1 or 2"
    SEVERAL = "3-5", "3 to 5"
    MANY = "6-10", "6 to 10"
    CROWD = "11+", "11 or more"
    UNKNOWN = "unknown", "I don't know"


class Vehicles(Choice):
    NONE = "0", "None"
    ONE = "1", "1"
    FEW = "2-3", "2 or 3"
    MANY = "4+", "4 or more"
    UNKNOWN = "unknown", "I don't know"


class Detained(Choice):
    NONE_SEEN = "none_seen", "I saw nobody taken"
    ONE = "1", "1 person"
    FEW = "2-5", "2 to 5 people"
    MANY = "6+", "6 or more"
    UNKNOWN = "unknown", "I don't know"


class Source(Choice):
    SAW_IT = "saw_it", "I saw it"
    TOLD_BY_WITNESS = "told_by_witness", "Someone who saw it told me"
    ONLINE = "online", "I saw it online"


# The report's choice fields, in form order: field name -> its values.
CHOICE_FIELDS: dict[str, type[Choice]] = {
    "time_of_day": TimeOfDay,
    "setting": Setting,
    "officers": Officers,
    "vehicles": Vehicles,
    "detained": Detained,
    "source": Source,
}


class Status(Choice):
    """Where moderation left a report."""

    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    DUPLICATE = "duplicate", "Duplicate"


class CountingRule(Choice):
    """Which incidents count for a network (see `publishing.incidents.counts`)."""

    ALL = "all", "Every incident not rejected"
    CONFIRMED_OR_CORROBORATED = (
        "confirmed_or_corroborated",
        "Only confirmed, or reported by 2 or more",
    )
