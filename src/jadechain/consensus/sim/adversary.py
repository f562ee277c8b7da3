"""Byzantine nodes: objects with the replica interface that break the protocol on purpose.

An adversary is built from an `AdversaryContext` (so a class whose constructor takes one is an
adversary factory). Its randomness comes from a stream derived from the simulation seed, so a run
with adversaries replays exactly like any other.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from jadechain.consensus.base import Broadcast, Effect, Replica, ReplicaStatus, Send, SetTimer


@dataclass(frozen=True, slots=True)
class AdversaryContext:
    node_id: str
    peers: tuple[str, ...]  # every other node
    rng: random.Random
    message_bytes_max: int
    honest: Callable[[], Replica]  # builds the real replica this node would otherwise run


AdversaryFactory = Callable[[AdversaryContext], Replica]


class Silent:
    """Receives everything and says nothing: a crash that the other nodes cannot see."""

    def __init__(self, context: AdversaryContext) -> None:
        self.node_id = context.node_id

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        return []

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        return []

    def on_tick(self, now_ms: int) -> list[Effect]:
        return []

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("adversary", 0, None, 0)


class Garbage(Silent):
    """On every tick sends each peer random bytes, and broadcasts one oversize message."""

    tick_interval_ms = 50
    garbage_bytes_max = 512

    def __init__(self, context: AdversaryContext) -> None:
        super().__init__(context)
        self.peers = context.peers
        self.rng = context.rng
        self.oversize = b"\x00" * (context.message_bytes_max + 1)

    def on_tick(self, now_ms: int) -> list[Effect]:
        effects: list[Effect] = [
            Send(peer, self.rng.randbytes(self.rng.randint(0, self.garbage_bytes_max)))
            for peer in self.peers
        ]
        effects.append(Broadcast(self.oversize))
        effects.append(SetTimer(now_ms + self.tick_interval_ms))
        return effects


class Equivocator:
    """Runs the real replica, but turns each broadcast into per-peer sends of different copies.

    The first peer gets the real message and every other peer a copy with one byte changed, so
    peers that compare notes see conflicting messages from the same sender.
    """

    def __init__(self, context: AdversaryContext) -> None:
        self.inner = context.honest()
        self.peers = context.peers
        self.rng = context.rng

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        return self._equivocate(self.inner.on_batch_ready(batch, now_ms))

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        return self._equivocate(self.inner.on_message(sender, message, now_ms))

    def on_tick(self, now_ms: int) -> list[Effect]:
        return self._equivocate(self.inner.on_tick(now_ms))

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        return self._equivocate(self.inner.on_synced(height, time_ms, now_ms))

    def status(self) -> ReplicaStatus:
        return self.inner.status()

    def _equivocate(self, effects: list[Effect]) -> list[Effect]:
        result: list[Effect] = []
        for effect in effects:
            if not isinstance(effect, Broadcast):
                result.append(effect)
                continue
            for index, peer in enumerate(self.peers):
                message = effect.message if index == 0 else self._mutate(effect.message)
                result.append(Send(peer, message))
        return result

    def _mutate(self, message: bytes) -> bytes:
        if not message:
            return bytes([self.rng.randrange(256)])
        position = self.rng.randrange(len(message))
        changed = message[position] ^ self.rng.randrange(1, 256)
        return message[:position] + bytes([changed]) + message[position + 1 :]
