"""Stable element ids, so that a map page is the same bytes whichever process draws it.

branca gives every element (the map, each layer, tooltip, legend switch, the page's own
header and script holders) a random id, ``Element._generate_id`` → 16 bytes of
``os.urandom`` as hex, and folium writes it into the page as the element's JavaScript name
(``map_<id>``, ``geo_json_<id>``) and into the CSP hashes of the inline scripts. Two renders
of the same releases therefore differed in every name, and replicas could not agree on a map.

Invariant: inside `stable_ids()` ids come from a counter that starts at zero when the block
starts. A render creates its elements in an order fixed by its input, so the same releases
give the same names and the same page, byte for byte, in any process or machine. The counter
lives in a context variable: a render in another thread (or asyncio task) gets its own, and
code outside any block keeps branca's random ids. Ids keep branca's shape (32 hex digits),
and are unique within a page, which is all a page needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from branca.element import Element

_COUNTER: ContextVar[Iterator[int] | None] = ContextVar("raidwatch_map_ids", default=None)
_RANDOM_ID = Element._generate_id.__func__  # type: ignore[attr-defined]  # branca's own


def _generate_id(cls: type[Element]) -> str:
    counter = _COUNTER.get()
    if counter is None:
        return str(_RANDOM_ID(cls))
    return f"{next(counter):032x}"


_STABLE = classmethod(_generate_id)


def _install() -> None:
    """Put `_generate_id` in branca's one place that makes ids (a classmethod on the base
    class of every folium element); done by the first `stable_ids()`, not by importing this."""
    if Element.__dict__.get("_generate_id") is not _STABLE:
        Element._generate_id = _STABLE  # type: ignore[method-assign,assignment]  # see above


@contextmanager
def stable_ids() -> Iterator[None]:
    """Number every element created in this block 0, 1, 2, … (in this context only)."""
    _install()
    token = _COUNTER.set(itertools.count())
    try:
        yield
    finally:
        _COUNTER.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def with_stable_ids(render: Callable[P, R]) -> Callable[P, R]:
    """Run `render` inside `stable_ids()`: the decorator for a function that draws a page."""

    @wraps(render)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with stable_ids():
            return render(*args, **kwargs)

    return wrapper
