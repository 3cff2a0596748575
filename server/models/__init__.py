"""The tables. What is *not* here is the point: no submission time, no address, no user agent.

P2: primary keys are random UUIDs and SQLite report tables are ``WITHOUT ROWID``, so neither
key order nor storage order reveals arrival order. P3: a report holds an H3 resolution-7 cell
and a postcode district, nothing finer. P6: the note is a sealed box only the network can open.
P8: a member link is stored only as a keyed hash.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Column, Index, LargeBinary, false
from sqlmodel import Field, SQLModel

from server.models.base import NO_ROWID
from server.vocabulary import CountingRule, Status

EMERGENCY_TEXT_MAX = 400


class Network(SQLModel, table=True):
    __tablename__ = "networks"
    __table_args__ = NO_ROWID

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=120)
    link_hash: str = Field(max_length=64, unique=True, index=True)  # HMAC-SHA256 hex of the token
    public_key: str | None = Field(default=None, max_length=64)  # base64 X25519 key for notes
    counting_rule: str = Field(default=CountingRule.ALL.value, max_length=32)  # a `CountingRule`
    # Postcode areas, districts and councils ("E, IG, Hackney") that rank same-named places.
    home_area: str = Field(default="", max_length=400)
    active: bool = True
    # What the member form says to do in an emergency (e.g. the network's hotline), as the
    # organisers wrote it; empty means the translated default text.
    emergency_text: str | None = Field(default=None, max_length=EMERGENCY_TEXT_MAX)


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    # The release job counts a day's reports grouped by these facts (`publishing.counting`):
    # this index answers that GROUP BY in key order, without sorting or reading the table.
    __table_args__ = (
        Index(
            "ix_reports_counting",
            "occurred_on",
            "late",
            "cell",
            "setting",
            "time_of_day",
            "network_id",
            "status",
        ),
        NO_ROWID,
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    network_id: uuid.UUID = Field(foreign_key="networks.id", index=True)
    cell: str = Field(max_length=16, index=True)  # H3 resolution 7
    district: str = Field(default="", max_length=8)
    occurred_on: date = Field(index=True)
    time_of_day: str = Field(max_length=16)
    setting: str = Field(max_length=24)
    officers: str = Field(max_length=8)
    vehicles: str = Field(max_length=8)
    detained: str = Field(max_length=12)
    source: str = Field(max_length=24)
    sealed_note: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default=Status.PENDING.value, max_length=12)  # a `Status` value
    # Set at intake when the visit's week was already released; the next release counts it
    # in its separate "late" total and clears late_pending. No arrival time is needed for that.
    late: bool = False
    late_pending: bool = False
    # False from intake until the next re-mix (at most one mixing window): moderation shows
    # only mixed reports, so polling it tells no more about arrival than the disk does (P2).
    mixed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class UsedFormToken(SQLModel, table=True):
    """Anti-replay: keyed hashes of spent one-time form tokens. No time column; dropped daily."""

    __tablename__ = "used_form_tokens"
    __table_args__ = NO_ROWID

    token_hash: str = Field(primary_key=True, max_length=64)


class AreaSeries(SQLModel, table=True):
    """One fixed partition into publication areas; a new gazetteer or P starts a new series."""

    __tablename__ = "area_series"
    __table_args__ = NO_ROWID

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)
    min_postcodes: int
    active: bool = True


class PublicationArea(SQLModel, table=True):
    """An area of a series, frozen with its outline so old releases stay readable."""

    __tablename__ = "publication_areas"
    __table_args__ = NO_ROWID

    series_id: uuid.UUID = Field(foreign_key="area_series.id", primary_key=True)
    area: str = Field(max_length=24, primary_key=True)
    region: str = Field(max_length=24, index=True)
    name: str = Field(max_length=200)
    postcodes: int
    km2: float
    geometry: str  # GeoJSON, WGS84


class Release(SQLModel, table=True):
    """One closed ISO week, noised once and frozen (P4)."""

    __tablename__ = "releases"
    __table_args__ = NO_ROWID

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    series_id: uuid.UUID = Field(foreign_key="area_series.id", index=True)
    week: str = Field(max_length=8, unique=True)  # YYYY-Www
    epsilon: float
    k: int
    min_postcodes: int
    delay_days: int
    published_on: date
    national_total: int  # sum of the noisy area counts
    # Noisy count of incidents known only from reports that arrived after their own week was
    # released (each counted once, ever); 0 and not published when late_epsilon is 0.
    late_total: int
    trend_epsilon: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    late_epsilon: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    # The part of `epsilon` spent on the region counts (the areas got the rest); 0 before
    # region counts existed.
    region_epsilon: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class PublishedCount(SQLModel, table=True):
    """A frozen noisy count of incidents in one area in one released week."""

    __tablename__ = "published_counts"
    __table_args__ = NO_ROWID

    release_id: uuid.UUID = Field(foreign_key="releases.id", primary_key=True)
    area: str = Field(max_length=24, primary_key=True)
    count: int


class PublishedRegionCount(SQLModel, table=True):
    """A frozen noisy count of incidents in one resolution-4 region in one released week."""

    __tablename__ = "published_region_counts"
    __table_args__ = NO_ROWID

    release_id: uuid.UUID = Field(foreign_key="releases.id", primary_key=True)
    region: str = Field(max_length=24, primary_key=True)
    count: int


class TrendCount(SQLModel, table=True):
    """A frozen noisy national count for one trend series ("setting:home", "network:<id>")."""

    __tablename__ = "trend_counts"
    __table_args__ = NO_ROWID

    release_id: uuid.UUID = Field(foreign_key="releases.id", primary_key=True)
    series: str = Field(max_length=64, primary_key=True)
    count: int


class BudgetLedger(SQLModel, table=True):
    """Privacy budget spent per week: everything its release noised (areas, trend lines, the
    late total). The unique week makes a second noising impossible."""

    __tablename__ = "budget_ledger"
    __table_args__ = NO_ROWID

    week: str = Field(max_length=8, primary_key=True)
    release_id: uuid.UUID = Field(foreign_key="releases.id")
    epsilon: float


class PublicationRegion(SQLModel, table=True):
    """A resolution-4 region of a series: where areas below the floor are pooled in views."""

    __tablename__ = "publication_regions"
    __table_args__ = NO_ROWID

    series_id: uuid.UUID = Field(foreign_key="area_series.id", primary_key=True)
    region: str = Field(max_length=24, primary_key=True)
    name: str = Field(max_length=200)
    postcodes: int
    km2: float
    geometry: str  # GeoJSON, WGS84


class NamedArea(SQLModel, table=True):
    """An operator-supplied polygon (borough, ward, council area), read against views."""

    __tablename__ = "named_areas"
    __table_args__ = NO_ROWID

    layer: str = Field(max_length=64, primary_key=True)
    code: str = Field(max_length=64, primary_key=True)
    name: str = Field(max_length=200)
    geometry: str  # GeoJSON, WGS84


class RenderedMap(SQLModel, table=True):
    """An organiser map page as drawn from the releases up to one release (P4: nothing else).

    Written by the publisher, the whole set at once, replacing the previous set; every replica
    serves these bytes, so no process needs a folder of its own (`server.maps.store`).
    """

    __tablename__ = "rendered_maps"
    __table_args__ = NO_ROWID

    name: str = Field(max_length=16, primary_key=True)  # window-1, window-4, window-12, weekly
    html: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # UTF-8, as served
    sha256: str = Field(max_length=64)  # hex of `html`: the ETag, and the cache key
    release_id: uuid.UUID = Field(foreign_key="releases.id")  # the latest release drawn
    week: str = Field(max_length=8)  # that release's week, YYYY-Www
    # SHA-256 of what drew it (renderer code and versions, map settings): a new one redraws.
    drawn_with: str = Field(max_length=64)
    rendered_on: date  # the day it was drawn (a day: no time is kept anywhere)


# Organiser tables are defined beside these; re-exported so `server.models` names every table.
from server.models.organisers import (  # noqa: E402  (after the tables they reference)
    AuditEntry,
    Organiser,
    OrganiserNetwork,
    OrganiserSession,
    RecoveryCode,
)

__all__ = [
    "NO_ROWID",
    "AreaSeries",
    "AuditEntry",
    "BudgetLedger",
    "NamedArea",
    "Network",
    "Organiser",
    "OrganiserNetwork",
    "OrganiserSession",
    "PublicationArea",
    "PublicationRegion",
    "PublishedCount",
    "PublishedRegionCount",
    "RecoveryCode",
    "Release",
    "RenderedMap",
    "Report",
    "TrendCount",
    "UsedFormToken",
]
