"""The simulated network: per-link delay, loss and duplication, partitions and a size limit.

The network never holds messages itself: `transmit` decides, from the simulation's seeded random
stream, whether and when each copy of a message arrives, and the simulation queues the arrivals.
Reordering is not a setting of its own; it arises because each copy draws its own delay.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Self


@dataclass(slots=True)
class LinkSettings:
    """How one directed link behaves: a uniform delay in [min, max] ms and two probabilities."""

    delay_min_ms: int = 1
    delay_max_ms: int = 10
    drop: float = 0.0
    duplicate: float = 0.0


@dataclass(frozen=True, slots=True)
class Arrival:
    """One copy of a message that will reach `to` at `at_ms`."""

    at_ms: int
    sender: str
    to: str
    message: bytes


@dataclass(slots=True)
class NetworkStats:
    """Counters of what happened to messages; a test reads them to check the model."""

    sent: int = 0
    delivered: int = 0
    dropped: int = 0  # lost at random
    duplicated: int = 0  # extra copies made
    partitioned: int = 0  # cut by a partition, at send or at arrival
    oversize: int = 0  # longer than message_bytes_max
    to_crashed: int = 0  # arrived at a crashed node
    unknown: int = 0  # addressed to a node id that does not exist


class Link:
    """Fluent settings of one link (or, on `Network`, of every link without its own settings)."""

    def __init__(self, settings: LinkSettings) -> None:
        self.settings = settings

    def delay(self, low_ms: int, high_ms: int) -> Self:
        if not 0 <= low_ms <= high_ms:
            raise ValueError(f"delay range must satisfy 0 <= low <= high, got {low_ms}..{high_ms}")
        self.settings.delay_min_ms, self.settings.delay_max_ms = low_ms, high_ms
        return self

    def drop(self, probability: float) -> Self:
        self.settings.drop = _probability(probability)
        return self

    def duplicate(self, probability: float) -> Self:
        self.settings.duplicate = _probability(probability)
        return self


class Network(Link):
    """Default link settings, per-link overrides, the current partition and the counters."""

    def __init__(self, rng: random.Random, node_ids: Sequence[str], message_bytes_max: int) -> None:
        super().__init__(LinkSettings())
        self.rng = rng
        self.node_ids = tuple(node_ids)
        self.message_bytes_max = message_bytes_max
        self.stats = NetworkStats()
        self.links: dict[tuple[str, str], LinkSettings] = {}
        self.groups: dict[str, int] | None = None

    def link(self, sender: str, to: str) -> Link:
        """Settings of the directed link sender -> to, starting as a copy of the defaults now.

        Configure the defaults first: a link keeps its own copy once it has been asked for.
        """
        self._check_known(sender, to)
        settings = self.links.setdefault((sender, to), replace(self.settings))
        return Link(settings)

    def partition(self, *groups: Collection[str]) -> None:
        """Only nodes in the same group can talk; nodes named in no group form one more group."""
        self.groups = self.assign_groups(*groups)

    def partition_by(self, assignment: dict[str, int]) -> None:
        self.groups = dict(assignment)

    def assign_groups(self, *groups: Collection[str]) -> dict[str, int]:
        """Map each named node to the index of its group, checking names and overlaps."""
        seen: dict[str, int] = {}
        for index, group in enumerate(groups):
            self._check_known(*group)
            for node_id in group:
                if node_id in seen:
                    raise ValueError(f"{node_id} is in two partition groups")
                seen[node_id] = index
        return seen

    def heal(self) -> None:
        self.groups = None

    def connected(self, sender: str, to: str) -> bool:
        if self.groups is None or sender == to:
            return True
        return self.groups.get(sender, -1) == self.groups.get(to, -1)

    def transmit(self, sender: str, to: str, message: bytes, now_ms: int) -> list[Arrival]:
        """Decide the fate of one message: zero, one or two arrivals."""
        self.stats.sent += 1
        if to not in self.node_ids:
            self.stats.unknown += 1
            return []
        if len(message) > self.message_bytes_max:
            self.stats.oversize += 1
            return []
        if not self.connected(sender, to):
            self.stats.partitioned += 1
            return []
        settings = self.links.get((sender, to), self.settings)
        if self.rng.random() < settings.drop:
            self.stats.dropped += 1
            return []
        copies = 1
        if self.rng.random() < settings.duplicate:
            self.stats.duplicated += 1
            copies = 2
        return [
            Arrival(
                now_ms + self.rng.randint(settings.delay_min_ms, settings.delay_max_ms),
                sender,
                to,
                message,
            )
            for _ in range(copies)
        ]

    def _check_known(self, *node_ids: str) -> None:
        for node_id in node_ids:
            if node_id not in self.node_ids:
                raise ValueError(f"unknown node {node_id!r}; nodes are {', '.join(self.node_ids)}")


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"a probability must be in [0, 1], got {value}")
    return value
