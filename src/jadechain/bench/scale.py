"""`jadechain bench scale`: one ledger of N entries on RocksDB; bytes on disk per entry, and the
latency of reading an entry and of building and verifying its proof at that size.

The load goes through real transactions executed by `Ledger.apply` and stored by `Ledger.commit`:
each transaction is one `SetEntries` of `entries_per_tx` new keys (`k0`, `k1`, ...), each set to
`value_bytes` random (incompressible) bytes, signed with Ed25519 by the admin and verified by
`apply` (one signature per transaction: a small share of the cost at 100 entries per transaction).

DIR holds `db/` (the RocksDB store) and `scale.json` (the ledger's throwaway admin key and data
account). Every block is one atomic commit, so an interrupted load leaves a ledger at its last
block; a re-run on the same DIR continues from the count stored in the head block.
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jadechain import codec
from jadechain.bench import procstat
from jadechain.crypto import Algorithm, KeyPair, PrivateKey
from jadechain.ledger import genesis, queries
from jadechain.ledger import model as m
from jadechain.ledger.proofs import prove_entry, verify_entry_proof
from jadechain.ledger.state import entry_key, latest_version_key
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Bytes
from jadechain.storage.rocksdb import RocksDBStore

Progress = Callable[[str], None] | None

STATE_FILE = "scale.json"
DB_DIR = "db"
PROGRESS_EVERY_S = 5.0
RATE_POINTS = 10


class ScaleError(Exception):
    """DIR cannot hold this run: not empty and not a scale ledger, or other settings."""


@dataclass(frozen=True)
class ScaleSpec:
    entries: int
    directory: Path
    value_bytes: int = 100
    entries_per_tx: int = 100
    txs_per_block: int = 1000
    samples: int = 1000
    seed: int = 7


@dataclass
class Loaded:
    """A ledger opened for the load, with what signs its transactions."""

    store: RocksDBStore
    ledger: Ledger
    admin: KeyPair
    account: str


# --- founding and resuming --------------------------------------------------------------------


def _found(spec: ScaleSpec) -> Loaded:
    admin, node = KeyPair.generate(Algorithm.ED25519), KeyPair.generate(Algorithm.ED25519)
    signed = genesis.local_ceremony("scale", 1_000_000, "classic", [("node", node)], admin.public)
    store = RocksDBStore(spec.directory / DB_DIR)
    ledger = Ledger.create(store, signed)
    account = KeyPair.generate(Algorithm.ED25519)
    operation = m.RegisterDataAccount(account.public)
    time_ms = ledger.head.time_ms + 1
    outcome = ledger.append([sign(new_content(ledger.id, [operation], time_ms), [admin])], time_ms)
    assert outcome.block.results[0].code is m.TxCode.SUCCESS, outcome.block.results[0].message
    state = {
        "admin_private_hex": admin.private.raw.hex(),  # a throwaway benchmark key
        "account": account.address,
        "value_bytes": spec.value_bytes,
    }
    (spec.directory / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return Loaded(store, ledger, admin, account.address)


def _resume(spec: ScaleSpec) -> Loaded:
    state = json.loads((spec.directory / STATE_FILE).read_text())
    if state["value_bytes"] != spec.value_bytes:
        raise ScaleError(f"{spec.directory} was loaded with --value-bytes {state['value_bytes']}")
    private = PrivateKey(Algorithm.ED25519, bytes.fromhex(state["admin_private_hex"]))
    store = RocksDBStore(spec.directory / DB_DIR, create=False)
    return Loaded(store, Ledger(store), KeyPair.from_private(private), str(state["account"]))


def open_ledger(spec: ScaleSpec) -> Loaded:
    """Resume the scale ledger in DIR, or found one in a new or empty DIR."""
    if (spec.directory / STATE_FILE).is_file():
        return _resume(spec)
    if spec.directory.exists() and any(spec.directory.iterdir()):
        raise ScaleError(f"{spec.directory} is not empty and holds no scale ledger")
    spec.directory.mkdir(parents=True, exist_ok=True)
    return _found(spec)


def loaded_count(ledger: Ledger) -> int:
    """Entries in the ledger: one past the index of the last key the head block wrote."""
    block = ledger.block(ledger.height)
    assert block is not None
    for transaction in reversed(block.transactions):
        for operation in reversed(transaction.content.operations):
            if isinstance(operation, m.SetEntries):
                return int(operation.entries[-1].key[1:]) + 1
    return 0


# --- the load ---------------------------------------------------------------------------------


def _block(loaded: Loaded, spec: ScaleSpec, first: int, count: int) -> list[m.SignedTransaction]:
    ledger, time_ms = loaded.ledger, loaded.ledger.head.time_ms + 1
    values = os.urandom(count * spec.value_bytes)
    transactions = []
    size = spec.value_bytes
    for start in range(first, first + count, spec.entries_per_tx):
        writes = [
            m.EntryWrite(f"k{i}", Bytes(values[(i - first) * size : (i - first + 1) * size]), m.NEW)
            for i in range(start, min(first + count, start + spec.entries_per_tx))
        ]
        content = new_content(ledger.id, [m.SetEntries(loaded.account, writes)], time_ms)
        transactions.append(sign(content, [loaded.admin]))
    return transactions


def _append(loaded: Loaded, transactions: list[m.SignedTransaction]) -> float:
    """Apply (verifying signatures) and commit one block; the seconds it took."""
    start = time.perf_counter()
    ledger = loaded.ledger
    outcome = ledger.apply(transactions, ledger.head.time_ms + 1)
    failed = [r for r in outcome.block.results if r.code is not m.TxCode.SUCCESS]
    if outcome.rejected or failed:
        raise ScaleError(f"block rejected or failed: {outcome.rejected or failed[0].message}")
    ledger.commit(outcome)
    return time.perf_counter() - start


def _rss_mib() -> float:
    now = procstat.sample(os.getpid())
    return 0.0 if now is None else now.peak_rss_mib


class _Meter:
    """Progress lines every few seconds and a rate point every tenth of the target."""

    def __init__(self, done: int, target: int, progress: Progress) -> None:
        self.start_done, self.target, self.progress = done, target, progress
        self.started = self.window_at = self.printed_at = time.perf_counter()
        self.window_done, self.window_apply = done, 0.0
        self.apply_s = 0.0
        self.step = max(1, target // RATE_POINTS)
        self.next_point = (done // self.step + 1) * self.step
        self.points: list[dict[str, object]] = []

    def block(self, done: int, apply_s: float) -> None:
        self.apply_s += apply_s
        self.window_apply += apply_s
        now = time.perf_counter()
        if done >= self.next_point or done >= self.target:
            self._point(done, now)
        if self.progress and now - self.printed_at >= PROGRESS_EVERY_S:
            self.printed_at = now
            rate = (done - self.start_done) / (now - self.started)
            eta = (self.target - done) / rate if rate else 0.0
            self.progress(
                f"{done:,}/{self.target:,} entries ({done / self.target:.0%}), {rate:,.0f}/s, "
                f"ETA {eta / 60:.1f} min, peak RSS {_rss_mib():,.0f} MiB"
            )

    def _point(self, done: int, now: float) -> None:
        entries, seconds = done - self.window_done, now - self.window_at
        self.points.append(
            {
                "entries": done,
                "entries_per_s": round(entries / seconds) if seconds else None,
                "apply_commit_entries_per_s": (
                    round(entries / self.window_apply) if self.window_apply else None
                ),
                "peak_rss_mib": round(_rss_mib(), 1),
            }
        )
        self.window_done, self.window_at, self.window_apply = done, now, 0.0
        self.next_point = (done // self.step + 1) * self.step


def load(loaded: Loaded, spec: ScaleSpec, progress: Progress) -> dict[str, object]:
    """Load entries up to `spec.entries`, block by block, from the count already stored."""
    done = resumed_from = loaded_count(loaded.ledger)
    meter = _Meter(done, spec.entries, progress)
    per_block = spec.entries_per_tx * spec.txs_per_block
    while done < spec.entries:
        count = min(per_block, spec.entries - done)
        apply_s = _append(loaded, _block(loaded, spec, done, count))
        done += count
        meter.block(done, apply_s)
    seconds = time.perf_counter() - meter.started
    loaded_now = done - resumed_from
    return {
        "resumed_from": resumed_from,
        "loaded_now": loaded_now,
        "seconds": round(seconds, 1),
        "entries_per_s": round(loaded_now / seconds) if loaded_now else None,
        "apply_commit_entries_per_s": round(loaded_now / meter.apply_s) if loaded_now else None,
        "rate_by_size": meter.points,
    }


# --- size on disk -----------------------------------------------------------------------------


def _compact(store: RocksDBStore) -> None:
    """Flush the memtable and compact everything, so the files hold what a settled store holds.

    `RocksDBStore` has no public compaction call; the benchmark reaches its handle directly.
    """
    store._db.flush()
    store._db.compact_range(None, None)


def _disk_bytes(directory: Path) -> int:
    """What `du` counts: allocated blocks of every file under `directory`."""
    return sum(
        (Path(root) / name).stat().st_blocks * 512
        for root, _, names in os.walk(directory)
        for name in names
    )


def disk(loaded: Loaded, entries: int) -> dict[str, object]:
    start = time.perf_counter()
    _compact(loaded.store)
    keys = loaded.store._db.property_int_value("rocksdb.estimate-num-keys")
    total = _disk_bytes(loaded.store.path)
    return {
        "compaction_s": round(time.perf_counter() - start, 1),
        "bytes_on_disk": total,
        "bytes_per_entry": round(total / entries, 1),
        "store_keys_estimated": keys,
        "store_keys_per_entry": round(keys / entries, 2) if keys else None,
    }


# --- latency ----------------------------------------------------------------------------------


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e6, 1)

    return {"p50_us": pick(0.5), "p99_us": pick(0.99)}


def _timed(keys: list[int], action: Callable[[str], bool]) -> tuple[list[float], int]:
    times, good = [], 0
    for index in keys:
        start = time.perf_counter()
        good += action(f"k{index}")
        times.append(time.perf_counter() - start)
    return times, good


def _reads(loaded: Loaded, keys: list[int], value_bytes: int) -> dict[str, object]:
    def read(key: str) -> bool:
        found = queries.entry(loaded.ledger, loaded.account, key)
        return (
            found is not None and isinstance(found[1], Bytes) and len(found[1].value) == value_bytes
        )

    gc.collect()
    cold, found_cold = _timed(keys, read)
    gc.collect()
    warm, found_warm = _timed(keys, read)
    return {
        "cold": _percentiles(cold),
        "warm": _percentiles(warm),
        "found": min(found_cold, found_warm),
    }


def _proof_parts(loaded: Loaded, keys: list[int]) -> dict[str, object]:
    """Where a proof's build time goes: loading the head block for its header, and the two
    state-tree proofs (latest-version pointer and entry), both warm."""
    ledger, account = loaded.ledger, loaded.account
    root = ledger.head.state_root.raw

    def tree(key: str) -> bool:
        ledger.tree.prove(root, latest_version_key(account, key))
        ledger.tree.prove(root, entry_key(account, key, 0))
        return True

    gc.collect()
    tree_times, _ = _timed(keys, tree)
    header_times, _ = _timed(keys[:100], lambda _: ledger.header(ledger.height) is not None)
    return {
        "tree_part_warm": _percentiles(tree_times),
        "header_load_warm": _percentiles(header_times),
    }


def _proofs(loaded: Loaded, keys: list[int]) -> dict[str, object]:
    ledger, sizes, build, check = loaded.ledger, [], [], []

    def prove(key: str) -> bool:
        start = time.perf_counter()
        proof = prove_entry(ledger, loaded.account, key)
        built = time.perf_counter()
        ok = proof.version == 0 and verify_entry_proof(proof, ledger.head_hash)
        check.append(time.perf_counter() - built)
        build.append(built - start)
        sizes.append(len(codec.encode(proof)))
        return ok

    gc.collect()
    cold, verified_cold = _timed(keys, prove)
    gc.collect()
    warm, verified_warm = _timed(keys, prove)
    header = len(codec.encode(ledger.head))
    return {
        "cold": _percentiles(cold),
        "warm": _percentiles(warm),
        **_proof_parts(loaded, keys),
        "build_warm": _percentiles(build[len(keys) :]),
        "verify_warm": _percentiles(check[len(keys) :]),
        "verified": min(verified_cold, verified_warm),
        "proof_bytes_p50": int(statistics.median(sizes)),
        "proof_bytes_max": max(sizes),
        "header_bytes": header,
    }


def latency(spec: ScaleSpec, entries: int) -> dict[str, object]:
    """Reads and proofs of random keys on the store reopened: empty block cache and node cache."""
    loaded = _resume(spec)
    try:
        rng = random.Random(spec.seed)  # noqa: S311 (which keys to sample)
        samples = min(spec.samples, entries)
        reads = _reads(loaded, rng.sample(range(entries), samples), spec.value_bytes)
        proofs = _proofs(loaded, rng.sample(range(entries), samples))
    finally:
        loaded.store.close()
    return {"samples": samples, "read": reads, "proof": proofs}


# --- the whole run ----------------------------------------------------------------------------


def _stages(spec: ScaleSpec, progress: Progress) -> Iterator[tuple[str, dict[str, object]]]:
    loaded = open_ledger(spec)
    try:
        yield "load", load(loaded, spec, progress)
        entries = loaded_count(loaded.ledger)
        yield "ledger", {"entries": entries, "height": loaded.ledger.height}
        if progress:
            progress("compacting the store")
        yield "disk", disk(loaded, entries)
    finally:
        loaded.store.close()
    if progress:
        progress(f"measuring reads and proofs of {min(spec.samples, entries):,} random keys")
    yield "latency", latency(spec, entries)


def run(spec: ScaleSpec, progress: Progress) -> dict[str, object]:
    report: dict[str, object] = {
        "settings": {
            "entries": spec.entries,
            "value_bytes": spec.value_bytes,
            "entries_per_tx": spec.entries_per_tx,
            "txs_per_block": spec.txs_per_block,
            "signatures": "Ed25519, one per transaction, verified by Ledger.apply",
        }
    }
    for name, figures in _stages(spec, progress):
        report[name] = figures
        if progress:  # each stage's figures as soon as they exist, should a later stage be cut
            progress(f"{name}: {json.dumps(figures)}")
    report["peak_rss_mib"] = round(_rss_mib(), 1)
    return report
