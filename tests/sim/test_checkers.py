"""The checkers catch real violations, and every failure names its seed and how to replay it."""

from __future__ import annotations

import pytest

from jadechain.consensus.base import Deliver, Effect, ReplicaStatus, SetTimer
from jadechain.consensus.sim import Garbage, Resume, Simulation, SimulationError, run_seeds

REPLAY = r"\[seed=(\d+)\]\s+replay with seed=\1"


class Selfish:
    """Broken on purpose: delivers whatever it is offered at its own next height, agreeing with
    nobody. Safe on one node, unsafe on three when the nodes are offered different batches."""

    def __init__(
        self, resume: Resume, stop_ms: int | None = None, step: int = 1, skew_ms: int = 0
    ) -> None:
        self.height = resume.height
        self.time_ms = resume.time_ms
        self.stop_ms = stop_ms
        self.step = step
        self.skew_ms = skew_ms

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        if self.stop_ms is not None and now_ms >= self.stop_ms:
            return []
        self.height += self.step
        self.time_ms = max(now_ms + self.skew_ms, self.time_ms + 1)
        return [Deliver(self.height, batch, self.time_ms)]

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        return []

    def on_tick(self, now_ms: int) -> list[Effect]:
        return []

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        self.height = max(self.height, height)
        self.time_ms = max(self.time_ms, time_ms)
        return []

    def status(self) -> ReplicaStatus:
        return ReplicaStatus("selfish", 0, None, self.height)


def selfish(node_id: str, peers: list[str], resume: Resume) -> Selfish:
    return Selfish(resume)


def test_nodes_that_do_not_agree_fail_safety_with_the_seed() -> None:
    sim = Simulation(seed=41, nodes=3, factory=selfish)
    for node in sim.node_ids:
        sim.clients.submit_every(10, to={node})
    sim.run_until(100)
    with pytest.raises(SimulationError, match=REPLAY) as caught:
        sim.check_safety()
    assert caught.value.seed == 41
    assert "safety: at height 1" in str(caught.value)


def test_a_gap_in_heights_fails_safety() -> None:
    sim = Simulation(seed=42, nodes=1, factory=lambda n, p, r: Selfish(r, step=2))
    sim.clients.submit_every(10)
    sim.run_until(100)
    with pytest.raises(SimulationError, match=r"delivered height 2 .*expected height 1"):
        sim.check_safety()


def test_a_restart_from_scratch_repeats_heights_and_fails_safety() -> None:
    sim = Simulation(seed=43, nodes=1, factory=lambda n, p, r: Selfish(Resume()))
    sim.clients.submit_every(10)
    sim.at(55).crash("n0")
    sim.at(60).restart("n0")
    sim.run_until(100)
    with pytest.raises(SimulationError, match=r"\(life 1\) delivered height 1 .*expected height 6"):
        sim.check_safety()


def test_block_time_going_back_fails_safety() -> None:
    def clock_behind_after_restart(node_id: str, peers: list[str], resume: Resume) -> Selfish:
        if resume.height == 0:
            return Selfish(resume)
        return Selfish(Resume(resume.height, -1_000), skew_ms=-1_000)  # forgets its last time

    sim = Simulation(seed=44, nodes=1, factory=clock_behind_after_restart)
    sim.clients.submit_every(10)
    sim.at(55).crash("n0")
    sim.at(60).restart("n0")
    sim.run_until(100)
    with pytest.raises(SimulationError, match="block time went back at height 6"):
        sim.check_safety()


def test_a_node_that_stops_delivering_fails_liveness() -> None:
    stopping = {"n1": 1_000}
    sim = Simulation(seed=45, nodes=3, factory=lambda n, p, r: Selfish(r, stop_ms=stopping.get(n)))
    sim.clients.submit_every(10)
    sim.run_until(3_000)
    sim.check_liveness(after=0, batches=50, within_ms=1_000)
    with pytest.raises(SimulationError, match=rf"liveness: n1 delivered 0 batches.*{REPLAY}"):
        sim.check_liveness(after=1_500, batches=5, within_ms=1_000)


def test_liveness_cannot_be_checked_before_the_window_has_passed() -> None:
    sim = Simulation(seed=46, nodes=1, factory=selfish)
    sim.run_until(1_000)
    with pytest.raises(ValueError, match="run until at least 2000"):
        sim.check_liveness(after=500, batches=1, within_ms=1_500)


class Fragile(Selfish):
    """Broken on purpose: trusts that every peer message is an ASCII number."""

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        self.height = int(message.decode("ascii"))
        return []


def test_an_honest_replica_that_raises_on_garbage_is_a_failure_with_the_seed() -> None:
    sim = Simulation(seed=47, nodes=3, factory=lambda n, p, r: Fragile(r))
    sim.byzantine("n2", Garbage)
    with pytest.raises(SimulationError, match=rf"honest replica n\d raised .*on_message.*{REPLAY}"):
        sim.run_until(1_000)


def test_a_replica_that_loops_on_timers_is_stopped() -> None:
    class Looping(Selfish):
        def on_tick(self, now_ms: int) -> list[Effect]:
            return [SetTimer(now_ms)]

    sim = Simulation(seed=48, nodes=1, factory=lambda n, p, r: Looping(r), events_max=1_000)
    with pytest.raises(SimulationError, match=r"(?s)more than 1000 events.*replay with seed=48"):
        sim.run_until(10)


def test_run_seeds_reports_the_first_failing_seed() -> None:
    ran: list[int] = []

    def scenario(seed: int) -> None:
        ran.append(seed)
        assert seed % 7 != 3, "boom"

    assert run_seeds(scenario, range(3)) == 3
    with pytest.raises(AssertionError, match=r"(?s)failed on seed 3 after 3 .*boom.*seed=3$"):
        run_seeds(scenario, range(20))
    assert ran == [0, 1, 2, 0, 1, 2, 3]


def test_byzantine_nodes_are_chosen_before_the_run() -> None:
    sim = Simulation(seed=49, nodes=2, factory=selfish)
    sim.run_until(1)
    with pytest.raises(RuntimeError, match="before the first run_until"):
        sim.byzantine("n1", Garbage)
