"""The SDK's public surface, and that importing it loads no server code."""

from __future__ import annotations

import json
import subprocess
import sys

import jadechain.sdk

# Loaded through `jadechain.api` (-> ledger.state) and `jadechain.ledger.merkle` (-> merkle.tree):
# the key-value seam's base types and its memory engine, nothing that opens a store.
STORAGE_PULLED_IN_BY_LEDGER_RECORDS = {
    "jadechain.storage",
    "jadechain.storage.base",
    "jadechain.storage.memory",
}
FORBIDDEN = (
    "jadechain.node",
    "jadechain.gateway",
    "jadechain.storage",
    "jadechain.ledger.store",
    "jadechain.ledger.executor",
    "jadechain.consensus",
    "jadechain.cli",
    "rocksdict",
)


def test_public_api_is_exactly() -> None:
    assert sorted(jadechain.sdk.__all__) == sorted(
        [
            "NEW",
            "AsyncClient",
            "Client",
            "GatewayUnreachableError",
            "JadechainError",
            "ProofError",
            "TxBuilder",
            "default_key_dir",
            "load_keypair",
            "to_value",
            "verify_entry",
            "verify_header",
            "verify_transaction",
        ]
    )
    for name in jadechain.sdk.__all__:
        assert getattr(jadechain.sdk, name).__doc__ or name == "NEW", name


def test_importing_the_sdk_loads_no_server_code() -> None:
    script = "import json, sys, jadechain.sdk; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(output))
    assert "jadechain.sdk" in loaded
    forbidden = {
        name for name in loaded if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert forbidden - STORAGE_PULLED_IN_BY_LEDGER_RECORDS == set()
