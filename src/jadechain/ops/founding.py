"""Founding a local network the multi-party way: keys per org, draft, each org signs with its own
key, combine, each org founds its own store, all ledger ids must match; then the configs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jadechain.crypto import KeyPair, address_of, suite_by_name
from jadechain.crypto.keyfile import KeyStore, load, open_key
from jadechain.ledger import genesis
from jadechain.ops import ceremony
from jadechain.ops.manifest import (
    HOST,
    Layout,
    Manifest,
    NetError,
    OrgRecord,
    url,
    write_configs,
    write_manifest,
)
from jadechain.ops.processes import free_ports

Progress = Callable[[str], None]
ORGS_MAX = 64


@dataclass(frozen=True)
class NetSpec:
    """What `net up` founds: how many orgs, which consensus and crypto suite, which ports."""

    orgs: int = 4
    consensus: str = "bft"
    suite: str = "classic"
    gateway_port: int = 8080
    view_change_timeout_ms: int = 1000

    def check(self) -> None:
        if not 1 <= self.orgs <= ORGS_MAX:
            raise NetError(f"--orgs must be between 1 and {ORGS_MAX}")
        if self.consensus not in ceremony.CONSENSUS_PROVIDERS:
            raise NetError(f"unknown consensus {self.consensus!r}")
        if self.suite not in ("classic", "sm"):
            raise NetError(f"unknown crypto suite {self.suite!r}; known: classic, sm")
        if not 0 < self.gateway_port < 65536:
            raise NetError("--gateway-port must be 1-65535")
        if not 50 <= self.view_change_timeout_ms <= 600_000:
            raise NetError("--view-change-timeout-ms must be 50-600000")

    def settings(self) -> dict[str, str]:
        if self.consensus == "bft":
            return {"view_change_timeout_ms": str(self.view_change_timeout_ms)}
        return {}


def _new_key(path: Path, suite: str) -> KeyPair:
    """A new unencrypted key file at `path` (a dev/test network)."""
    store = KeyStore(path.parent)
    keyfile = store.create(
        path.name.removesuffix(".key.json"), suite_by_name(suite).signature, None
    )
    return open_key(keyfile, None)


def _org_key(layout: Layout, name: str) -> KeyPair:
    """What org `name` does on its own machine: open its own key."""
    return open_key(load(layout.node_key(name)), None)


def _draft(layout: Layout, spec: NetSpec, names: list[str], p2p: list[int]) -> None:
    specs = [
        genesis.ParticipantSpec(name, _org_key(layout, name).public, HOST, port)
        for name, port in zip(names, p2p, strict=True)
    ]
    admin = load(layout.admin_key).public
    document = ceremony.draft(
        layout.root.name or "jadechain-net", spec.suite, specs, admin, spec.consensus,
        spec.settings(),
    )  # fmt: skip
    ceremony.write_file(layout.init_dir / "init.json", document)


def _ceremony(layout: Layout, names: list[str], progress: Progress) -> str:
    """Each org signs with its own key; combine; each org founds its own store; one id."""
    init = layout.init_dir
    for name in names:
        document = ceremony.read_document(init / "init.json")
        signature = ceremony.sign(document, _org_key(layout, name))
        ceremony.write_file(init / f"{name}.sig.json", signature)
    document = ceremony.read_document(init / "init.json")
    signatures = [ceremony.read_signature(init / f"{name}.sig.json") for name in names]
    ceremony.write_file(init / "signed-init.json", ceremony.combine(document, signatures))
    ids = {}
    for name in names:
        signed = ceremony.read_signed(init / "signed-init.json")
        ids[name] = ceremony.found_store(signed, layout.ledger(name)).to_base58()
    if len(set(ids.values())) != 1:
        raise NetError(f"the orgs founded different ledgers: {ids}")
    ledger = ids[names[0]]
    progress(f"ceremony: {len(names)} orgs signed and founded ledger {ledger}")
    return ledger


def found_network(layout: Layout, spec: NetSpec, progress: Progress) -> Manifest:
    """Keys, ceremony, stores, configs and the manifest of a new network in `layout.root`."""
    spec.check()
    names = [f"org{k}" for k in range(1, spec.orgs + 1)]
    ports = free_ports(2 * spec.orgs)
    api, p2p = ports[: spec.orgs], ports[spec.orgs :]
    _new_key(layout.admin_key, spec.suite)
    keys = [_new_key(layout.node_key(name), spec.suite) for name in names]
    _draft(layout, spec, names, p2p)
    ledger = _ceremony(layout, names, progress)
    orgs = [
        OrgRecord(name, address_of(key.public), url(a), a, HOST, p)
        for name, key, a, p in zip(names, keys, api, p2p, strict=True)
    ]
    manifest = Manifest(
        ledger=ledger,
        name=layout.root.name,
        suite=spec.suite,
        consensus=spec.consensus,
        created_ms=time.time_ns() // 1_000_000,
        orgs=orgs,
        gateway_url=url(spec.gateway_port),
        gateway_port=spec.gateway_port,
    )
    write_configs(layout, manifest)
    write_manifest(layout, manifest)
    return manifest
