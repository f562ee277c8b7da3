"""Kill a process in the middle of writing blocks; the reopened ledger is at its last whole block.

A child process founds (or reopens) a ledger on RocksDB and appends blocks in a tight loop, each
writing 20 versioned entries, printing every committed height. The parent kills it with SIGKILL at
a random moment, reopens the store, and checks: the head is at least the last reported height;
every block up to the head loads; the head's state is complete and provable; the ledger accepts
the next block. Then it lets a new child continue from there, five times.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from jadechain.crypto import Algorithm, KeyPair, PrivateKey
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.proofs import prove_entry, verify_entry_proof
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.storage.rocksdb import RocksDBStore

ADMIN_SECRET = bytes(range(32))
ACCOUNT_SECRET = bytes(range(1, 33))
ENTRIES_PER_BLOCK = 20
ROUNDS = 5

WRITER = Path(__file__).with_name("ledger_writer.py")


def _run_child(path: Path, seconds: float) -> int:
    """Start a writer, kill it after `seconds` and after it has committed a block; last height."""
    args = [sys.executable, str(WRITER), str(path), ADMIN_SECRET.hex(), ACCOUNT_SECRET.hex()]
    child = subprocess.Popen(
        [*args, str(ENTRIES_PER_BLOCK)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    reported = -1
    deadline = time.monotonic() + 60
    try:
        first = child.stdout.readline()  # wait for at least one committed block
        assert first, child.stderr.read() if child.stderr else "child died"
        reported = int(first)
        time.sleep(seconds)
        assert time.monotonic() < deadline
    finally:
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate(timeout=30)
    for line in output.split():
        reported = max(reported, int(line))
    return reported


def _check_consistent(path: Path, reported: int) -> int:
    store = RocksDBStore(path)
    try:
        ledger = Ledger(store)
        height = ledger.height
        assert height >= reported, f"committed block {reported} lost; head is {height}"
        for h in range(height + 1):
            block = ledger.block(h)
            assert block is not None
            assert block.header.height == h
        account = KeyPair.from_private(PrivateKey(Algorithm.ED25519, ACCOUNT_SECRET)).address
        for i in range(ENTRIES_PER_BLOCK):
            # Entry k{i} was written once per block from height 2, its value = that height.
            assert queries.entry(ledger, account, f"k{i}") == (height - 2, Int64(height))
        proof = prove_entry(ledger, account, f"k{ENTRIES_PER_BLOCK - 1}")
        assert verify_entry_proof(proof, ledger.head_hash)
        return height
    finally:
        store.close()


def test_kill_while_writing_blocks_leaves_the_last_whole_block(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    rng = random.Random(20261122)
    heights = []
    for _ in range(ROUNDS):
        reported = _run_child(path, rng.uniform(0.05, 0.6))
        heights.append(_check_consistent(path, reported))
    assert heights == sorted(heights)
    assert heights[-1] >= ROUNDS  # it made progress across restarts
    store = RocksDBStore(path)
    ledger = Ledger(store)
    admin = KeyPair.from_private(PrivateKey(Algorithm.ED25519, ADMIN_SECRET))
    account = KeyPair.from_private(PrivateKey(Algorithm.ED25519, ACCOUNT_SECRET)).address
    op = m.SetEntries(account, [m.EntryWrite("after", Int64(1), m.NEW)])
    outcome = ledger.append(
        [sign(new_content(ledger.id, [op], ledger.head.time_ms), [admin])], ledger.head.time_ms + 1
    )
    assert outcome.block.results[0].code is m.TxCode.SUCCESS
    store.close()
