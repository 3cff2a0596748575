"""Reports driven through the proxy by concurrent clients, while one replica is killed.

Each report names a different postcode district, so the database says which reports were
stored, and how often, without the reports carrying any identifier (P2). Each is sent
once: a client that got no answer does not retry, so a second copy could only come from
the proxy or the app storing one request twice.
"""

from __future__ import annotations

import csv
import queue
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from scripts.cluster.parts import ROOT

DISTRICTS_CSV = ROOT / "server" / "data" / "gazetteer" / "uk_districts.csv"
SETTINGS = ("home", "workplace", "street", "transport", "shop")


@dataclass
class Outcome:
    sent: dict[str, date]  # district -> the day its report names
    answers: dict[str, str] = field(default_factory=dict)  # district -> status or error name

    @property
    def acknowledged(self) -> set[str]:
        return {d for d, status in self.answers.items() if status == "201"}

    def tally(self) -> Counter[str]:
        return Counter(self.answers.values())


def districts(count: int) -> list[str]:
    with DISTRICTS_CSV.open(newline="") as f:
        names = [row["district"] for row in csv.DictReader(f)]
    step = max(1, len(names) // count)
    chosen = names[::step][:count]
    if len(chosen) < count:
        raise ValueError(f"the gazetteer has only {len(chosen)} districts to spread over")
    return chosen


def report(district: str, day: date, n: int) -> dict[str, str]:
    return {
        "occurred_on": day.isoformat(),
        "time_of_day": ("morning", "afternoon", "evening", "night")[n % 4],
        "place": district,
        "setting": SETTINGS[n % len(SETTINGS)],
        "officers": "3-5",
        "vehicles": "1",
        "detained": "unknown",
        "source": "saw_it",
    }


def drive(
    *,
    base_url: str,
    token: str,
    count: int,
    workers: int,
    today: date,
    at_third: Callable[[], None],
    canaries: dict[str, str],
) -> Outcome:
    """Send `count` reports with `workers` clients; call `at_third` once a third is answered.
    Every request also carries `canaries`: headers that must be found nowhere afterwards."""
    names = districts(count)
    # Days over the last 24 days: some weeks are due for release, the current one is not.
    outcome = Outcome(sent={d: today - timedelta(days=n % 24) for n, d in enumerate(names)})
    work: queue.Queue[tuple[int, str]] = queue.Queue()
    for n, name in enumerate(names):
        work.put((n, name))
    lock = threading.Lock()
    fired = threading.Event()
    headers = {"Authorization": f"Bearer {token}", **canaries}

    def worker() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            while True:
                try:
                    n, name = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    response = client.post(
                        "/api/v1/reports", json=report(name, outcome.sent[name], n)
                    )
                    answer = str(response.status_code)
                except httpx.HTTPError as exc:
                    answer = type(exc).__name__
                with lock:
                    outcome.answers[name] = answer
                    third = len(outcome.answers) >= count // 3 and not fired.is_set()
                    if third:
                        fired.set()
                if third:
                    at_third()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
