"""The directory of a `jadechain net` network and its manifest, `net.json`.

DIR/
  net.json                  what was founded and what runs: ledger id, suite, consensus,
                            orgs (name, address, ports, pid), gateway (URL, pid)
  keys/admin.key.json       the admin user (ADMIN role), unencrypted: dev/test networks only
  init/init.json            the ceremony: the drafted document, each org's signature file,
  init/orgK.sig.json        and the signed document every org founded its store from
  init/signed-init.json
  orgK/keys/node.key.json   org K's participant key (unencrypted)
  orgK/ledger/              org K's RocksDB ledger store
  orgK/peer.toml, peer.log  org K's peer configuration and output
  gateway/gateway.toml, gateway.log
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec

from jadechain import codec

FORMAT = "jadechain-net/1"
HOST = "127.0.0.1"


class NetError(Exception):
    """A network that cannot be brought up, found or stopped; `details` (e.g. the tail of a
    process log) is shown before the one-line message."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class OrgRecord(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    address: str  # the participant's address
    api_url: str  # the peer's API, for gateways and `net status`
    api_port: int
    p2p_host: str  # as written in the init document
    p2p_port: int
    pid: int | None = None  # the running peer process, if any


class Manifest(msgspec.Struct, forbid_unknown_fields=True):
    ledger: str  # the ledger id (Base58)
    name: str
    suite: str
    consensus: str
    created_ms: int
    orgs: list[OrgRecord]
    gateway_url: str
    gateway_port: int
    gateway_pid: int | None = None
    admin_key: str = "keys/admin.key.json"  # relative to DIR
    format: str = FORMAT


def url(port: int) -> str:
    return f"http://{HOST}:{port}"


@dataclass(frozen=True)
class Layout:
    """The paths of one network directory."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "net.json"

    @property
    def admin_key(self) -> Path:
        return self.root / "keys" / "admin.key.json"

    @property
    def init_dir(self) -> Path:
        return self.root / "init"

    def org(self, name: str) -> Path:
        return self.root / name

    def node_key(self, name: str) -> Path:
        return self.org(name) / "keys" / "node.key.json"

    def ledger(self, name: str) -> Path:
        return self.org(name) / "ledger"

    def peer_config(self, name: str) -> Path:
        return self.org(name) / "peer.toml"

    def peer_log(self, name: str) -> Path:
        return self.org(name) / "peer.log"

    @property
    def gateway_config(self) -> Path:
        return self.root / "gateway" / "gateway.toml"

    @property
    def gateway_log(self) -> Path:
        return self.root / "gateway" / "gateway.log"


def read_manifest(layout: Layout) -> Manifest | None:
    """The manifest, or None when the directory holds no network."""
    try:
        data = layout.manifest.read_bytes()
    except FileNotFoundError:
        return None
    try:
        manifest = codec.from_json(data, Manifest)
    except codec.CodecError as error:
        raise NetError(f"{layout.manifest} is damaged: {error}") from None
    if manifest.format != FORMAT:
        raise NetError(f"{layout.manifest}: unsupported format {manifest.format!r}")
    return manifest


def write_manifest(layout: Layout, manifest: Manifest) -> None:
    """Replace the manifest atomically."""
    temporary = layout.manifest.with_name(".net.json.tmp")
    temporary.write_bytes(msgspec.json.format(codec.to_json(manifest)) + b"\n")
    temporary.replace(layout.manifest)


def write_configs(layout: Layout, manifest: Manifest) -> None:
    """peer.toml for every org and gateway.toml (the peers are every peer API, for failover)."""
    for org in manifest.orgs:
        layout.peer_config(org.name).write_text(
            "[peer]\n"
            f'listen = "{HOST}:{org.api_port}"\n'
            'key_file = "keys/node.key.json"   # unencrypted: a dev/test network\n'
            'ledgers = ["ledger"]\n'
        )
    peers = ", ".join(f'"{org.api_url}"' for org in manifest.orgs)
    layout.gateway_config.parent.mkdir(parents=True, exist_ok=True)
    layout.gateway_config.write_text(
        f'[gateway]\nlisten = "{HOST}:{manifest.gateway_port}"\npeers = [{peers}]\n'
    )
