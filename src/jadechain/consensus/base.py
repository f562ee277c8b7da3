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
