"""Weekly trend lines for the dashboard, read from frozen releases only (noisy counts).

Per setting: national lines. Per network: only the networks this organiser may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from server.intake.fields import CHOICES
from server.models import Network, Release, TrendCount


@dataclass(frozen=True)
class Trends:
    weeks: list[str]
    by_setting: dict[str, list[int]]
    by_network: dict[str, list[int]]


def trend_series(*, session: Session, networks: list[Network], weeks: int = 12) -> Trends:
    releases = list(session.exec(select(Release).order_by(col(Release.week).desc()).limit(weeks)))
    releases.reverse()
    ids = [r.id for r in releases]
    counts: dict[tuple[object, str], int] = {}
    if ids:
        for row in session.exec(select(TrendCount).where(col(TrendCount.release_id).in_(ids))):
            counts[(row.release_id, row.series)] = row.count
    if not counts:
        return Trends(weeks=[r.week for r in releases], by_setting={}, by_network={})

    def line(series: str) -> list[int]:
        return [max(0, counts.get((r.id, series), 0)) for r in releases]

    by_setting = {
        str(label): line(f"setting:{value}") for value, label in CHOICES["setting"].items()
    }
    by_network = {n.name: line(f"network:{n.id}") for n in networks}
    return Trends(weeks=[r.week for r in releases], by_setting=by_setting, by_network=by_network)
