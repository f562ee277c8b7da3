"""The network model: statistics as configured, partitions, crashes and the size limit."""

from __future__ import annotations

import random

import pytest

from jadechain.consensus.base import Effect, ReplicaStatus, Send, SetTimer
from jadechain.consensus.sim import Network, Resume, Simulation

MESSAGES = 20_000


def make_network(seed: int = 1) -> Network:
    return Network(random.Random(seed), ["n0", "n1", "n2"], message_bytes_max=100)


def send_many(network: Network, count: int = MESSAGES) -> list[int]:
    """Send `count` messages n0 -> n1 at t=0; returns the arrival times of all copies."""
    return [a.at_ms for _ in range(count) for a in network.transmit("n0", "n1", b"m", 0)]


def test_drops_duplicates_and_delays_follow_the_settings() -> None:
    network = make_network()
    network.delay(5, 50).drop(0.1).duplicate(0.05)
    arrivals = send_many(network)
    stats = network.stats
    assert stats.sent == MESSAGES
    assert stats.dropped / MESSAGES == pytest.approx(0.1, abs=0.01)
    assert stats.duplicated / (MESSAGES - stats.dropped) == pytest.approx(0.05, abs=0.01)
    assert len(arrivals) == MESSAGES - stats.dropped + stats.duplicated
    assert min(arrivals) == 5
    assert max(arrivals) == 50
    assert sum(arrivals) / len(arrivals) == pytest.approx(27.5, abs=1.0)


def test_a_link_can_differ_from_the_defaults() -> None:
    network = make_network()
    network.delay(1, 1)
    network.link("n0", "n1").drop(1.0)
    assert send_many(network, 100) == []
    assert [a.at_ms for a in network.transmit("n1", "n0", b"m", 7)] == [8]


def test_partitions_block_and_heal() -> None:
    network = make_network()
    network.partition({"n0"}, {"n1"})  # n2 is in no group: it forms one of its own
    assert not network.connected("n0", "n1")
    assert not network.connected("n1", "n2")
    assert network.transmit("n0", "n1", b"m", 0) == []
    assert network.stats.partitioned == 1
    network.heal()
    assert network.connected("n0", "n1")
    assert len(network.transmit("n0", "n1", b"m", 0)) == 1


def test_oversize_and_misaddressed_messages_are_dropped_and_counted() -> None:
    network = make_network()
    assert network.transmit("n0", "n1", b"x" * 101, 0) == []
    assert len(network.transmit("n0", "n1", b"x" * 100, 0)) == 1
    assert network.transmit("n0", "n9", b"x", 0) == []
    assert (network.stats.oversize, network.stats.unknown) == (1, 1)


def test_bad_settings_are_refused() -> None:
    network = make_network()
    with pytest.raises(ValueError, match="delay"):
        network.delay(10, 5)
    with pytest.raises(ValueError, match="probability"):
        network.drop(1.5)
    with pytest.raises(ValueError, match="two partition groups"):
        network.partition({"n0"}, {"n0", "n1"})
    with pytest.raises(ValueError, match="unknown node"):
        network.link("n0", "x")


class Recorder:
    """Sends a numbered ping to every peer every 10 ms and records what it receives."""

    def __init__(self, node_id: str, peers: list[str]) -> None:
        self.node_id = node_id
        self.peers = peers
        self.received: list[tuple[int, str]] = []
        self.ticks: list[int] = []
        RECORDERS[node_id] = self

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        return []

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        self.received.append((now_ms, sender))
        return []

    def on_tick(self, now_ms: int) -> list[Effect]:
        self.ticks.append(now_ms)
        pings: list[Effect] = [Send(peer, b"ping") for peer in self.peers]
        return [*pings, SetTimer(now_ms + 10)]

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("recorder", 0, None, 0)


RECORDERS: dict[str, Recorder] = {}


def recorder(node_id: str, peers: list[str], resume: Resume) -> Recorder:
    return Recorder(node_id, peers)


def test_a_partition_in_the_simulation_blocks_then_heals() -> None:
    sim = Simulation(seed=3, nodes=3, factory=recorder)
    sim.network.delay(1, 2)
    sim.at(100).partition({"n0"}, {"n1", "n2"})
    sim.at(200).heal()
    sim.run_until(300)
    from_n0 = [t for t, sender in RECORDERS["n1"].received if sender == "n0"]
    assert any(t < 100 for t in from_n0)
    assert not any(105 <= t <= 200 for t in from_n0)  # sent before the cut may be cut in flight
    assert any(t > 200 for t in from_n0)
    assert sim.network.stats.partitioned > 0


def test_a_crashed_node_receives_nothing_and_its_timers_die() -> None:
    sim = Simulation(seed=4, nodes=3, factory=recorder)
    sim.network.delay(1, 5)
    sim.at(100).crash("n1")
    sim.run_until(200)
    crashed = RECORDERS["n1"]
    assert crashed.received
    assert max(t for t, _ in crashed.received) <= 100
    assert max(crashed.ticks) <= 100
    assert sim.network.stats.to_crashed > 0
    sim.at(300).restart("n1")
    sim.run_until(400)
    restarted = RECORDERS["n1"]
    assert restarted is not crashed
    assert min(t for t, _ in restarted.received) >= 300
    assert min(restarted.ticks) == 300
