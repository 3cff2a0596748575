"""The daily publishing job run by the in-process scheduler: publish, then housekeeping.

Both steps are idempotent and the publisher takes the database lock, so every replica may
run this job; each week is still released exactly once. Releasing and drawing run together
under the publishing-job lock (server.locking): a command waits for a job in progress, a
scheduler run skips it (another replica is doing the same work). Logs carry weeks and
coarse counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from server.config import Settings
from server.db import get_engine
from server.housekeeping.jobs import housekeep
from server.locking import publishing_job
from server.publishing.release import publish

log = logging.getLogger("raidwatch.publishing")


def publish_and_draw(
    *, settings: Settings, as_of: date, waiting: Callable[[], None] | None = None
) -> list[str]:
    """Under the publishing-job lock (waiting for another job first, after calling
    `waiting`): release every due week, then redraw the organiser maps."""
    with publishing_job(get_engine(settings), wait=True, waiting=waiting):
        return _publish_and_draw(settings=settings, as_of=as_of)


def _publish_and_draw(*, settings: Settings, as_of: date) -> list[str]:
    """Release every due week, then redraw the organiser maps if anything changed (a new
    release, or maps missing or drawn by another renderer)."""
    from server.maps.drawing import maps_are_current, render_maps

    released = publish(settings=settings, as_of=as_of)
    if released or not maps_are_current(settings=settings):
        render_maps(settings=settings)
    return released


def publish_and_purge(*, settings: Settings, today: date) -> None:
    try:
        with publishing_job(get_engine(settings), wait=False) as alone:
            if not alone:
                log.info("another publisher is running: this run leaves the release to it")
                return
            released = _publish_and_draw(settings=settings, as_of=today)
        if released:
            log.info("released %d week(s): %s", len(released), ", ".join(released))
    finally:  # retention does not wait for a healthy publisher
        # The scheduler empties the form tokens itself when the day changes.
        housekeep(settings=settings, as_of=today, form_tokens=False)
