"""What a run measures: a system started for it and always torn down (also on Ctrl-C).

- `ledger`: an in-process `Ledger` (RocksDB in a temporary directory, or memory) behind a solo
  `LedgerHost`, driven by calls (no HTTP). The benchmark client shares the process.
- `dev`: `jadechain dev` spawned on a free port with a temporary data directory, driven over HTTP.
  Its gateway endorses every transaction (a node signature over the hash, which the host in the
  same process does not verify again), so each transaction costs one signing and one
  verification there.
- `net`: a `jadechain net up` network of N org processes and a gateway in a temporary directory,
  driven over HTTP through the peers' own APIs round-robin (`via="peers"`, the default: the
  gateway is one more Python process on the same cores) or through the gateway (`via="gateway"`).
  The gateway of `net up` holds no key: each transaction carries one signature, which every node
  verifies once (at intake, or when the batch arrives from another node).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from jadechain.api import API_PREFIX
from jadechain.crypto import Digest, KeyPair, suite_by_name
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import genesis
from jadechain.ledger.store import Ledger
from jadechain.storage import KVStore, MemoryStore
from jadechain.testing.processes import free_port

Progress = Callable[[str], None]
TARGETS = ("ledger", "dev", "net")
STARTUP_S = 60.0
STOP_S = 20.0


@dataclass
class System:
    """A started system: where to send, whose key signs, which processes to watch."""

    target: str
    ledger_id: Digest
    admin: KeyPair
    suite: str
    nodes: int
    consensus: str
    engine: str
    verifications_per_tx: int  # signature verifications the system does per transaction
    signings_per_tx: int  # signatures the system makes per transaction (gateway endorsement)
    processes: dict[str, int]  # name -> pid, watched for CPU and memory
    submit_urls: list[str] = field(default_factory=list)  # API bases (…/api/v1), round-robin
    stream_url: str = ""  # API base whose /blocks/stream is watched
    via: str = ""
    ledger: Ledger | None = None  # the in-process target's ledger
    node_key: KeyPair | None = None


@dataclass(frozen=True)
class TargetSpec:
    target: str
    suite: str = "classic"
    orgs: int = 4
    consensus: str = "bft"
    store: str = "rocksdb"  # the in-process target's engine
    via: str = "peers"  # the net target: "peers" or "gateway"


@contextmanager
def started(spec: TargetSpec, progress: Progress) -> Iterator[System]:
    """The system of `spec`, torn down when the block ends (SIGTERM counts as Ctrl-C)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="jadechain-bench-") as directory:
            root = Path(directory)
            if spec.target == "ledger":
                with _in_process(spec, root) as system:
                    yield system
            elif spec.target == "dev":
                with _dev(spec, root, progress) as system:
                    yield system
            elif spec.target == "net":
                with _net(spec, root, progress) as system:
                    yield system
            else:
                raise ValueError(f"unknown target {spec.target!r}; known: {', '.join(TARGETS)}")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# --- ledger: in-process --------------------------------------------------------------------------


@contextmanager
def _in_process(spec: TargetSpec, root: Path) -> Iterator[System]:
    algorithm = suite_by_name(spec.suite).signature
    admin, node = KeyPair.generate(algorithm), KeyPair.generate(algorithm)
    created_ms = time.time_ns() // 1_000_000
    signed = genesis.local_ceremony("bench", created_ms, spec.suite, [("node", node)], admin.public)
    store = _store(spec.store, root)
    try:
        ledger = Ledger.create(store, signed)
        yield System(
            "ledger", ledger.id, admin, spec.suite, 1, "solo", spec.store, 1, 0,
            {"client+node": os.getpid()}, ledger=ledger, node_key=node,
        )  # fmt: skip
    finally:
        store.close()


def _store(name: str, root: Path) -> KVStore:
    if name == "memory":
        return MemoryStore()
    from jadechain.storage.rocksdb import RocksDBStore

    return RocksDBStore(root / "ledger")


# --- dev: one process ----------------------------------------------------------------------------


@contextmanager
def _dev(spec: TargetSpec, root: Path, progress: Progress) -> Iterator[System]:
    port, data = free_port(), root / "dev"
    command = ["dev", "--data", str(data), "--port", str(port), "--crypto", spec.suite]
    with _spawned(command, root / "dev.log", f"http://127.0.0.1:{port}", progress) as pid:
        admin = open_key(load(data / "keys" / "admin.key.json"), None)
        ledger_id = Digest.from_base58(json.loads((data / "dev.json").read_text())["ledger"])
        base = f"http://127.0.0.1:{port}{API_PREFIX}"
        yield System(
            "dev", ledger_id, admin, spec.suite, 1, "solo", "rocksdb", 1, 1,
            {"dev": pid}, [base], base, "dev gateway",
        )  # fmt: skip


@contextmanager
def _spawned(arguments: list[str], log: Path, url: str, progress: Progress) -> Iterator[int]:
    """`python -m jadechain ARGUMENTS` (output to `log`) until the block ends; its pid."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jadechain", *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by us, in order, not by the terminal's Ctrl-C
        )
    try:
        _wait_healthy(process, url, log)
        progress(f"jadechain {arguments[0]} is up at {url} (pid {process.pid})")
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmarked process exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"not up within {STARTUP_S:.0f} s: {log.read_text()[-2000:]}")
        time.sleep(0.1)


# --- net: N peers and a gateway ------------------------------------------------------------------


@contextmanager
def _net(spec: TargetSpec, root: Path, progress: Progress) -> Iterator[System]:
    from jadechain.ops import network
    from jadechain.ops.founding import NetSpec
    from jadechain.ops.manifest import Layout

    net_root = root / "net"
    net_spec = NetSpec(spec.orgs, spec.consensus, spec.suite, gateway_port=free_port())
    try:
        manifest = network.up(net_root, net_spec, progress).manifest
        layout = Layout(net_root.resolve())
        admin = open_key(load(layout.admin_key), None)
        peers = [org.api_url + API_PREFIX for org in manifest.orgs]
        gateway = manifest.gateway_url + API_PREFIX
        processes = {org.name: org.pid for org in manifest.orgs if org.pid is not None}
        if manifest.gateway_pid is not None:
            processes["gateway"] = manifest.gateway_pid
        yield System(
            "net", Digest.from_base58(manifest.ledger), admin, spec.suite, spec.orgs,
            spec.consensus, "rocksdb", spec.orgs, 0, processes,
            peers if spec.via == "peers" else [gateway], peers[0], spec.via,
        )  # fmt: skip
    finally:
        network.down(net_root)
        shutil.rmtree(net_root, ignore_errors=True)
