"""`solo` on several nodes: one fixed leader orders everything; the others follow it.

The leader (the ledger's first participant) decides every batch it is offered or forwarded, in
order, and sends each decision (`Decided`) to every follower. A follower forwards the batches
offered to it to the leader, delivers the leader's decisions in height order (holding up to
WINDOW ahead), and asks the leader to resend what it missed (`Behind`). The leader keeps its last
KEEP decisions for that; a follower further behind catches up by block sync.

There is no fault tolerance: while the leader is down nothing is decided. Messages from anyone
but the leader (decisions) or a known follower (forwards) are dropped.
"""

from __future__ import annotations

from collections import OrderedDict

from jadechain import codec
from jadechain.codec import Record
from jadechain.consensus.base import Broadcast, Deliver, Effect, ReplicaStatus, Send, SetTimer

Batch = tuple[bytes, ...]
KEEP = 256  # decisions the leader keeps for resending
WINDOW = 1024  # decisions a follower holds ahead of the next one it needs
BEHIND_EVERY_MS = 200


class Forward(Record, frozen=True, tag="f"):
    batch: Batch


class Decided(Record, frozen=True, tag="d"):
    height: int
    time_ms: int
    batch: Batch


class Behind(Record, frozen=True, tag="b"):
    delivered: int


Message = Forward | Decided | Behind


def _decode(data: bytes) -> Message | None:
    try:
        return codec.decode(data, Message)  # type: ignore[arg-type]
    except (codec.CodecError, ValueError, TypeError, OverflowError):
        return None


class SoloNetReplica:
    def __init__(
        self, node_id: str, leader: str, peers: list[str], last_height: int, last_time_ms: int
    ) -> None:
        self.node_id = node_id
        self.leader = leader
        self.peers = set(peers) - {node_id}
        self.delivered = last_height
        self.time_ms = last_time_ms
        self.kept: OrderedDict[int, Decided] = OrderedDict()
        self.held: dict[int, Decided] = {}
        self.last_behind_ms = 0
        self.dropped = 0

    @property
    def leading(self) -> bool:
        return self.node_id == self.leader

    def on_batch_ready(self, batch: Batch, now_ms: int) -> list[Effect]:
        if not self.leading:
            return [Send(self.leader, codec.encode(Forward(batch)))]
        return self._decide(batch, now_ms)

    def _decide(self, batch: Batch, now_ms: int) -> list[Effect]:
        self.delivered += 1
        self.time_ms = max(now_ms, self.time_ms + 1)
        decided = Decided(self.delivered, self.time_ms, batch)
        self.kept[decided.height] = decided
        while len(self.kept) > KEEP:
            self.kept.popitem(last=False)
        return [Deliver(decided.height, batch, self.time_ms), Broadcast(codec.encode(decided))]

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        decoded = _decode(message) if sender in self.peers else None
        if isinstance(decoded, Forward) and self.leading:
            return self._decide(decoded.batch, now_ms)
        if isinstance(decoded, Behind) and self.leading:
            return self._resend(sender, decoded.delivered)
        if isinstance(decoded, Decided) and sender == self.leader and not self.leading:
            return self._follow(decoded, now_ms)
        self.dropped += 1
        return []

    def _resend(self, sender: str, delivered: int) -> list[Effect]:
        effects: list[Effect] = []
        for height in range(delivered + 1, min(self.delivered, delivered + 64) + 1):
            decided = self.kept.get(height)
            if decided is not None:
                effects.append(Send(sender, codec.encode(decided)))
        return effects

    def _follow(self, decided: Decided, now_ms: int) -> list[Effect]:
        if self.delivered < decided.height <= self.delivered + WINDOW:
            self.held[decided.height] = decided
        effects: list[Effect] = []
        while (ready := self.held.pop(self.delivered + 1, None)) is not None:
            self.delivered = ready.height
            self.time_ms = ready.time_ms
            effects.append(Deliver(ready.height, ready.batch, ready.time_ms))
        if self.held:
            effects.extend(self._ask(now_ms))
        return effects

    def _ask(self, now_ms: int) -> list[Effect]:
        if now_ms - self.last_behind_ms < BEHIND_EVERY_MS:
            return []
        self.last_behind_ms = now_ms
        return [Send(self.leader, codec.encode(Behind(self.delivered)))]

    def on_tick(self, now_ms: int) -> list[Effect]:
        effects: list[Effect] = [SetTimer(now_ms + BEHIND_EVERY_MS)]
        if not self.leading and self.held:
            effects.extend(self._ask(now_ms))
        return effects

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        if height > self.delivered:
            self.delivered, self.time_ms = height, time_ms
            self.held = {h: d for h, d in self.held.items() if h > height}
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("solo", 0, self.leader, self.delivered)
