"""A deterministic discrete-event simulation of replicas on a faulty network.

Everything that varies comes from one integer seed: a `random.Random(seed)` is the only source of
randomness, the clock is simulated milliseconds, and events sit in a heap ordered by
(time, sequence number), so two events at the same time always run in the order they were queued.
The same seed therefore replays the same run exactly, and a failure names its seed.

Crash and restart: a crashed node receives nothing (messages, timers and client batches to it are
dropped) and its pending timers die with it. A restart builds a fresh replica with the factory and
hands it `Resume(height, time_ms)` -- the last height and block time this node delivered, which is
what a real node reads back from its ledger -- so a provider can resume from there (and fetch what
it missed from peers). Any other state a provider needs after a crash is the provider's to persist.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

from jadechain.consensus.base import Broadcast, Deliver, Effect, Replica, Send, SetTimer
from jadechain.consensus.sim.adversary import AdversaryContext, AdversaryFactory
from jadechain.consensus.sim.checkers import (
    Delivery,
    SimulationError,
    check_liveness,
    check_safety,
)
from jadechain.consensus.sim.clients import Batch, Clients
from jadechain.consensus.sim.network import Arrival, Network

MESSAGE_BYTES_MAX = 1 << 20
EVENTS_MAX = 5_000_000


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a (re)started replica starts: after `height`, whose block time was `time_ms`."""

    height: int = 0
    time_ms: int = 0


ReplicaFactory = Callable[[str, list[str], Resume], Replica]


@dataclass(frozen=True, slots=True)
class _Timer:
    node: str
    incarnation: int


@dataclass(frozen=True, slots=True)
class _Action:
    run: Callable[[], None]


_Event = Arrival | _Timer | _Action


@dataclass(slots=True)
class _Node:
    node_id: str
    peers: list[str]
    replica: Replica | None = None  # None while crashed
    incarnation: int = 0
    adversary: AdversaryFactory | None = None


class Simulation:
    def __init__(
        self,
        seed: int,
        nodes: int,
        factory: ReplicaFactory,
        *,
        message_bytes_max: int = MESSAGE_BYTES_MAX,
        events_max: int = EVENTS_MAX,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 -- a replayable simulation, not cryptography
        self.now_ms = 0
        self.factory = factory
        self.events_max = events_max
        self.node_ids = [f"n{i}" for i in range(nodes)]
        self.nodes = {
            node_id: _Node(node_id, [peer for peer in self.node_ids if peer != node_id])
            for node_id in self.node_ids
        }
        self.network = Network(self.rng, self.node_ids, message_bytes_max)
        self.clients = Clients(self._schedule_action, self._offer)
        self.deliveries: list[Delivery] = []
        self.events_run = 0
        self._queue: list[tuple[int, int, _Event]] = []
        self._sequence = 0
        self._started = False

    # -- the scenario language ---------------------------------------------------------------

    def at(self, at_ms: int) -> Moment:
        """Faults and actions that happen at simulated time `at_ms`."""
        return Moment(self, at_ms)

    def byzantine(self, node_id: str, adversary: AdversaryFactory) -> None:
        """Run `adversary` instead of the honest replica on `node_id` (before the run starts)."""
        if self._started:
            raise RuntimeError("choose byzantine nodes before the first run_until")
        self._node(node_id).adversary = adversary

    @property
    def honest(self) -> list[str]:
        return [n for n in self.node_ids if self.nodes[n].adversary is None]

    def is_up(self, node_id: str) -> bool:
        return self._node(node_id).replica is not None

    def crash(self, node_id: str) -> None:
        self._node(node_id).replica = None

    def restart(self, node_id: str) -> None:
        node = self._node(node_id)
        if node.replica is None:
            node.incarnation += 1
            self._start(node)

    def sync(self, node_id: str, source: str) -> None:
        """Block sync: `node_id` installs the heights `source` delivered beyond its own (recorded
        as its deliveries, as a node executes fetched certified blocks), then its replica is told
        `on_synced`. Nothing happens if the node is down or not behind."""
        node = self._node(node_id)
        mine = self.delivered(node_id)
        last = mine[-1].height if mine else 0
        fetched = [d for d in self.delivered(source) if d.height > last]
        if node.replica is None or not fetched:
            return
        for d in fetched:
            self.deliveries.append(
                Delivery(node_id, node.incarnation, d.height, d.batch, d.time_ms, self.now_ms)
            )
        replica, top = node.replica, fetched[-1]
        self._call(
            node, "on_synced", lambda: replica.on_synced(top.height, top.time_ms, self.now_ms)
        )

    def run_until(self, end_ms: int) -> None:
        """Run every event up to and including `end_ms`; the clock then reads `end_ms`."""
        if not self._started:
            self._started = True
            for node in self.nodes.values():
                self._start(node)
        while self._queue and self._queue[0][0] <= end_ms:
            at_ms, _, event = heapq.heappop(self._queue)
            self.now_ms = at_ms
            self.events_run += 1
            if self.events_run > self.events_max:
                self.fail(f"more than {self.events_max} events: a replica is looping")
            self._dispatch(event)
        self.now_ms = max(self.now_ms, end_ms)

    # -- results and checks ------------------------------------------------------------------

    def delivered(self, node_id: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.node == node_id]

    def delivery_log(self) -> bytes:
        """Every delivery in order, one line each: equal seeds give byte-identical logs."""
        return b"".join(delivery.encode() for delivery in self.deliveries)

    def check_safety(self) -> None:
        check_safety(self.seed, {node: self.delivered(node) for node in self.honest})

    def check_liveness(self, *, after: int, batches: int, within_ms: int) -> None:
        """After `after` (when all faults have healed) every honest node that is up delivers at
        least `batches` batches within `within_ms`."""
        if self.now_ms < after + within_ms:
            raise ValueError(f"run until at least {after + within_ms} ms before this check")
        live = [node for node in self.honest if self.is_up(node)]
        logs = {node: self.delivered(node) for node in live}
        check_liveness(self.seed, logs, live, after=after, batches=batches, within_ms=within_ms)

    def failure(self, what: str) -> SimulationError:
        return SimulationError(self.seed, f"{what} (at t={self.now_ms} ms)")

    def fail(self, what: str) -> NoReturn:
        raise self.failure(what)

    # -- machinery ---------------------------------------------------------------------------

    def _node(self, node_id: str) -> _Node:
        node = self.nodes.get(node_id)
        if node is None:
            raise ValueError(f"unknown node {node_id!r}; nodes are {', '.join(self.node_ids)}")
        return node

    def _push(self, at_ms: int, event: _Event) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (max(at_ms, self.now_ms), self._sequence, event))

    def _schedule_action(self, at_ms: int, run: Callable[[], None]) -> None:
        self._push(at_ms, _Action(run))

    def _start(self, node: _Node) -> None:
        mine = self.delivered(node.node_id)
        resume = Resume(mine[-1].height, mine[-1].time_ms) if mine else Resume()

        def build_honest() -> Replica:
            return self.factory(node.node_id, list(node.peers), resume)

        if node.adversary is None:
            node.replica = build_honest()
        else:
            rng = random.Random(self.rng.getrandbits(64))  # noqa: S311 -- replayable, as above
            context = AdversaryContext(
                node.node_id, tuple(node.peers), rng, self.network.message_bytes_max, build_honest
            )
            node.replica = node.adversary(context)
        # Every replica is ticked once as it starts, so it can set its first timers.
        self._push(self.now_ms, _Timer(node.node_id, node.incarnation))

    def _dispatch(self, event: _Event) -> None:
        if isinstance(event, _Action):
            event.run()
        elif isinstance(event, _Timer):
            node = self.nodes[event.node]
            if node.replica is not None and node.incarnation == event.incarnation:
                replica = node.replica
                self._call(node, "on_tick", lambda: replica.on_tick(self.now_ms))
        else:
            self._arrive(event)

    def _arrive(self, arrival: Arrival) -> None:
        node = self.nodes[arrival.to]
        if not self.network.connected(arrival.sender, arrival.to):
            self.network.stats.partitioned += 1
        elif node.replica is None:
            self.network.stats.to_crashed += 1
        else:
            self.network.stats.delivered += 1
            replica = node.replica
            self._call(
                node,
                f"on_message from {arrival.sender}",
                lambda: replica.on_message(arrival.sender, arrival.message, self.now_ms),
            )

    def _offer(self, batch: Batch, to: Collection[str] | None) -> None:
        for node_id in self.node_ids if to is None else sorted(to):
            node = self._node(node_id)
            if node.replica is not None:
                offer = partial(node.replica.on_batch_ready, batch, self.now_ms)
                self._call(node, "on_batch_ready", offer)

    def _call(self, node: _Node, what: str, call: Callable[[], list[Effect]]) -> None:
        """Run one replica callback and carry out its effects; an exception fails the run."""
        try:
            effects = call()
        except Exception as error:
            role = "honest" if node.adversary is None else "byzantine"
            raise self.failure(
                f"{role} replica {node.node_id} raised {type(error).__name__}: {error} in {what}"
            ) from error
        for effect in effects:
            self._apply(node, effect)

    def _apply(self, node: _Node, effect: Effect) -> None:
        if isinstance(effect, Send):
            self._transmit(node.node_id, effect.to, effect.message)
        elif isinstance(effect, Broadcast):
            for peer in node.peers:
                self._transmit(node.node_id, peer, effect.message)
        elif isinstance(effect, Deliver):
            self.deliveries.append(
                Delivery(
                    node.node_id,
                    node.incarnation,
                    effect.height,
                    effect.batch,
                    effect.time_ms,
                    self.now_ms,
                )
            )
        elif isinstance(effect, SetTimer):
            self._push(effect.at_ms, _Timer(node.node_id, node.incarnation))
        else:
            self.fail(f"{node.node_id} returned an unknown effect {effect!r}")

    def _transmit(self, sender: str, to: str, message: bytes) -> None:
        for arrival in self.network.transmit(sender, to, message, self.now_ms):
            self._push(arrival.at_ms, arrival)


class Moment:
    """`sim.at(t)`: schedule faults at simulated time t. Each method returns the moment again."""

    def __init__(self, simulation: Simulation, at_ms: int) -> None:
        self.simulation = simulation
        self.at_ms = at_ms

    def call(self, run: Callable[[], None]) -> Moment:
        self.simulation._schedule_action(self.at_ms, run)
        return self

    def partition(self, *groups: Collection[str]) -> Moment:
        network = self.simulation.network
        assignment = network.assign_groups(*groups)  # checked now, while the scenario is written
        return self.call(lambda: network.partition_by(assignment))

    def heal(self) -> Moment:
        return self.call(self.simulation.network.heal)

    def crash(self, node_id: str) -> Moment:
        self.simulation._node(node_id)
        return self.call(lambda: self.simulation.crash(node_id))

    def restart(self, node_id: str) -> Moment:
        self.simulation._node(node_id)
        return self.call(lambda: self.simulation.restart(node_id))

    def sync(self, node_id: str, source: str) -> Moment:
        self.simulation._node(node_id)
        self.simulation._node(source)
        return self.call(lambda: self.simulation.sync(node_id, source))
