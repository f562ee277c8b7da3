"""`jadechain bench ledger`: apply-block throughput and state-commitment cost.

1. Apply-block: blocks of KV-write transactions (each sets one new 100-byte entry, signed with
   Ed25519 by a registered user) applied and committed on one core, signatures already verified
   (the node verifies them beforehand on every core). Reported next to the cost floor: one-core
   Ed25519 verification rate measured in the same run.
2. State commitment: the cost per changed key of updating the Merkle tree (and computing its root)
   for a batch of changed keys, against trees that already hold 10^5 and 10^6 keys.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from jadechain.crypto import Algorithm, KeyPair, verify
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.listroot import hasher_for
from jadechain.ledger.merkle import EMPTY_ROOT, MerkleTree
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Bytes
from jadechain.storage import KVStore, MemoryStore

Progress = Callable[[str], None] | None


@dataclass(frozen=True)
class ApplyFigures:
    store: str
    blocks: int
    transactions_per_block: int
    transactions_per_s: float
    floor_verify_per_s: float

    def as_dict(self) -> dict[str, object]:
        ratio = self.transactions_per_s / self.floor_verify_per_s
        return {**asdict(self), "ratio_to_floor": round(ratio, 2)}


@dataclass(frozen=True)
class CommitFigures:
    existing_keys: int
    changed_keys: int
    microseconds_per_changed_key: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _founded(store: KVStore) -> tuple[Ledger, KeyPair]:
    admin, node = KeyPair.generate(Algorithm.ED25519), KeyPair.generate(Algorithm.ED25519)
    signed = genesis.local_ceremony("bench", 1_000_000, "classic", [("node", node)], admin.public)
    return Ledger.create(store, signed), admin


def _kv_block(
    ledger: Ledger, admin: KeyPair, account: str, count: int, first: int
) -> list[m.SignedTransaction]:
    time_ms = ledger.head.time_ms + 1
    value = Bytes(os.urandom(100))
    return [
        sign(
            new_content(
                ledger.id,
                [m.SetEntries(account, [m.EntryWrite(f"k{first + i}", value, m.NEW)])],
                time_ms,
            ),
            [admin],
        )
        for i in range(count)
    ]


def _floor(seconds: float = 0.5) -> float:
    keypair = KeyPair.generate(Algorithm.ED25519)
    message = os.urandom(32)
    signature = keypair.sign(message)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            verify(keypair.public, message, signature)
        done += 100
    return done / (time.perf_counter() - start)


def apply_block_rate(
    store: KVStore, store_name: str, blocks: int, per_block: int, progress: Progress
) -> ApplyFigures:
    ledger, admin = _founded(store)
    account = KeyPair.generate(Algorithm.ED25519)
    ledger.append(
        [
            sign(
                new_content(
                    ledger.id, [m.RegisterDataAccount(account.public)], ledger.head.time_ms
                ),
                [admin],
            )
        ],
        ledger.head.time_ms + 1,
    )
    elapsed = 0.0
    for index in range(blocks):
        transactions = _kv_block(ledger, admin, account.address, per_block, index * per_block)
        gc.collect()
        start = time.perf_counter()
        outcome = ledger.append(transactions, ledger.head.time_ms + 1, signatures_verified=True)
        elapsed += time.perf_counter() - start
        assert all(r.code is m.TxCode.SUCCESS for r in outcome.block.results)
        if progress:
            progress(f"block {index + 1}/{blocks}: {per_block * (index + 1) / elapsed:,.0f} tx/s")
    return ApplyFigures(store_name, blocks, per_block, blocks * per_block / elapsed, _floor())


def commit_cost(existing: int, changed: int, progress: Progress) -> CommitFigures:
    store = MemoryStore()
    tree = MerkleTree(store, Algorithm.SHA256, b"M/", cache_nodes_max=existing * 2)
    hasher = hasher_for(Algorithm.SHA256)
    root = EMPTY_ROOT
    step = 50_000
    for first in range(0, existing, step):
        changes = {
            f"key-{i}".encode(): hasher(str(i).encode())
            for i in range(first, min(existing, first + step))
        }
        root, batch = tree.update(root, changes)
        store.write(batch)
        if progress:
            progress(f"loading tree: {min(existing, first + step):,}/{existing:,} keys")
    best = float("inf")
    for round_index in range(3):
        changes = {f"new-{round_index}-{i}".encode(): hasher(os.urandom(8)) for i in range(changed)}
        gc.collect()
        start = time.perf_counter()
        tree.update(root, changes)
        best = min(best, time.perf_counter() - start)
    return CommitFigures(existing, changed, best / changed * 1e6)


def rocksdb_store(directory: Path) -> KVStore:
    from jadechain.storage.rocksdb import RocksDBStore

    return RocksDBStore(directory)


def run(
    store_name: str,
    blocks: int,
    per_block: int,
    existing: list[int],
    changed: int,
    progress: Progress,
) -> dict[str, object]:
    # The commitment figures come first: measured after the apply phase, the same update costs up
    # to 40% more (a heap churned by millions of short-lived objects), which is not the tree's cost.
    commits = [commit_cost(count, changed, progress) for count in existing]
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="jadechain-bench-") as directory:
        store = MemoryStore() if store_name == "memory" else rocksdb_store(Path(directory) / "db")
        try:
            apply = apply_block_rate(store, store_name, blocks, per_block, progress)
        finally:
            store.close()
    return {"apply_block": apply.as_dict(), "state_commitment": [c.as_dict() for c in commits]}
