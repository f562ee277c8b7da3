"""Seeded scenarios: determinism, solo across seeds, a toy sequencer under faults and adversaries.

`Sequencer` is a toy, not consensus: n0 numbers every batch and broadcasts it; the others deliver
in order and ask n0 to resend what they miss. It survives loss, reordering, partitions and
follower crashes, which is enough to exercise the simulator before the BFT provider exists.
"""

from __future__ import annotations

import random
import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

from jadechain.consensus.base import Broadcast, Deliver, Effect, ReplicaStatus, Send, SetTimer
from jadechain.consensus.sim import (
    AdversaryFactory,
    Equivocator,
    Garbage,
    Resume,
    Silent,
    Simulation,
    run_seeds,
)
from jadechain.consensus.solo import SoloReplica

LEADER = "n0"
RESEND_HEIGHTS_MAX = 64
ASK_EVERY_MS = 20


def encode(height: int, time_ms: int, batch: tuple[bytes, ...]) -> bytes:
    return f"{height} {time_ms} ".encode() + b",".join(tx.hex().encode() for tx in batch)


def decode(message: bytes) -> tuple[int, int, tuple[bytes, ...]] | None:
    try:
        height, time_ms, body = message.split(b" ", 2)
        return (
            int(height),
            int(time_ms),
            tuple(bytes.fromhex(tx.decode()) for tx in body.split(b",")),
        )
    except ValueError:
        return None  # a malformed message is expected input from a faulty peer: ignore it


class Sequencer:
    def __init__(self, node_id: str, resume: Resume) -> None:
        self.node_id = node_id
        self.height = resume.height
        self.time_ms = resume.time_ms
        self.decided: dict[int, bytes] = {}  # the leader's encoded log, for resending
        self.pending: dict[int, tuple[int, tuple[bytes, ...]]] = {}

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        if self.node_id != LEADER:
            return []
        self.height += 1
        self.time_ms = max(now_ms, self.time_ms + 1)
        self.decided[self.height] = encode(self.height, self.time_ms, batch)
        return [Deliver(self.height, batch, self.time_ms), Broadcast(self.decided[self.height])]

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        if self.node_id == LEADER:
            return self._resend(sender, message)
        decoded = decode(message) if sender == LEADER else None
        if decoded is None or decoded[0] <= self.height:
            return []
        height, time_ms, batch = decoded
        self.pending[height] = (time_ms, batch)
        effects: list[Effect] = []
        while self.height + 1 in self.pending:
            self.height += 1
            self.time_ms, batch = self.pending.pop(self.height)
            effects.append(Deliver(self.height, batch, self.time_ms))
        return effects

    def on_tick(self, now_ms: int) -> list[Effect]:
        if self.node_id == LEADER:
            return []
        return [Send(LEADER, b"need %d" % (self.height + 1)), SetTimer(now_ms + ASK_EVERY_MS)]

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        self.height = max(self.height, height)
        self.time_ms = max(self.time_ms, time_ms)
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("sequencer", 0, LEADER, self.height)

    def _resend(self, sender: str, message: bytes) -> list[Effect]:
        words = message.split(b" ")
        if len(words) != 2 or words[0] != b"need" or not words[1].isdigit():
            return []
        first = int(words[1])
        heights = range(first, min(first + RESEND_HEIGHTS_MAX, self.height + 1))
        return [Send(sender, self.decided[h]) for h in heights]


def sequencer(node_id: str, peers: list[str], resume: Resume) -> Sequencer:
    return Sequencer(node_id, resume)


def solo(node_id: str, peers: list[str], resume: Resume) -> SoloReplica:
    return SoloReplica(resume.height, resume.time_ms)


def sequencer_under_faults(seed: int) -> Simulation:
    sim = Simulation(seed=seed, nodes=4, factory=sequencer)
    sim.network.delay(5, 50).drop(0.05).duplicate(0.02)
    sim.at(1_000).partition({"n0", "n1"}, {"n2", "n3"})
    sim.at(2_000).heal()
    sim.at(500).crash("n2")
    sim.at(2_500).restart("n2")
    sim.clients.submit_every(20, to={LEADER})
    sim.run_until(6_000)
    sim.check_safety()
    sim.check_liveness(after=2_500, batches=20, within_ms=3_000)
    return sim


def solo_crash_restart(seed: int) -> Simulation:
    """One solo node; the seed picks the rate and when the node crashes and comes back."""
    choose = random.Random(seed)
    crash_ms = choose.randrange(100, 2_000)
    sim = Simulation(seed=seed, nodes=1, factory=solo)
    sim.clients.submit_every(choose.randrange(5, 50))
    sim.at(crash_ms).crash("n0")
    sim.at(crash_ms + choose.randrange(1, 1_000)).restart("n0")
    sim.run_until(4_000)
    sim.check_safety()
    sim.check_liveness(after=3_000, batches=10, within_ms=1_000)
    return sim


def sequencer_lossy_link(seed: int) -> Simulation:
    """Five nodes, heavy loss and duplication, one 90%-lossy link, a partition and crashes."""
    choose = random.Random(seed)
    sim = Simulation(seed=seed, nodes=5, factory=sequencer)
    sim.network.delay(0, choose.randrange(1, 200)).drop(0.3).duplicate(0.2)
    sim.network.link(LEADER, "n1").drop(0.9)
    sim.at(choose.randrange(0, 1_000)).partition({LEADER}, {"n1", "n2"})
    sim.at(1_500).heal()
    for node in ("n3", "n4"):
        sim.at(choose.randrange(0, 1_000)).crash(node)
        sim.at(choose.randrange(1_000, 1_500)).restart(node)
    sim.clients.submit_every(choose.randrange(1, 30), to={LEADER}, batch_size=3)
    sim.run_until(5_000)
    sim.check_safety()
    sim.check_liveness(after=1_500, batches=10, within_ms=3_500)
    return sim


SCENARIOS: dict[str, Callable[[int], Simulation]] = {
    "sequencer_under_faults": sequencer_under_faults,
    "sequencer_lossy_link": sequencer_lossy_link,
    "solo_crash_restart": solo_crash_restart,
}


def test_the_same_seed_gives_the_same_delivery_log() -> None:
    first = sequencer_under_faults(11).delivery_log()
    assert first
    assert sequencer_under_faults(11).delivery_log() == first
    assert sequencer_under_faults(12).delivery_log() != first


def test_solo_is_safe_and_live_across_200_seeds() -> None:
    assert run_seeds(solo_crash_restart, range(200)) == 200


def test_the_sequencer_is_safe_and_live_under_faults() -> None:
    assert run_seeds(sequencer_under_faults, range(10)) == 10
    assert run_seeds(sequencer_lossy_link, range(10)) == 10


def test_a_restarted_node_resumes_after_its_last_height() -> None:
    sim = solo_crash_restart(5)
    lives = {d.incarnation for d in sim.delivered("n0")}
    assert lives == {0, 1}
    heights = [d.height for d in sim.delivered("n0")]
    assert heights == list(range(1, len(heights) + 1))


def adversary_run(seed: int, adversary: AdversaryFactory, node: str) -> Simulation:
    sim = Simulation(seed=seed, nodes=4, factory=sequencer, message_bytes_max=4_096)
    sim.byzantine(node, adversary)
    sim.network.delay(1, 20)
    sim.clients.submit_every(25, to={LEADER})
    sim.run_until(2_000)
    return sim


@pytest.mark.parametrize("adversary", [Silent, Garbage, Equivocator])
def test_adversaries_on_a_follower_do_not_hurt_the_others(adversary: AdversaryFactory) -> None:
    sim = adversary_run(21, adversary, "n3")
    assert sim.honest == ["n0", "n1", "n2"]
    sim.check_safety()
    sim.check_liveness(after=0, batches=50, within_ms=2_000)
    if adversary is Garbage:
        assert sim.network.stats.oversize >= 3 * 39  # one broadcast to 3 peers every 50 ms
        assert sim.network.stats.delivered > 3 * 39


def test_an_equivocating_leader_breaks_a_toy_that_is_not_bft() -> None:
    def scenario(seed: int) -> None:
        adversary_run(seed, Equivocator, LEADER).check_safety()

    with pytest.raises(
        AssertionError, match=r"(?s)failed on seed \d+.*safety: at height .*replay with seed=\d+"
    ):
        run_seeds(scenario, range(10))


def load_regression_seeds() -> dict[str, list[int]]:
    namespace = runpy.run_path(str(Path(__file__).with_name("regression_seeds.py")))
    seeds: dict[str, list[int]] = namespace["REGRESSION_SEEDS"]
    return seeds


REGRESSIONS = [(name, seed) for name, seeds in load_regression_seeds().items() for seed in seeds]


def test_every_regression_names_a_scenario() -> None:
    assert set(load_regression_seeds()) <= set(SCENARIOS)


@pytest.mark.parametrize(("name", "seed"), REGRESSIONS)
def test_regression_seed(name: str, seed: int) -> None:
    SCENARIOS[name](seed)
