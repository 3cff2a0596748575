"""The in-process scheduler: daily jobs run outside requests, in a background thread.

Every job is idempotent and the publisher takes a database lock, so several replicas
running this loop at once still produce each release exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date

from fastapi import FastAPI

from server.config import Settings
from server.db import session_scope
from server.intake.store import drop_used_form_tokens

log = logging.getLogger("raidwatch.scheduler")
TICK_SECONDS = 60

# A daily job runs once per local day at the publish hour; `raidwatch serve` passes them in.
DailyJob = Callable[..., None]


class Scheduler:
    def __init__(self, settings: Settings, daily_jobs: Sequence[DailyJob] = ()) -> None:
        self.settings = settings
        self.daily_jobs = tuple(daily_jobs)
        self.stop = threading.Event()
        self._token_day: date = settings.today()
        self._jobs_day: date | None = None

    def tick(self, now_hour: int, today: date) -> None:
        if today != self._token_day:
            with session_scope(self.settings) as session:
                drop_used_form_tokens(session=session)
            self._token_day = today
        if now_hour >= self.settings.publish_hour and self._jobs_day != today:
            for job in self.daily_jobs:
                try:
                    job(settings=self.settings, today=today)
                except Exception as exc:  # keep the loop alive; the next day retries
                    log.error("daily job %s failed: %s", job.__name__, type(exc).__name__)
            self._jobs_day = today

    def run(self) -> None:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        while not self.stop.wait(TICK_SECONDS):
            now = datetime.now(ZoneInfo(self.settings.timezone))
            try:
                self.tick(now.hour, now.date())
            except Exception as exc:
                log.error("scheduler tick failed: %s", type(exc).__name__)


def start_scheduler(app: FastAPI, *, daily_jobs: Sequence[DailyJob]) -> Scheduler:
    scheduler = Scheduler(app.state.settings, daily_jobs)
    thread = threading.Thread(target=scheduler.run, name="raidwatch-scheduler", daemon=True)
    thread.start()
    app.state.scheduler = scheduler
    return scheduler
