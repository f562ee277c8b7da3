"""`jadechain bench run`: a workload against a target, with its cost floor measured in the same run.

Order: start the target; commit the workload's setup; pre-sign the load (every core, before the
clock); send it (open or closed loop) while following commits; tear the target down; then measure
the floor on the now idle cores: signature verifications per second of the run's algorithm on all
cores through the `BatchVerifier` (as `bench crypto` does). The floor in transactions per second
is that rate divided by the verifications the system does per transaction (`System`): 1 in-process,
1 on `dev` (the client's signature; the gateway's endorsement is made in the same process and not
verified again), N on an N-node network (each node verifies each transaction once). It ignores
the endorsement's signing on `dev`, so there the true floor is lower. ratio = throughput / floor.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from jadechain.bench.crypto import _pool, _rate
from jadechain.bench.drivers import driver_for
from jadechain.bench.environment import conditions
from jadechain.bench.load import LoadSpec, Outcome, drive
from jadechain.bench.outcomes import split
from jadechain.bench.presign import (
    RUN_SECONDS_MAX,
    TIME_LEAD_MS,
    PreparedBatch,
    SignJob,
    decoded,
    presign,
)
from jadechain.bench.procstat import Monitor
from jadechain.bench.targets import System, TargetSpec, started
from jadechain.bench.workloads import ACCOUNTS_DEFAULT, Workload, workload_named
from jadechain.crypto import Algorithm, BatchVerifier, KeyPair, suite_by_name

Progress = Callable[[str], None]
# Closed loop: pre-sign for this many tx/s (x 1.2) so the supply outlasts the run; about twice the
# rates measured on 2 cores in docs/benchmarks.md (running out only ends the window early).
GUESS = {"ledger": 12_000, "dev": 10_000, "net": 5_000}
SM_GUESS = {"ledger": 3_000, "dev": 4_000, "net": 2_000}


@dataclass(frozen=True)
class RunSpec:
    workload: str
    target: TargetSpec
    load: LoadSpec
    value_bytes: int = 100
    keys: int = 1_000_000
    batch_size: int = 500
    txs: int | None = None  # pre-signed supply (default: enough for the run)
    floor_seconds: float = 1.0
    accounts: int = ACCOUNTS_DEFAULT  # contract workloads: accounts opened in the setup
    balance: int = 0  # contract workloads: opening balance (0: the workload's default)


def supply(spec: RunSpec) -> int:
    if spec.txs:
        return spec.txs
    seconds = spec.load.warmup_s + spec.load.duration_s
    if spec.load.rate:
        return math.ceil(spec.load.rate * seconds) + spec.batch_size
    guess = (SM_GUESS if spec.target.suite == "sm" else GUESS)[spec.target.target]
    return math.ceil(guess * seconds * 1.2)


def run(spec: RunSpec, progress: Progress, command: list[str] | None = None) -> dict[str, object]:
    if spec.load.warmup_s + spec.load.duration_s > RUN_SECONDS_MAX:
        raise ValueError(f"warm-up + duration must stay within {RUN_SECONDS_MAX} s")
    environment = conditions()
    workload = workload_named(
        spec.workload, spec.value_bytes, spec.keys, spec.accounts, spec.balance
    )
    with started(spec.target, progress) as system:
        measured = asyncio.run(_measure(system, workload, spec, progress))
    progress("measuring the cost floor (signature verification, all cores) ...")
    algorithm = suite_by_name(spec.target.suite).signature
    verify_per_s, cores = floor_rate(algorithm, spec.floor_seconds)
    return report(spec, system, environment, measured, (verify_per_s, cores), command)


@dataclass
class Measured:
    workload: Workload
    outcome: Outcome
    resources: list[dict[str, object]]
    codes: dict[str, object]  # `outcomes.split` of the committed load transactions


async def _measure(
    system: System, workload: Workload, spec: RunSpec, progress: Progress
) -> Measured:
    driver = driver_for(system, spec.load.clients)
    await driver.start()
    try:
        account = KeyPair.generate(system.admin.algorithm)
        now_ms = time.time_ns() // 1_000_000
        setup = workload.setup(system.ledger_id, system.admin, account, now_ms)
        progress(f"setup: {len(setup)} transaction(s), committed one at a time")
        await driver.setup(setup)
        batches = _presigned(system, workload, account, spec, progress)
        processes = dict(system.processes)
        if system.target != "ledger":
            processes["client"] = os.getpid()
        window = _Window(Monitor(processes, own_only=frozenset({"client", "client+node"})))
        mode = f"open loop at {spec.load.rate:,.0f} tx/s" if spec.load.rate else "closed loop"
        progress(f"sending ({mode}, {spec.load.warmup_s:g} s warm-up, {spec.load.duration_s:g} s)")
        window.mark(True)  # the baseline, if the supply runs out during the warm-up
        outcome = await drive(driver, batches, spec.load, window.mark)
        resources = window.report()
        codes = await driver.codes(outcome.tracker.heights)
        keys = [driver.keys(batch) for batch in batches]
        committed = set(outcome.tracker.committed)
        return Measured(workload, outcome, resources, split(workload, keys, committed, codes))
    finally:
        await driver.close()


class _Window:
    """Samples the processes at the start and at the end of the measured window."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.start = self.end = 0.0

    def mark(self, starting: bool) -> None:
        if starting:
            self.monitor.start()
            self.start = time.perf_counter()
        elif not self.end:
            self.monitor.stop()
            self.end = time.perf_counter()

    def report(self) -> list[dict[str, object]]:
        return self.monitor.report(max(0.0, self.end - self.start))


def _presigned(
    system: System, workload: Workload, account: KeyPair, spec: RunSpec, progress: Progress
) -> list[PreparedBatch]:
    time_ms = time.time_ns() // 1_000_000 + TIME_LEAD_MS
    job = SignJob.of(
        workload, system.admin, system.ledger_id, account.address, time_ms, spec.batch_size
    )
    batches = presign(job, supply(spec), progress=progress)
    if system.target == "ledger":
        decoded(batches)
    return batches


def floor_rate(algorithm: Algorithm, seconds: float) -> tuple[float, int]:
    """Verifications per second on all cores through the BatchVerifier; and the cores used."""
    pool = _pool(KeyPair.generate(algorithm))
    with BatchVerifier() as verifier:
        batch = pool * 8

        def verify_batch() -> int:
            if not verifier.verify_all(batch):
                raise AssertionError("floor batch failed to verify")
            return len(batch)

        verify_batch()
        return _rate(verify_batch, seconds, 2), verifier.workers


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))
    return round(values[index] * 1000, 1)


def _results(measured: Measured) -> dict[str, object]:
    outcome = measured.outcome
    tracker = outcome.tracker
    start, end = outcome.window
    seconds = max(end - start, 1e-9)
    in_window = [k for k, t in tracker.sent.items() if start <= t < end]
    latencies = sorted(
        tracker.committed[k] - tracker.sent[k] for k in in_window if k in tracker.committed
    )
    committed_in_window = sum(1 for t in tracker.committed.values() if start <= t < end)
    return {
        "window_s": round(seconds, 2),
        "sent": len(tracker.sent),
        "committed": len(tracker.committed),
        "rejected": tracker.rejected,
        "first_rejection": tracker.first_rejection,
        "uncommitted": tracker.outstanding,
        "blocks": tracker.blocks,
        "sent_tx_per_s": round(len(in_window) / seconds, 1),
        "throughput_tx_per_s": round(committed_in_window / seconds, 1),
        "latency_ms": {
            "count": len(latencies),
            "p50": _percentile(latencies, 0.50),
            "p95": _percentile(latencies, 0.95),
            "p99": _percentile(latencies, 0.99),
            "max": _percentile(latencies, 1.0),
        },
        "supply_exhausted": outcome.exhausted,
        "warmup_excluded": outcome.warmup_excluded,
        **measured.codes,
    }


def report(
    spec: RunSpec,
    system: System,
    environment: dict[str, object],
    measured: Measured,
    floor: tuple[float, int],
    command: list[str] | None,
) -> dict[str, object]:
    results = _results(measured)
    verify_per_s, cores = floor
    floor_tx = verify_per_s / system.verifications_per_tx
    throughput = results["throughput_tx_per_s"]
    assert isinstance(throughput, float)
    load = spec.load
    return {
        "benchmark": "run",
        "workload": spec.workload,
        "target": system.target,
        "via": system.via or None,
        "nodes": system.nodes,
        "consensus": system.consensus,
        "suite": system.suite,
        "payload_bytes": spec.value_bytes if spec.workload == "kv-write" else 0,
        "engine": system.engine,
        "machine": environment,
        "load": {
            "mode": "open" if load.rate else "closed",
            "offered_tx_per_s": load.rate,
            "clients": load.clients,
            "window_batches": None if load.rate else load.window,
            "batch_size": spec.batch_size,
            "warmup_s": load.warmup_s,
            "duration_s": load.duration_s,
            **measured.workload.parameters(),
        },
        "results": results,
        "processes": measured.resources,
        "floor": {
            "algorithm": suite_by_name(system.suite).signature.info.name,
            "verify_per_s_all_cores": round(verify_per_s, 1),
            "cores": cores,
            "verifications_per_tx": system.verifications_per_tx,
            "signings_per_tx_not_counted": system.signings_per_tx,
            "floor_tx_per_s": round(floor_tx, 1),
        },
        "ratio_to_floor": round(throughput / floor_tx, 3),
        "command": command if command is not None else sys.argv,
    }
