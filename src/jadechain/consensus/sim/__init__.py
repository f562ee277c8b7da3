"""A deterministic simulator for consensus replicas (see `simulation` for the model).

sim = Simulation(seed=7, nodes=4, factory=make_replica)
sim.network.delay(5, 50).drop(0.05)
sim.at(1_000).partition({"n0"}, {"n1", "n2", "n3"})
sim.at(3_000).heal()
sim.clients.submit_every(20)
sim.run_until(10_000)
sim.check_safety()
sim.check_liveness(after=3_000, batches=5, within_ms=5_000)
"""

from jadechain.consensus.sim.adversary import (
    AdversaryContext,
    AdversaryFactory,
    Equivocator,
    Garbage,
    Silent,
)
from jadechain.consensus.sim.checkers import Delivery, SimulationError
from jadechain.consensus.sim.clients import Clients
from jadechain.consensus.sim.network import Link, LinkSettings, Network, NetworkStats
from jadechain.consensus.sim.seeds import Scenario, run_seeds
from jadechain.consensus.sim.simulation import Moment, ReplicaFactory, Resume, Simulation

__all__ = [
    "AdversaryContext",
    "AdversaryFactory",
    "Clients",
    "Delivery",
    "Equivocator",
    "Garbage",
    "Link",
    "LinkSettings",
    "Moment",
    "Network",
    "NetworkStats",
    "ReplicaFactory",
    "Resume",
    "Scenario",
    "Silent",
    "Simulation",
    "SimulationError",
    "run_seeds",
]
