"""A synthetic but realistic history of enforcement visits, for the demo and the benchmarks.

Nothing here is real and nothing here touches real reports: visits cluster in a few cities
(as enforcement does), weighted by where people live; a visit is reported by one to a few
members, sometimes without knowing the time; moderators confirm some reports and reject
most spam; a few reports arrive after their week was released. Generation is seeded, so a
demo or a benchmark can be replayed; the noise added at release is not (OpenDP refuses).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TypeVar

import h3

from server.places.gazetteer import Gazetteer, haversine_km
from server.vocabulary import (
    CHOICE_FIELDS,
    Detained,
    Officers,
    Setting,
    Source,
    Status,
    TimeOfDay,
    Vehicles,
)
from server.weeks import week_start

T = TypeVar("T")

# (name, lat, lng, share of visits, spread in km, index of the demo network based there)
HOTSPOTS: tuple[tuple[str, float, float, float, float, int | None], ...] = (
    ("London", 51.525, -0.075, 0.36, 9.0, 0),
    ("Manchester", 53.480, -2.240, 0.11, 6.0, 1),
    ("Birmingham", 52.480, -1.890, 0.10, 6.0, None),
    ("Glasgow", 55.860, -4.250, 0.07, 5.0, 2),
    ("Leeds", 53.800, -1.550, 0.04, 5.0, None),
    ("Bristol", 51.455, -2.590, 0.03, 4.0, None),
    ("Leicester", 52.636, -1.133, 0.03, 4.0, None),
    ("Cardiff", 51.481, -3.180, 0.02, 4.0, None),
)
BACKGROUND_SHARE = 1.0 - sum(h[3] for h in HOTSPOTS)  # anywhere, in proportion to postcodes
DAY_WEIGHTS = (18, 18, 18, 18, 16, 7, 5)  # Monday..Sunday
SETTINGS = {
    Setting.WORKPLACE.value: 30,
    Setting.HOME.value: 28,
    Setting.SHOP.value: 10,
    Setting.STREET.value: 14,
    Setting.TRANSPORT.value: 7,
    Setting.REPORTING_CENTRE.value: 4,
    Setting.COUNCIL_OFFICE.value: 2,
    Setting.HEALTH.value: 1,
    Setting.SCHOOL.value: 1,
    Setting.BANK.value: 1,
    Setting.OTHER.value: 2,
}
BANDS = {
    TimeOfDay.MORNING.value: 45,
    TimeOfDay.AFTERNOON.value: 22,
    TimeOfDay.NIGHT.value: 12,
    TimeOfDay.EVENING.value: 9,
    TimeOfDay.UNKNOWN.value: 12,
}
REPORTS_PER_VISIT = {1: 55, 2: 25, 3: 12, 4: 5, 5: 2, 6: 1}
SPAM_SHARE = 0.06  # of reports
LATE_SHARE = 0.02  # of genuine reports, arriving after their week was released
CONFIRMED_SHARE = 0.25
SPAM_CAUGHT = 0.7  # share of spam rejected by moderators before release
UNIFORM = (Officers, Vehicles, Detained, Source)
FIELDS = {  # drawn uniformly
    name: tuple(choice.labels()) for name, choice in CHOICE_FIELDS.items() if choice in UNIFORM
}


@dataclass(frozen=True)
class WeekOfReports:
    on_time: list[dict]  # report rows (without network_id: `network` is an index)
    late: list[dict]  # arrive after the week's release
    visits: int


class History:
    """Draws weeks of synthetic reports over a gazetteer's populated cells."""

    def __init__(self, *, gazetteer: Gazetteer, networks: int, seed: int = 2024) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, replayable by design)
        self.gazetteer = gazetteer
        self.networks = networks
        counts = {c: n for c, n in gazetteer.res6_postcode_counts().items() if n > 0}
        self.cells = sorted(counts)
        self.background = list(accumulate(counts[c] for c in self.cells))
        centres = [h3.cell_to_latlng(c) for c in self.cells]
        self.hotspots = []
        for _name, lat, lng, share, spread, network in HOTSPOTS:
            weights = [
                counts[c] * math.exp(-((haversine_km(lat, lng, *centre) / spread) ** 2) / 2)
                for c, centre in zip(self.cells, centres, strict=True)
            ]
            if sum(weights) > 1.0:  # a gazetteer elsewhere simply has no such hotspot
                self.hotspots.append((share, list(accumulate(weights)), network))
        self._districts: dict[str, str] = {}
        self._children: dict[str, list[str]] = {}

    def week(self, week: str, *, visits: int) -> WeekOfReports:
        on_time: list[dict] = []
        late: list[dict] = []
        for _ in range(visits):
            cell, network = self._place()
            day = week_start(week) + timedelta(days=self._pick(DAY_WEIGHTS))
            setting, band = self._weighted(SETTINGS), self._weighted(BANDS)
            for _ in range(self._weighted(REPORTS_PER_VISIT)):
                who = (
                    network
                    if network is not None and self.rng.random() < 0.85
                    else self.rng.randrange(self.networks)
                )
                status = Status.CONFIRMED if self.rng.random() < CONFIRMED_SHARE else Status.PENDING
                told = band if self.rng.random() > 0.15 else TimeOfDay.UNKNOWN.value
                row = self._row(
                    cell=cell, day=day, setting=setting, band=told, network=who, status=status
                )
                (late if self.rng.random() < LATE_SHARE else on_time).append(row)
        for _ in range(round(SPAM_SHARE * len(on_time))):
            cell = self._child(self.rng.choices(self.cells, cum_weights=self.background)[0])
            day = week_start(week) + timedelta(days=self.rng.randrange(7))
            status = Status.REJECTED if self.rng.random() < SPAM_CAUGHT else Status.PENDING
            on_time.append(
                self._row(
                    cell=cell,
                    day=day,
                    setting=self._weighted(SETTINGS),
                    band=self._weighted(BANDS),
                    network=self.rng.randrange(self.networks),
                    status=status,
                )
            )
        self.rng.shuffle(on_time)  # storage order must not mirror generation order either
        return WeekOfReports(on_time=on_time, late=late, visits=visits)

    def _place(self) -> tuple[str, int | None]:
        shares = [h[0] for h in self.hotspots] + [BACKGROUND_SHARE]
        pick = self._pick(shares)
        if pick == len(self.hotspots):
            return self._child(self.rng.choices(self.cells, cum_weights=self.background)[0]), None
        _, weights, network = self.hotspots[pick]
        return self._child(self.rng.choices(self.cells, cum_weights=weights)[0]), network

    def _child(self, res6: str) -> str:
        if res6 not in self._children:
            self._children[res6] = sorted(h3.cell_to_children(res6, 7))
        return self.rng.choice(self._children[res6])

    def _row(
        self, *, cell: str, day: date, setting: str, band: str, network: int, status: Status
    ) -> dict:
        if cell not in self._districts:
            self._districts[cell] = self.gazetteer.nearest_district(*h3.cell_to_latlng(cell))
        return {
            "id": uuid.uuid4(),
            "network": network,
            "cell": cell,
            "district": self._districts[cell][:8],
            "occurred_on": day,
            "time_of_day": band,
            "setting": setting,
            "status": status.value,
            **{name: self.rng.choice(values) for name, values in FIELDS.items()},
        }

    def _weighted(self, table: Mapping[T, int]) -> T:
        return self.rng.choices(list(table), list(table.values()))[0]

    def _pick(self, weights: tuple[float, ...] | list[float]) -> int:
        return self.rng.choices(range(len(weights)), weights)[0]
