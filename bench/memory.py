"""Peak resident memory of this process while a block runs (sampled from /proc on Linux)."""

from __future__ import annotations

import resource
import threading
from pathlib import Path

STATUS = Path("/proc/self/status")


def rss_bytes() -> int:
    if STATUS.exists():
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakRSS:
    """`with PeakRSS() as peak: ...` then `peak.mb` (growth) and `peak.total_mb`."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self.base = self.peak = 0

    def __enter__(self) -> PeakRSS:
        self.base = self.peak = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    @property
    def mb(self) -> float:
        return (self.peak - self.base) / 2**20

    @property
    def total_mb(self) -> float:
        return self.peak / 2**20
