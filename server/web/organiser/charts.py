"""Server-rendered SVG charts for organiser pages: no chart library in the browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

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


def line_chart(
    *,
    weeks: Sequence[str],
    series: Mapping[str, Sequence[int]],
    title: str,
    width: int = 640,
    height: int = 220,
) -> str:
    """One line per series over the weeks; noisy counts below 0 are drawn at 0."""
    left, right, top, bottom = 40, 170, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(max(values, default=0) for values in series.values())])
    step = plot_w / max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + plot_h - plot_h * max(0, v) / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#b1b4b6"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, week in enumerate(weeks):
        if i % max(1, len(weeks) // 6) == 0 or i == len(weeks) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" '
                f'font-size="10">{escape(week[-3:])}</text>'
            )
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        short = name if len(name) <= 26 else name[:25] + "\u2026"
        parts.append(
            f'<text x="{width - right + 8}" y="{top + 14 + 15 * n}" font-size="11" '
            f'fill="{colour}">{escape(short)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
