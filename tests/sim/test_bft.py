"""Seeded scenarios for the BFT replica: faults, adversaries and view changes."""

from __future__ import annotations

from jadechain.consensus.base import Effect
from jadechain.consensus.bft import BftReplica
from jadechain.consensus.bft import messages as m
from jadechain.consensus.sim import Garbage, Resume, Silent, Simulation, run_seeds
from jadechain.consensus.sim.adversary import AdversaryFactory


def bft(node_id: str, peers: list[str], resume: Resume) -> BftReplica:
    return BftReplica(node_id, peers, resume.height, resume.time_ms)


def no_faults(seed: int) -> Simulation:
    sim = Simulation(seed=seed, nodes=4, factory=bft)
    sim.network.delay(1, 10)
    sim.clients.submit_every(20)
    sim.run_until(2_000)
    sim.check_safety()
    sim.check_liveness(after=0, batches=50, within_ms=2_000)
    return sim


def one_byzantine(seed: int, adversary: AdversaryFactory) -> Simulation:
    """n=4 with one Byzantine node (its position rotates with the seed)."""
    sim = Simulation(seed=seed, nodes=4, factory=bft)
    sim.byzantine(f"n{seed % 4}", adversary)
    sim.network.delay(1, 10)
    sim.clients.submit_every(20)
    sim.run_until(5_000)
    sim.check_safety()
    sim.check_liveness(after=2_000, batches=30, within_ms=3_000)
    return sim


def one_silent(seed: int) -> Simulation:
    return one_byzantine(seed, Silent)


def one_garbage(seed: int) -> Simulation:
    return one_byzantine(seed, Garbage)


def leader_crash(seed: int) -> Simulation:
    sim = Simulation(seed=seed, nodes=4, factory=bft)
    sim.network.delay(1, 10)
    sim.at(500).crash("n0")
    sim.clients.submit_every(20)
    sim.run_until(6_000)
    sim.check_safety()
    sim.check_liveness(after=3_000, batches=30, within_ms=3_000)
    return sim


def lossy(seed: int) -> Simulation:
    sim = Simulation(seed=seed, nodes=4, factory=bft)
    sim.network.delay(5, 50).drop(0.05).duplicate(0.02)
    sim.clients.submit_every(20)
    sim.run_until(8_000)
    sim.check_safety()
    sim.check_liveness(after=4_000, batches=30, within_ms=4_000)
    return sim


def seven_two_silent(seed: int) -> Simulation:
    sim = Simulation(seed=seed, nodes=7, factory=bft)
    sim.byzantine(f"n{seed % 7}", Silent)
    sim.byzantine(f"n{(seed + 3) % 7}", Silent)
    sim.network.delay(1, 10)
    sim.clients.submit_every(20)
    sim.run_until(8_000)
    sim.check_safety()
    sim.check_liveness(after=4_000, batches=30, within_ms=4_000)
    return sim


def test_no_faults() -> None:
    assert run_seeds(no_faults, range(50)) == 50


def test_one_silent() -> None:
    assert run_seeds(one_silent, range(50)) == 50


def test_one_garbage() -> None:
    sim = one_garbage(1)
    replica = sim.nodes["n0"].replica
    assert isinstance(replica, BftReplica)
    assert replica.dropped > 0
    assert run_seeds(one_garbage, range(2, 12)) == 10


def test_leader_crash_view_change() -> None:
    sim = run_seeds(leader_crash, range(20))
    assert sim == 20


def test_lossy_network() -> None:
    assert run_seeds(lossy, range(20)) == 20


def test_seven_with_two_silent() -> None:
    assert run_seeds(seven_two_silent, range(20)) == 20


def test_determinism() -> None:
    assert lossy(3).delivery_log() == lossy(3).delivery_log()


def test_garbage_never_raises() -> None:
    replica = BftReplica("n0", ["n1", "n2", "n3"])
    effects: list[Effect] = []
    for data in (b"", b"\xff" * 10, b"\x85" + b"\x00" * 8, b"\x00" * (2 << 20)):
        effects += replica.on_message("n1", data, 0)
    effects += replica.on_message("nX", m.encode(m.Status(0, 0)), 0)
    assert effects == []
    assert replica.dropped == 5
