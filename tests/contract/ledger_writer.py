"""Child process of test_ledger_crash.py: append blocks to a RocksDB ledger until killed.

Usage: ledger_writer.py PATH ADMIN_SECRET_HEX ACCOUNT_SECRET_HEX ENTRIES_PER_BLOCK
Prints each committed height on its own line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jadechain.crypto import Algorithm, KeyPair, PrivateKey
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.storage.rocksdb import RocksDBStore


def keypair(secret_hex: str) -> KeyPair:
    return KeyPair.from_private(PrivateKey(Algorithm.ED25519, bytes.fromhex(secret_hex)))


def open_or_found(path: Path, admin: KeyPair, account: KeyPair) -> Ledger:
    store = RocksDBStore(path)
    if store.get(b"m/ledger") is not None:
        return Ledger(store)
    signed = genesis.local_ceremony("crash", 1_000_000, "classic", [("n", admin)], admin.public)
    ledger = Ledger.create(store, signed)
    register = new_content(ledger.id, [m.RegisterDataAccount(account.public)], 1_000_000)
    ledger.append([sign(register, [admin])], 1_000_001)
    return ledger


def main() -> None:
    path, admin_hex, account_hex, per_block = sys.argv[1:5]
    admin, account = keypair(admin_hex), keypair(account_hex)
    ledger = open_or_found(Path(path), admin, account)
    while True:
        height = ledger.height + 1
        # Entry k{i} gets version height - 2 (first written at height 2) and value `height`.
        writes = [m.EntryWrite(f"k{i}", Int64(height), height - 3) for i in range(int(per_block))]
        ops: list[m.Operation] = [m.SetEntries(account.address, [w]) for w in writes]
        tx = sign(new_content(ledger.id, ops, ledger.head.time_ms), [admin])
        outcome = ledger.append([tx], ledger.head.time_ms + 1)
        result = outcome.block.results[0]
        assert result.code is m.TxCode.SUCCESS, result.message
        print(ledger.height, flush=True)


if __name__ == "__main__":
    main()
