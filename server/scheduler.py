"""The in-process scheduler: jobs run outside requests, in a background thread.

New-day jobs run when the local day changes; daily jobs once per local day at the publish
hour; window jobs once per mixing window
(windows are aligned to the Unix epoch, so replicas agree on them) and once soon after
start. Every job is idempotent and the publisher takes a database lock, so several
replicas running this loop at once still produce each release exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date

from fastapi import FastAPI

from server.config import Settings

log = logging.getLogger("raidwatch.scheduler")
TICK_SECONDS = 60

# `raidwatch serve` passes the jobs in: daily ones get (settings, today); window and new-day
# ones get settings.
DailyJob = Callable[..., None]
WindowJob = Callable[..., None]


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        daily_jobs: Sequence[DailyJob] = (),
        window_jobs: Sequence[WindowJob] = (),
        new_day_jobs: Sequence[WindowJob] = (),
    ) -> None:
        self.settings = settings
        self.daily_jobs = tuple(daily_jobs)
        self.window_jobs = tuple(window_jobs)
        self.new_day_jobs = tuple(new_day_jobs)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self._day: date = settings.today()
        self._jobs_day: date | None = None
        self._window: int | None = None

    def tick(self, now_hour: int, today: date, now: float | None = None) -> None:
        if today != self._day:
            for job in self.new_day_jobs:
                try:
                    job(settings=self.settings)
                except Exception as exc:  # the publish hour's housekeeping does it again
                    log.error("new-day job %s failed: %s", job.__name__, type(exc).__name__)
            self._day = today
        if now_hour >= self.settings.publish_hour and self._jobs_day != today:
            for job in self.daily_jobs:
                try:
                    job(settings=self.settings, today=today)
                except Exception as exc:  # keep the loop alive; the next day retries
                    log.error("daily job %s failed: %s", job.__name__, type(exc).__name__)
            self._jobs_day = today
        now = time.time() if now is None else now
        window = int(now // (self.settings.mix_window_minutes * 60))
        if window != self._window:
            for job in self.window_jobs:
                try:
                    job(settings=self.settings)
                except Exception as exc:  # the next window retries
                    log.error("window job %s failed: %s", job.__name__, type(exc).__name__)
            self._window = window

    def run(self) -> None:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        while not self.stop.wait(TICK_SECONDS):
            now = datetime.now(ZoneInfo(self.settings.timezone))
            try:
                self.tick(now.hour, now.date())
            except Exception as exc:
                log.error("scheduler tick failed: %s", type(exc).__name__)


def start_scheduler(
    app: FastAPI,
    *,
    daily_jobs: Sequence[DailyJob],
    window_jobs: Sequence[WindowJob] = (),
    new_day_jobs: Sequence[WindowJob] = (),
) -> Scheduler:
    scheduler = Scheduler(app.state.settings, daily_jobs, window_jobs, new_day_jobs)
    scheduler.thread = threading.Thread(
        target=scheduler.run, name="raidwatch-scheduler", daemon=True
    )
    scheduler.thread.start()
    app.state.scheduler = scheduler
    return scheduler


def stop_scheduler(scheduler: Scheduler, timeout: float = 30) -> None:
    """Stop the loop and wait for a job in progress, so shutdown closes an idle database."""
    scheduler.stop.set()
    if scheduler.thread is not None:
        scheduler.thread.join(timeout)
