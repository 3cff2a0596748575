"""The words a report is made of, defined once: its choice fields (value and the label shown
to members), its moderation statuses and the networks' counting rules.

Every other place derives from these enums: the form's radios, the API's schema, the
validator, moderation, publishing and the synthetic history. The values are the strings
stored in the database; changing one needs a migration, a label does not. Member-facing
labels are marked with ``N_`` for the translation catalogs and translated where shown.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from server.i18n import N_


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
    NIGHT = "night", N_("Night (midnight to 6am)")
    MORNING = "morning", N_("Morning (6am to noon)")
    AFTERNOON = "afternoon", N_("Afternoon (noon to 6pm)")
    EVENING = "evening", N_("Evening (6pm to midnight)")
    UNKNOWN = "unknown", N_("I don't know")


class Setting(Choice):
    HOME = "home", N_("A home")
    WORKPLACE = "workplace", N_("A workplace")
    SHOP = "shop", N_("A shop or restaurant")
    STREET = "street", N_("In the street")
    TRANSPORT = "transport", N_("Bus, train or station")
    HEALTH = "health", N_("A hospital or GP")
    SCHOOL = "school", N_("A school or college")
    COUNCIL_OFFICE = "council_office", N_("A council office or Jobcentre")
    BANK = "bank", N_("A bank")
    REPORTING_CENTRE = "reporting_centre", N_("Reporting centre")
    OTHER = "other", N_("Somewhere else")


class Officers(Choice):
    FEW = "1-2", N_("1 or 2")
    SEVERAL = "3-5", N_("3 to 5")
    MANY = "6-10", N_("6 to 10")
    CROWD = "11+", N_("11 or more")
    UNKNOWN = "unknown", N_("I don't know")


class Vehicles(Choice):
    NONE = "0", N_("None")
    ONE = "1", N_("1")
    FEW = "2-3", N_("2 or 3")
    MANY = "4+", N_("4 or more")
    UNKNOWN = "unknown", N_("I don't know")


class Detained(Choice):
    NONE_SEEN = "none_seen", N_("I saw nobody taken")
    ONE = "1", N_("1 person")
    FEW = "2-5", N_("2 to 5 people")
    MANY = "6+", N_("6 or more")
    UNKNOWN = "unknown", N_("I don't know")


class Source(Choice):
    SAW_IT = "saw_it", N_("I saw it")
    TOLD_BY_WITNESS = "told_by_witness", N_("Someone who saw it told me")
    ONLINE = "online", N_("I saw it online")


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
