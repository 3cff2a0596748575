""" "Did you mean": the place names nearest to a misspelt one ("Hackny" -> Hackney).

Only names of the gazetteer are offered, never a guess stored: the member picks one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from server.places.tables import Entry

if TYPE_CHECKING:
    from server.places.home import HomeArea

MIN_CHARS = 4  # shorter words are too easy to "nearly" match
MIN_SCORE = 80  # rapidfuzz ratio (0-100): "hackny"/"hackney" scores 92
MAX_SUGGESTIONS = 5


class Suggester:
    def __init__(self, entries: dict[str, list[Entry]]) -> None:
        self._entries = entries
        self._names = list(entries)

    def near(self, query: str, home: HomeArea | None = None) -> list[Entry]:
        """Places whose names are close to the query: the home area's first, then heaviest."""
        if len(query) < MIN_CHARS:
            return []
        found = process.extract(
            query, self._names, scorer=fuzz.ratio, limit=MAX_SUGGESTIONS, score_cutoff=MIN_SCORE
        )
        home_districts = home.districts if home else frozenset()
        scored = [
            (not home_districts.isdisjoint(entry.districts), score, entry.weight, entry)
            for name, score, _ in found
            for entry in self._entries[name]
        ]
        scored.sort(key=lambda item: (not item[0], -item[1], -item[2], item[3].key))
        return [item[3] for item in scored[:MAX_SUGGESTIONS]]
