"""Recovering arrival order from what is stored: Kendall's tau and where rows sit on disk.

Used by the P2 order test: it submits reports in a known order and asks how much of that
order the SQLite file, its WAL, or PostgreSQL's heap positions and transaction ids give back.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from pathlib import Path


def kendall_tau(
    first: Sequence[float], second: Sequence[float], groups: Sequence[Hashable] | None = None
) -> float:
    """Kendall's tau-b between two rankings (0.0 if either is constant).

    With `groups`, only pairs in the same group count (e.g. rows on the same page).
    """
    concordant = discordant = tied_first = tied_second = 0
    for i in range(len(first)):
        for j in range(i + 1, len(first)):
            if groups is not None and groups[i] != groups[j]:
                continue
            a = (first[i] > first[j]) - (first[i] < first[j])
            b = (second[i] > second[j]) - (second[i] < second[j])
            if a == 0 and b == 0:
                continue
            if a == 0:
                tied_first += 1
            elif b == 0:
                tied_second += 1
            elif a == b:
                concordant += 1
            else:
                discordant += 1
    pairs = concordant + discordant
    denominator = math.sqrt((pairs + tied_first) * (pairs + tied_second))
    return (concordant - discordant) / denominator if denominator else 0.0


def offsets(data: bytes, needle: bytes) -> list[int]:
    """Every offset at which `needle` occurs in `data`."""
    found, start = [], data.find(needle)
    while start != -1:
        found.append(start)
        start = data.find(needle, start + 1)
    return found


def read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def page_size(database: bytes) -> int:
    size = int.from_bytes(database[16:18], "big")
    return 65536 if size == 1 else size
