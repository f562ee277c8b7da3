"""The consensus seam: a replica is a pure state machine.

Inputs are method calls with the current time passed in; outputs are effects for the node to
carry out. A replica never touches sockets, disk, threads or the clock, so the same code runs on
real transport in a node and on a seeded network in the simulator.

Consensus orders opaque *batches* (lists of encoded transactions) and gives each a height and a
time; the node executes the batch, and the certificate round agrees on the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Send:
    """Send `message` to the replica `to`."""

    to: str
    message: bytes


@dataclass(frozen=True, slots=True)
class Broadcast:
    """Send `message` to every other replica."""

    message: bytes


@dataclass(frozen=True, slots=True)
class Deliver:
    """Batch number `height` is decided: execute it with block time `time_ms`."""

    height: int
    batch: tuple[bytes, ...]
    time_ms: int


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Call `on_tick` at or after `at_ms`."""

    at_ms: int


Effect = Send | Broadcast | Deliver | SetTimer


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """What `jadechain net status` shows of a replica."""

    provider: str
    view: int
    leader: str | None  # the node id of the current leader, if the provider has one
    delivered: int  # the last height this replica delivered
    changing: bool = False  # in the middle of a view change


class Replica(Protocol):
    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        """The mempool offers a batch this replica may propose."""
        ...

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        """A message from another replica (untrusted input: must never raise on garbage)."""
        ...

    def on_tick(self, now_ms: int) -> list[Effect]:
        """Time has passed (a timer fired)."""
        ...

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        """The node installed certified blocks up to `height` (block time `time_ms`) fetched
        from peers: the replica skips ahead and must not deliver those heights again."""
        ...

    def status(self) -> ReplicaStatus: ...
