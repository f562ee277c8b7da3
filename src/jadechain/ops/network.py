"""`jadechain net up` and `net down`: a local network of N organisations on 127.0.0.1.

`up` founds the network on its first run (`founding.found_network`), or restarts a stopped one
with its existing data (never re-founding); then it starts one peer per org and the gateway as
detached processes, waits until every one answers, and submits one transaction through the
gateway with the admin key, waiting until it commits. If a process dies, or the network is not up
in time, everything started is stopped and NetError carries the tail of the failing log.
`down` stops every process of the network (SIGTERM, SIGKILL after 10 s) and may remove DIR.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from msgspec.structs import replace

from jadechain.api import SubmitStatus
from jadechain.crypto import Digest, KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ops import processes
from jadechain.ops.founding import NetSpec, found_network
from jadechain.ops.manifest import Layout, Manifest, NetError, read_manifest, write_manifest
from jadechain.sdk import NEW, Client, JadechainError, TxBuilder

Progress = Callable[[str], None]
STARTUP_TIMEOUT_S = 60.0
PROGRESS_EVERY_S = 5.0


@dataclass(frozen=True)
class UpResult:
    manifest: Manifest
    founded: bool  # this run founded the network (else: restarted it)
    height: int  # the block the first transaction went into
    seconds: float


@dataclass(frozen=True)
class Service:
    """One process of the network: an org's peer or the gateway."""

    name: str
    config: Path
    log: Path
    url: str
    command: str  # "peer" or "gateway"

    @property
    def marker(self) -> str:
        return str(self.config)


def services(layout: Layout, manifest: Manifest) -> list[Service]:
    peers = [
        Service(o.name, layout.peer_config(o.name), layout.peer_log(o.name), o.api_url, "peer")
        for o in manifest.orgs
    ]
    gateway = Service(
        "gateway", layout.gateway_config, layout.gateway_log, manifest.gateway_url, "gateway"
    )
    return [*peers, gateway]


def pids(manifest: Manifest) -> list[int | None]:
    """The recorded pids, in `services` order."""
    return [*(org.pid for org in manifest.orgs), manifest.gateway_pid]


def with_pids(manifest: Manifest, new: list[int | None]) -> Manifest:
    orgs = [replace(org, pid=pid) for org, pid in zip(manifest.orgs, new, strict=False)]
    return replace(manifest, orgs=orgs, gateway_pid=new[-1])


def running_services(layout: Layout, manifest: Manifest) -> list[tuple[Service, int]]:
    return [
        (service, pid)
        for service, pid in zip(services(layout, manifest), pids(manifest), strict=True)
        if pid is not None and processes.running(pid, service.marker)
    ]


# --- up ------------------------------------------------------------------------------------------


def up(
    root: Path, spec: NetSpec, progress: Progress, timeout_s: float = STARTUP_TIMEOUT_S
) -> UpResult:
    """Found (first run) or restart the network in `root`, start it, commit one transaction."""
    started = time.monotonic()
    layout = Layout(root.resolve())
    manifest = read_manifest(layout)
    founded = manifest is None
    if manifest is None:
        manifest = _found(layout, spec, progress)
    else:
        _check_restart(layout, manifest)
        progress(f"restarting the network in {layout.root} (ledger {manifest.ledger})")
    manifest = start(layout, manifest, progress, timeout_s)
    try:
        height = first_transaction(layout, manifest, progress, timeout_s)
    except BaseException:
        down(layout.root)
        raise
    return UpResult(manifest, founded, height, time.monotonic() - started)


def _found(layout: Layout, spec: NetSpec, progress: Progress) -> Manifest:
    spec.check()
    root = layout.root
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise NetError(f"{root} is not empty and holds no network (no net.json): use another --dir")
    progress(f"founding a {spec.orgs}-org {spec.consensus} network ({spec.suite} suite) in {root}")
    try:
        return found_network(layout, spec, progress)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)  # it was empty or missing: leave nothing half-made
        raise


def _check_restart(layout: Layout, manifest: Manifest) -> None:
    alive = running_services(layout, manifest)
    if alive:
        names = ", ".join(f"{service.name} (pid {pid})" for service, pid in alive)
        raise NetError(
            f"the network in {layout.root} is already running: {names}; "
            f"`jadechain net down --dir {layout.root}` first"
        )


def _check_ports(layout: Layout, manifest: Manifest) -> None:
    ports = [(o.name, o.api_port) for o in manifest.orgs]
    ports += [(f"{o.name} p2p", o.p2p_port) for o in manifest.orgs]
    ports.append(("gateway", manifest.gateway_port))
    for name, port in ports:
        if not processes.port_free(port):
            raise NetError(f"port {port} ({name}) on 127.0.0.1 is in use by another program")


def start(layout: Layout, manifest: Manifest, progress: Progress, timeout_s: float) -> Manifest:
    """Spawn every peer and the gateway and wait until all answer; on failure stop them all."""
    _check_ports(layout, manifest)
    new: list[int | None] = []
    try:
        for service in services(layout, manifest):
            arguments = [service.command, "run", "--config", str(service.config)]
            new.append(processes.spawn(arguments, service.log))
        manifest = with_pids(manifest, new)
        write_manifest(layout, manifest)
        _wait_up(layout, manifest, progress, timeout_s)
    except BaseException:
        stopped = with_pids(manifest, [None] * (len(manifest.orgs) + 1))
        started = zip(new, services(layout, manifest), strict=False)
        processes.stop([(pid, service.marker) for pid, service in started])
        write_manifest(layout, stopped)
        raise
    return manifest


def _wait_up(layout: Layout, manifest: Manifest, progress: Progress, timeout_s: float) -> None:
    waiting = dict(zip(services(layout, manifest), pids(manifest), strict=True))
    deadline = time.monotonic() + timeout_s
    report_at = time.monotonic() + PROGRESS_EVERY_S
    while waiting:
        for service, pid in list(waiting.items()):
            if not processes.running(pid, service.marker):
                raise NetError(
                    f"{service.name} exited during startup (log: {service.log})",
                    processes.log_tail(service.log),
                )
            if processes.healthy(service.url):
                progress(f"{service.name} is up at {service.url}")
                del waiting[service]
        now = time.monotonic()
        if waiting and now > deadline:
            tails = "\n".join(processes.log_tail(s.log) for s in waiting)
            names = ", ".join(s.name for s in waiting)
            raise NetError(f"not up within {timeout_s:.0f} s: {names}", tails)
        if waiting and now > report_at:
            progress(f"waiting for {', '.join(s.name for s in waiting)} ...")
            report_at = now + PROGRESS_EVERY_S
        time.sleep(processes.POLL_S)


def first_transaction(
    layout: Layout, manifest: Manifest, progress: Progress, timeout_s: float
) -> int:
    """Register a data account and write `network/up` through the gateway; the block height."""
    admin = open_key(load(layout.root / manifest.admin_key), None)
    account = KeyPair.generate(admin.algorithm)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    tx = (
        TxBuilder(manifest.ledger)
        .register_data_account(account.public)
        .set_entry(account.address, "network/up", stamp, NEW)
        .sign(admin)
    )
    progress("submitting a transaction through the gateway ...")
    with Client(manifest.gateway_url, timeout=timeout_s) as client:
        try:
            result = client.submit(manifest.ledger, tx)
            if result.status is SubmitStatus.ACCEPTED:  # the gateway stopped waiting: poll
                height = _await_commit(client, manifest.ledger, result.tx_hash, timeout_s)
                progress(f"committed in block {height}")
                return height
        except JadechainError as error:
            raise NetError(f"the first transaction failed: {error}") from None
    if result.status is not SubmitStatus.COMMITTED or result.result is None:
        raise NetError(f"the first transaction was not committed: {result.status} {result.reason}")
    progress(f"committed in block {result.result.height} ({result.result.code.value})")
    return result.result.height


def _await_commit(client: Client, ledger: str, tx_hash: Digest, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return client.transaction(ledger, tx_hash).result.height
        except JadechainError as error:
            if error.status != 404 or time.monotonic() > deadline:
                raise
        time.sleep(processes.POLL_S * 5)


# --- down ----------------------------------------------------------------------------------------


def down(root: Path, purge: bool = False) -> list[str]:
    """Stop every process of the network in `root` (idempotent); the names of those stopped.
    With `purge`, remove the network directory afterwards."""
    layout = Layout(root.resolve())
    manifest = read_manifest(layout)
    if manifest is None:
        return []
    alive = running_services(layout, manifest)
    processes.stop([(pid, service.marker) for service, pid in alive])
    write_manifest(layout, with_pids(manifest, [None] * (len(manifest.orgs) + 1)))
    if purge:
        shutil.rmtree(layout.root)
    return [service.name for service, _ in alive]
