"""Group commit: reports accepted at about the same moment are stored in one transaction.

Invariant: a request is answered as stored (201, the receipt) only after the transaction
holding its report has committed durably (SQLite ``synchronous=FULL``, PostgreSQL
``synchronous_commit``); if that transaction fails, every request in it fails (5xx) and
none is acknowledged. Nothing is retried behind the member's back.

Each process has one writer, working in a thread of its own. The reports that arrive while
a commit is under way wait for it and then go together in the next one (at most
`MAX_BATCH`), so one fsync covers as many reports as arrived during the last, instead of
one fsync each. Alone, a report waits for nothing: the writer commits it at once.

Member links are looked up the same way (`LinkReader`): the lookups waiting at a moment
are one query, in a thread, so a database across the network never stalls the event loop
for a round trip per request. Both start with the first request on the running event loop
and are stopped, after draining, by the app's lifespan. Neither ever sees the request:
only link hashes and coarse reports.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.intake.store import NewReport, Stored, store_reports
from server.models import Network
from server.networks.links import networks_for_link_hashes

MAX_BATCH = 256  # reports per transaction (or links per lookup) at most; the rest wait

Item = TypeVar("Item")
Answer = TypeVar("Answer")


@dataclass
class _Lane(Generic[Item, Answer]):
    """The queue and worker task of one event loop."""

    waiting: deque[tuple[Item, asyncio.Future[Answer]]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    stopping: bool = False


class Grouped(Generic[Item, Answer]):
    """Runs `work` in one thread of its own on everything waiting, one group at a time.

    `work` gets the group and returns one answer per item, in order; if it raises, every
    item of the group gets that exception.
    """

    def __init__(
        self, work: Callable[[Sequence[Item]], list[Answer]], *, name: str, max_batch: int
    ) -> None:
        self._work = work
        self._max_batch = max_batch
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Lane[Item, Answer]] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, item: Item) -> Answer:
        """`item`'s answer, worked out with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None or lane.task is None or lane.task.done():
            lane = self._lanes[loop] = _Lane()
            lane.task = loop.create_task(self._work_through(lane))
        future: asyncio.Future[Answer] = loop.create_future()
        lane.waiting.append((item, future))
        lane.wake.set()
        return await future

    async def stop(self) -> None:
        """Finish what is waiting on this loop, then stop its worker (graceful shutdown)."""
        lane = self._lanes.pop(asyncio.get_running_loop(), None)
        if lane is not None and lane.task is not None:
            lane.stopping = True
            lane.wake.set()
            await lane.task

    async def _work_through(self, lane: _Lane[Item, Answer]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await lane.wake.wait()
            lane.wake.clear()
            while lane.waiting:
                count = min(len(lane.waiting), self._max_batch)
                group = [lane.waiting.popleft() for _ in range(count)]
                items = [item for item, _ in group]
                try:
                    answers = await loop.run_in_executor(self._thread, self._work, items)
                except Exception as exc:  # every request of the group fails with it
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:  # cancelled: the loop is going away, and its requests
                    for _, future in group:
                        future.cancel()
                    raise
                for (_, future), answer in zip(group, answers, strict=True):
                    if not future.done():  # a request cancelled meanwhile needs no answer
                        future.set_result(answer)
            if lane.stopping:
                return


class ReportWriter:
    """The process's one writer of accepted reports (see the module docstring)."""

    def __init__(self, engine: Callable[[], Engine], *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._group = Grouped(self._write, name="report-writer", max_batch=max_batch)

    async def store(self, report: NewReport) -> Stored:
        """Store `report` with whatever else is waiting; returns once it is durable."""
        return await self._group.run(report)

    async def stop(self) -> None:
        await self._group.stop()

    def _write(self, reports: Sequence[NewReport]) -> list[Stored]:
        with Session(self._engine()) as session:
            return store_reports(session=session, reports=reports)


class LinkReader:
    """Member-link lookups for the intake routes, grouped (see the module docstring)."""

    def __init__(self, engine: Callable[[], Engine], *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._group = Grouped(self._read, name="link-reader", max_batch=max_batch)

    async def network(self, link_hash: str) -> Network | None:
        """The active network whose member link has this hash, if any."""
        return await self._group.run(link_hash)

    async def stop(self) -> None:
        await self._group.stop()

    def _read(self, link_hashes: Sequence[str]) -> list[Network | None]:
        with Session(self._engine()) as session:
            found = networks_for_link_hashes(session=session, digests=set(link_hashes))
        return [found.get(digest) for digest in link_hashes]
