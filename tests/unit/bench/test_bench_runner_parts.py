"""The parts of `jadechain bench run` that need no system: workloads, pre-signing, /proc sampling,
the commit tracker and the report's shape. No timing is asserted anywhere (benchmarks are not
tests)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from jadechain import codec
from jadechain.bench import presign, procstat, workloads
from jadechain.bench.load import LoadSpec, Tracker, drive
from jadechain.crypto import Algorithm, KeyPair
from jadechain.ledger import model as m
from jadechain.ledger.transactions import transaction_hash
from jadechain.ledger.values import Bytes
from jadechain.testing import LocalChain


def test_kv_write_covers_the_key_space_once_per_pass() -> None:
    workload = workloads.workload_named("kv-write", value_bytes=7, keys=10)
    writes = [workload.operations(i, "acct")[0] for i in range(20)]
    assert all(isinstance(w, m.SetEntries) for w in writes)
    entries = [w.entries[0] for w in writes if isinstance(w, m.SetEntries)]
    assert {e.key for e in entries[:10]} == {f"k{i}" for i in range(10)}
    assert [e.key for e in entries[:10]] == [e.key for e in entries[10:]]
    assert {e.expected_version for e in entries[:10]} == {m.NEW}
    assert {e.expected_version for e in entries[10:]} == {0}
    assert all(isinstance(e.value, Bytes) and len(e.value.value) == 7 for e in entries)


def test_noop_writes_an_empty_value_under_a_fresh_key() -> None:
    workload = workloads.workload_named("noop")
    [op] = workload.operations(3, "acct")
    assert op == m.SetEntries("acct", [m.EntryWrite("n3", Bytes(b""), m.NEW)])


def test_unknown_workloads_are_refused() -> None:
    with pytest.raises(ValueError, match="nope"):
        workloads.workload_named("nope")


def test_presigned_batches_commit_on_a_ledger() -> None:
    chain = LocalChain()
    account = chain.key()
    [setup] = workloads.workload_named("kv-write").setup(
        chain.ledger.id, chain.admin, account, chain.ledger.head.time_ms + 1000
    )
    chain.block([setup])
    workload = workloads.workload_named("kv-write", keys=4)
    job = presign.SignJob.of(
        workload, chain.admin, chain.ledger.id, account.address,
        chain.ledger.head.time_ms + 1000, 3,
    )  # fmt: skip
    batches = presign.presign(job, 8, workers=1)
    assert [len(b) for b in batches] == [3, 3, 2]
    presign.decoded(batches)
    transactions = [tx for b in batches for tx in b.transactions or []]
    assert [transaction_hash(tx.content).to_base58() for tx in transactions] == [
        h for b in batches for h in b.hashes
    ]
    assert codec.decode(batches[0].body, list[m.SignedTransaction]) == transactions[:3]
    outcome = chain.block(transactions)
    assert [r.code for r in outcome.block.results] == [m.TxCode.SUCCESS] * 8


def test_proc_sample_of_this_process() -> None:
    sample = procstat.sample(os.getpid())
    assert sample is not None
    assert sample.cpu_s > 0
    assert sample.peak_rss_mib > 1
    monitor = procstat.Monitor({"me": os.getpid(), "gone": 2**22 + 1})
    monitor.start()
    monitor.stop()
    rows = {row["process"]: row for row in monitor.report(1.0)}
    assert rows["me"]["cpu_s"] is not None
    assert rows["gone"]["cpu_s"] is None


def test_proc_sample_with_children_counts_a_busy_child() -> None:
    spin = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", spin + "\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while True:  # until the child has spun (and sleeps)
            alone, together = procstat.sample(os.getpid()), procstat.sample(os.getpid(), True)
            assert alone is not None
            assert together is not None
            if together.cpu_s - alone.cpu_s >= 0.5:
                break
            assert time.monotonic() < deadline, "the child's CPU never showed"
            time.sleep(0.1)
        assert together.peak_rss_mib > alone.peak_rss_mib
    finally:
        child.kill()
        child.wait()


def test_tracker_settles_batches_on_commit_and_rejection() -> None:
    async def scenario() -> None:
        tracker = Tracker()
        first = tracker.sending(0, ["a", "b"], 1.0)
        second = tracker.sending(1, ["c"], 1.5)
        tracker.on_block(2.0, 5, ["a", "x"])
        assert not first.is_set()
        tracker.on_rejected(["b"], "mempool full")
        assert first.is_set()
        assert not second.is_set()
        tracker.on_block(3.0, 6, ["c"])
        assert second.is_set()
        await tracker.drained(0.1)
        assert tracker.committed == {"a": 2.0, "c": 3.0}
        assert (tracker.rejected, tracker.first_rejection, tracker.outstanding) == (
            1, "mempool full", 0,
        )  # fmt: skip

    asyncio.run(scenario())


def test_key_pairs_travel_to_workers_as_raw_keys() -> None:
    signer = KeyPair.generate(Algorithm.SM2)
    chain = LocalChain()
    job = presign.SignJob.of(workloads.workload_named("noop"), signer, chain.ledger.id, "a", 1, 1)
    assert job.algorithm is Algorithm.SM2
    assert job.private_key == signer.private.raw
    assert job.ledger_id == chain.ledger.id.to_base58()


class _SlowCommits:
    """A driver whose every batch commits `delay_s` after it is sent."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.on_block: Callable[[float, int, list[str]], None] | None = None
        self.height = 0

    def keys(self, batch: presign.PreparedBatch) -> list[str]:
        return list(batch.hashes)

    async def submit(self, batch: presign.PreparedBatch) -> list[str]:
        asyncio.get_running_loop().call_later(self.delay_s, self._commit, list(batch.hashes))
        return []

    def _commit(self, keys: list[str]) -> None:
        self.height += 1
        assert self.on_block is not None
        self.on_block(time.perf_counter(), self.height, keys)

    async def watch(self, on_block: Callable[[float, int, list[str]], None]) -> None:
        self.on_block = on_block
        await asyncio.Event().wait()


def test_a_supply_that_runs_out_after_the_warmup_is_measured_to_its_last_commit() -> None:
    """The supply runs out just after the warm-up while commits are still outstanding: the window
    reaches the last commit, so every commit after the warm-up counts (not a window that ends at
    the last send and may hold no commit at all)."""
    batches = [presign.PreparedBatch(body=b"", hashes=[f"t{i}"]) for i in range(2)]
    spec = LoadSpec(rate=None, clients=1, window=1, warmup_s=0.25, duration_s=5.0)
    driver = _SlowCommits(0.3)
    marks: list[bool] = []
    outcome = asyncio.run(drive(driver, batches, spec, marks.append))  # type: ignore[arg-type]
    start, end = outcome.window
    assert outcome.exhausted
    assert outcome.warmup_excluded
    assert marks == [True, False]
    assert max(outcome.tracker.committed.values()) < end
    assert sum(1 for t in outcome.tracker.committed.values() if start <= t < end) == 2
