"""Server-rendered SVG charts for organiser pages: no chart library in the browser.

A chart must read without colour and without SVG: each series has its own dash pattern
and marker as well as a colour, and is labelled at its end; the weeks axis is dated, with
a tick per week; and every chart comes with its numbers as a table (`Chart.rows`), for
screen readers and for browsers that draw no SVG (Tor Browser on "Safest").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from server.weeks import week_start

# One colour per setting (11) and then some; each at least 3:1 against white.
PALETTE = (
    "#1d4e89",
    "#d4351c",
    "#00703c",
    "#b35c00",
    "#6f72af",
    "#912b88",
    "#1f7a72",
    "#5f6d2a",
    "#0b0c0c",
    "#a3195b",
    "#505a5f",
    "#3d5f99",
)
# Dash patterns and markers cycle at different lengths, so no two of 12 series share both.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
NICE_STEPS = (1, 2, 5)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    weeks: tuple[str, ...]  # column heads of the table: "2026-W09 (from 23 Feb)"
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # one per series, counts below 0 as 0


def week_label(week: str, *, year: bool = False) -> str:
    """The Monday a week starts on, "23 Feb" (or "23 Feb 2026")."""
    start = week_start(week)
    return f"{start.day} {start:%b}" + (f" {start.year}" if year else "")


def chart(*, weeks: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> Chart:
    """The chart as SVG, and its numbers for the table next to it."""
    return Chart(
        title=title,
        svg=line_chart(weeks=weeks, series=series, title=title),
        weeks=tuple(f"{w} (from {week_label(w)})" for w in weeks),
        rows=tuple((name, tuple(max(0, v) for v in values)) for name, values in series.items()),
    )


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    r = 3.5
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if kind == "square":
        corner = f'x="{x - r:.1f}" y="{y - r:.1f}"'
        return f'<rect {corner} width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - r - 1:.1f} {x - r - 0.5:.1f},{y + r:.1f} {x + r + 0.5:.1f},{y + r:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "diamond":
        pts = (
            f"{x:.1f},{y - r - 1:.1f} {x + r:.1f},{y:.1f} "
            f"{x:.1f},{y + r + 1:.1f} {x - r:.1f},{y:.1f}"
        )
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "cross":
        return (
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
            f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
    return (  # a short upright bar
        f'<rect x="{x - 1.5:.1f}" y="{y - r - 1:.1f}" width="3" height="{2 * r + 2}" '
        f'fill="{colour}"/>'
    )


def _y_ticks(peak: int) -> list[int]:
    """Round tick values from 0 to at least `peak`, four or five of them."""
    step = next(s * 10**e for e in range(9) for s in NICE_STEPS if s * 10**e * 4 >= peak)
    return [step * i for i in range(math.ceil(peak / step) + 1)]


def line_chart(
    *,
    weeks: Sequence[str],
    series: Mapping[str, Sequence[int]],
    title: str,
    width: int = 720,
    height: int = 300,
) -> str:
    """One line per series over the weeks; noisy counts below 0 are drawn at 0."""
    left, right, top, bottom = 48, 190, 14, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _y_ticks(max([1, *(max(values, default=0) for values in series.values())]))
    peak = ticks[-1]
    step = plot_w / max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + plot_h - plot_h * max(0, v) / peak

    base = top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}: line chart; the same numbers are in the '
        f'table below it"><title>{escape(title)}</title>',
        '<g font-size="11" fill="#1b1b1b">',
    ]
    for value in ticks:  # y axis: gridline, tick and label per round value
        parts.append(
            f'<line x1="{left - 4}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
            f'stroke="{"#6f777b" if value == 0 else "#dfe2e4"}"/>'
            f'<text x="{left - 7}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">Incidents a week</text>'
    )
    every = max(1, math.ceil(len(weeks) / 7))  # labels no closer than ~60 px
    year = 0
    for i, week in enumerate(weeks):  # x axis: a tick per week, a dated label on some
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{base}" x2="{x(i):.1f}" y2="{base + 5}" stroke="#6f777b"/>'
        )
        if i % every == 0 or i == len(weeks) - 1:
            label = week_label(week, year=week_start(week).year != year)  # at each new year
            year = week_start(week).year
            parts.append(
                f'<text x="{x(i):.1f}" y="{base + 18}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
        "Week starting (Monday)</text>"
    )
    ends: list[tuple[float, int]] = []
    for n, values in enumerate(series.values()):
        ends.append((y(values[-1]) if values else base, n))
    # Direct labels at the lines' ends, pushed apart so that none overlap.
    placed: dict[int, float] = {}
    last = -math.inf
    for wanted, n in sorted(ends):
        at = max(wanted + 4, last + 13)
        placed[n] = at
        last = at
    shift = max(0.0, last - (height - 4))
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        dash = DASHES[n % len(DASHES)]
        marker = MARKERS[n % len(MARKERS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dashed} points="{points}"/>'
        )
        parts.extend(_marker(marker, x(i), y(v), colour) for i, v in enumerate(values))
        short = name if len(name) <= 24 else name[:23] + "\u2026"
        label_y = placed[n] - shift
        end_x = x(len(values) - 1) if values else left
        parts.append(
            f'<line x1="{end_x + 4:.1f}" y1="{y(values[-1]) if values else base:.1f}" '
            f'x2="{width - right + 10}" y2="{label_y - 4:.1f}" stroke="{colour}" '
            'stroke-width="0.75"/>'
            + _marker(marker, width - right + 16, label_y - 4, colour)
            + f'<text x="{width - right + 24}" y="{label_y:.1f}" fill="{colour}">'
            f"{escape(short)}</text>"
        )
    parts.append("</g></svg>")
    return "".join(parts)
