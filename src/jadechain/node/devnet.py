"""The one-process development ledger behind `jadechain dev`.

Layout of the data directory (default ./.jadechain):
- `keys/admin.key.json`: the ledger's first user (ADMIN role), stored unencrypted — development
  only; `keys/node.key.json`: the single participant's key, which signs block certificates;
- `ledger/`: the RocksDB store of the ledger;
- `dev.json`: what was founded (ledger id, suite), so a restart reopens the same ledger.
A restart never re-founds: it reopens the store and continues from its head.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from jadechain.crypto import KeyPair, suite_by_name
from jadechain.crypto.keyfile import KeyStore, open_key
from jadechain.ledger import genesis
from jadechain.ledger.store import Ledger
from jadechain.storage.rocksdb import RocksDBStore

ADMIN_KEY = "admin"
NODE_KEY = "node"
MANIFEST = "dev.json"


class DevError(Exception):
    """The data directory cannot hold or open a development ledger; the message says why."""


@dataclass
class DevLedger:
    ledger: Ledger
    store: RocksDBStore
    node_key: KeyPair
    admin_key_file: Path
    founded: bool  # True on the run that created it

    def close(self) -> None:
        self.store.close()


def _keypair(store: KeyStore, name: str, algorithm_name: str) -> KeyPair:
    if name not in store.names():
        store.create(name, suite_by_name(algorithm_name).signature, password=None)
    keyfile = store.load(name)
    if keyfile.encrypted:
        raise DevError(f"{store.path(name)} is encrypted; a dev ledger uses unencrypted keys")
    return open_key(keyfile, None)


def _found(data: Path, suite: str) -> tuple[Ledger, RocksDBStore]:
    keys = KeyStore(data / "keys")
    admin = _keypair(keys, ADMIN_KEY, suite)
    node = _keypair(keys, NODE_KEY, suite)
    created_ms = time.time_ns() // 1_000_000
    participants = [("dev-node", node)]
    signed = genesis.local_ceremony(
        "dev", created_ms, suite, participants, admin.public, "127.0.0.1"
    )
    store = RocksDBStore(data / "ledger")
    try:
        ledger = Ledger.create(store, signed)
    except BaseException:
        store.close()
        raise
    manifest = {"ledger": ledger.id.to_base58(), "suite": suite}
    (data / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return ledger, store


def open_dev(data: Path, suite: str = "classic") -> DevLedger:
    """Open the dev ledger in `data`, founding it (keys, genesis) on the first run."""
    data.mkdir(parents=True, exist_ok=True)
    manifest_path = data / MANIFEST
    founded = not manifest_path.exists()
    if founded:
        if (data / "ledger").exists():
            raise DevError(f"{data / 'ledger'} exists without {MANIFEST}: not a dev directory")
        ledger, store = _found(data, suite)
    else:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("suite") != suite:
            raise DevError(
                f"{data} holds a {manifest.get('suite')!r} ledger, not {suite!r}; "
                "use another --data directory"
            )
        store = RocksDBStore(data / "ledger", create=False)
        ledger = Ledger(store)
        if ledger.id.to_base58() != manifest.get("ledger"):
            store.close()
            raise DevError(f"{data / 'ledger'} holds another ledger than {MANIFEST} names")
    keys = KeyStore(data / "keys")
    node_key = open_key(keys.load(NODE_KEY), None)
    return DevLedger(ledger, store, node_key, keys.path(ADMIN_KEY), founded)
