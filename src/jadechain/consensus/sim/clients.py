"""The client workload: unique batches offered to nodes at a fixed rate.

Every transaction payload is unique (`c<stream>-b<batch>-t<index>`), so a checker or a test can
tell exactly which submitted batch a node delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

Batch = tuple[bytes, ...]
Schedule = Callable[[int, Callable[[], None]], None]
Offer = Callable[[Batch, Collection[str] | None], None]


@dataclass(slots=True)
class _Stream:
    number: int
    interval_ms: int
    to: Collection[str] | None
    batch_size: int
    stop_ms: int | None
    next_ms: int
    count: int = 0


class Clients:
    def __init__(self, schedule: Schedule, offer: Offer) -> None:
        self._schedule = schedule
        self._offer = offer
        self._streams = 0
        self.submitted: list[Batch] = []

    def submit_every(
        self,
        interval_ms: int,
        *,
        to: Collection[str] | None = None,
        batch_size: int = 1,
        start_ms: int = 0,
        stop_ms: int | None = None,
    ) -> None:
        """From `start_ms + interval_ms` until `stop_ms`, offer a fresh batch every `interval_ms`
        to the nodes `to` (all nodes when None; a crashed node is skipped)."""
        if interval_ms <= 0 or batch_size <= 0:
            raise ValueError("interval_ms and batch_size must be positive")
        stream = _Stream(
            self._streams, interval_ms, to, batch_size, stop_ms, start_ms + interval_ms
        )
        self._streams += 1
        self._schedule_next(stream)

    def _schedule_next(self, stream: _Stream) -> None:
        if stream.stop_ms is None or stream.next_ms <= stream.stop_ms:
            self._schedule(stream.next_ms, lambda: self._submit(stream))

    def _submit(self, stream: _Stream) -> None:
        prefix = f"c{stream.number}-b{stream.count}"
        batch = tuple(f"{prefix}-t{i}".encode() for i in range(stream.batch_size))
        stream.count += 1
        stream.next_ms += stream.interval_ms
        self.submitted.append(batch)
        self._offer(batch, stream.to)
        self._schedule_next(stream)
