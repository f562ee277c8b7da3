"""`solo`: one replica that decides every batch it is offered, for development and tests.

Heights are consecutive from the one after the last delivered; block times strictly increase even
if the clock steps back (a block time is never before its parent's).
"""

from __future__ import annotations

from jadechain.consensus.base import Deliver, Effect, ReplicaStatus


class SoloReplica:
    def __init__(self, last_height: int, last_time_ms: int) -> None:
        self.height = last_height
        self.time_ms = last_time_ms

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        self.height += 1
        self.time_ms = max(now_ms, self.time_ms + 1)
        return [Deliver(self.height, batch, self.time_ms)]

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        return []  # a solo replica has no peers: anything received is ignored

    def on_tick(self, now_ms: int) -> list[Effect]:
        return []

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        self.height = max(self.height, height)
        self.time_ms = max(self.time_ms, time_ms)
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("solo", 0, None, self.height)
