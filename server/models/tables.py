"""The Core tables behind the models, typed once, for the set-based SQL of publishing and
housekeeping (counting, releasing, purging), which reads and writes many rows at a time."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlmodel import SQLModel

from server.models import (
    AreaSeries,
    BudgetLedger,
    NamedArea,
    Network,
    PublicationArea,
    PublicationRegion,
    PublishedCount,
    PublishedRegionCount,
    Release,
    RenderedMap,
    Report,
    TrendCount,
    UsedFormToken,
)


def _table(model: type[SQLModel]) -> Table:
    # SQLModel does not declare ``__table__`` on its classes; every table=True model has one.
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


AREAS = _table(PublicationArea)
COUNTS = _table(PublishedCount)
LEDGER = _table(BudgetLedger)
NAMED = _table(NamedArea)
NETWORKS = _table(Network)
REGIONS = _table(PublicationRegion)
REGION_COUNTS = _table(PublishedRegionCount)
RELEASES = _table(Release)
RENDERED_MAPS = _table(RenderedMap)
REPORTS = _table(Report)
SERIES = _table(AreaSeries)
TRENDS = _table(TrendCount)
USED_TOKENS = _table(UsedFormToken)
