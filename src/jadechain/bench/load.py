"""Offering the load and timing commits: open loop (a set rate) and closed loop (W batches
uncommitted at once, to find the maximum), from K concurrent client tasks.

Latency of a transaction = commit time (its block observed) - send time. In the open loop the send
time is the scheduled one, so a client that falls behind shows up as latency rather than hiding it
(no coordinated omission). The measured window starts after the warm-up and ends at the end of the
run, or at the last commit when the pre-signed supply ran out first.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from jadechain.bench.drivers import Driver
from jadechain.bench.presign import PreparedBatch

DRAIN_S = 30.0  # after the last send, how long to wait for outstanding commits


@dataclass(frozen=True)
class LoadSpec:
    rate: float | None  # transactions per second offered (open loop); None: closed loop
    clients: int = 4
    window: int = 8  # closed loop: batches sent and not yet fully committed, at most
    warmup_s: float = 2.0
    duration_s: float = 10.0


@dataclass
class Tracker:
    """Send and commit times per transaction key, and what each batch still waits for."""

    sent: dict[str, float] = field(default_factory=dict)
    committed: dict[str, float] = field(default_factory=dict)
    rejected: int = 0
    first_rejection: str = ""
    blocks: int = 0
    heights: list[int] = field(default_factory=list)  # of the blocks seen, in order
    _batch_of: dict[str, int] = field(default_factory=dict)
    _remaining: dict[int, int] = field(default_factory=dict)
    _done: dict[int, asyncio.Event] = field(default_factory=dict)
    _all_done: asyncio.Event = field(default_factory=asyncio.Event)

    def sending(self, batch_id: int, keys: list[str], at: float) -> asyncio.Event:
        for key in keys:
            self.sent[key] = at
            self._batch_of[key] = batch_id
        self._remaining[batch_id] = len(keys)
        self._all_done.clear()
        event = self._done[batch_id] = asyncio.Event()
        return event

    def on_block(self, at: float, height: int, keys: list[str]) -> None:
        self.blocks += 1
        self.heights.append(height)
        for key in keys:
            if key in self._batch_of and key not in self.committed:
                self.committed[key] = at
                self._settle(key)

    def on_rejected(self, keys: list[str], reason: str = "") -> None:
        self.rejected += len(keys)
        self.first_rejection = self.first_rejection or reason
        for key in keys:
            self._settle(key)

    def _settle(self, key: str) -> None:
        batch_id = self._batch_of.pop(key, None)
        if batch_id is None:
            return
        self._remaining[batch_id] -= 1
        if self._remaining[batch_id] == 0:
            del self._remaining[batch_id]
            self._done.pop(batch_id).set()
            if not self._remaining:
                self._all_done.set()

    @property
    def outstanding(self) -> int:
        return len(self._batch_of)

    async def drained(self, timeout_s: float) -> None:
        if self._remaining:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_done.wait(), timeout_s)


@dataclass
class Outcome:
    tracker: Tracker
    started: float  # perf_counter at the first send
    window: tuple[float, float]  # the measured window (perf_counter)
    offered: int  # transactions sent, in all
    exhausted: bool  # the pre-signed supply ran out before the end
    warmup_excluded: bool  # False: it ran out during the warm-up, the window is the whole run


async def drive(
    driver: Driver,
    batches: list[PreparedBatch],
    spec: LoadSpec,
    on_window: Callable[[bool], None],
) -> Outcome:
    """Send `batches` as `spec` says while watching commits; `on_window(True)` at the start of the
    measured window, `on_window(False)` at its end (True never comes when the supply ran out
    during the warm-up: the window is then the whole run, from the first send to the last
    commit)."""
    tracker = Tracker()
    watcher = asyncio.create_task(driver.watch(tracker.on_block))
    await asyncio.sleep(0.2)  # let the stream connect before anything commits
    started = time.perf_counter()
    measure_from = started + spec.warmup_s
    end = measure_from + spec.duration_s
    marker = asyncio.create_task(_mark_window(measure_from, end, on_window))
    try:
        sender = _open_loop if spec.rate else _closed_loop
        last_send = await sender(driver, batches, spec, tracker, started, end)
        exhausted = last_send < end
        early = last_send < measure_from  # ran out during the warm-up: measure the whole run
        if exhausted:
            marker.cancel()
        else:
            await marker
        await tracker.drained(DRAIN_S)
        if exhausted:
            on_window(False)
    finally:
        marker.cancel()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher
    window = (measure_from, end)
    if exhausted:  # the supply ran out: the window ends at the last commit
        last_commit = max(tracker.committed.values(), default=time.perf_counter())
        window = (started if early else measure_from, max(last_commit, last_send) + 1e-6)
    return Outcome(tracker, started, window, len(tracker.sent), exhausted, not early)


async def _mark_window(start: float, end: float, on_window: Callable[[bool], None]) -> None:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    on_window(True)
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    on_window(False)


async def _send(
    driver: Driver, tracker: Tracker, batch_id: int, batch: PreparedBatch, at: float
) -> asyncio.Event:
    keys = driver.keys(batch)
    done = tracker.sending(batch_id, keys, at)
    try:
        rejected = await driver.submit(batch)
    except Exception as error:
        tracker.on_rejected(keys, f"{type(error).__name__}: {error}")
        return done
    if rejected:
        tracker.on_rejected(rejected, "rejected at intake")
    return done


async def _open_loop(
    driver: Driver,
    batches: list[PreparedBatch],
    spec: LoadSpec,
    tracker: Tracker,
    started: float,
    end: float,
) -> float:
    """Batch i is due at started + i * size / rate; K clients send what is due, in order."""
    assert spec.rate is not None
    queue: asyncio.Queue[tuple[int, PreparedBatch, float] | None] = asyncio.Queue()

    async def client() -> None:
        while (item := await queue.get()) is not None:
            await _send(driver, tracker, *item)

    clients = [asyncio.create_task(client()) for _ in range(spec.clients)]
    due, last = started, started
    for batch_id, batch in enumerate(batches):
        if due >= end:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        queue.put_nowait((batch_id, batch, due))
        last = due
        due += len(batch) / spec.rate
    for _ in clients:
        queue.put_nowait(None)
    await asyncio.gather(*clients)
    return end if due >= end else last


async def _closed_loop(
    driver: Driver,
    batches: list[PreparedBatch],
    spec: LoadSpec,
    tracker: Tracker,
    started: float,
    end: float,
) -> float:
    """K clients; at most `window` batches sent and not fully committed (or rejected) at once."""
    supply: Iterator[tuple[int, PreparedBatch]] = enumerate(batches)
    slots = asyncio.Semaphore(spec.window)
    last = [started]
    releases: set[asyncio.Task[None]] = set()

    async def client() -> None:
        while True:
            await slots.acquire()
            item = next(supply, None)
            now = time.perf_counter()
            if item is None or now >= end:
                slots.release()
                return
            last[0] = now
            done = await _send(driver, tracker, item[0], item[1], now)
            release = asyncio.create_task(_release_when(done, slots))
            releases.add(release)
            release.add_done_callback(releases.discard)

    await asyncio.gather(*(client() for _ in range(spec.clients)))
    return end if time.perf_counter() >= end else last[0]


async def _release_when(done: asyncio.Event, slots: asyncio.Semaphore) -> None:
    await done.wait()
    slots.release()
