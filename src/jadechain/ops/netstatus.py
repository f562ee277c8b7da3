"""`jadechain net status`: each org's peer and the gateway, as their processes and APIs see it.

Per peer: is its process running, does its API answer (`/health`: the height), and its network
view from `GET /api/v1/ledgers/{L}/network` (certified height, view, leader, connected peers).
A peer without that route (404) or not answering shows those as unknown (None).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import httpx
import msgspec

from jadechain import codec
from jadechain.api import Health, NetworkStatus
from jadechain.ops import processes
from jadechain.ops.manifest import Layout, Manifest, NetError, OrgRecord, read_manifest
from jadechain.ops.network import services

T = TypeVar("T")
TIMEOUT_S = 2.0


class PeerState(msgspec.Struct):
    name: str
    address: str
    pid: int | None
    running: bool
    api_url: str
    p2p: str
    reachable: bool = False  # its API answered
    height: int | None = None
    certified_height: int | None = None
    view: int | None = None
    leader: str | None = None  # the leader's org name (or address, if not an org of DIR)
    connected: list[str] | None = None  # names of the orgs it has a live link to
    diverged: str = ""


class GatewayState(msgspec.Struct):
    pid: int | None
    running: bool
    url: str
    reachable: bool


class NetState(msgspec.Struct):
    dir: str
    ledger: str
    suite: str
    consensus: str
    peers: list[PeerState]
    gateway: GatewayState


def status(root: Path) -> NetState:
    layout = Layout(root.resolve())
    manifest = read_manifest(layout)
    if manifest is None:
        raise NetError(f"no network in {layout.root} (no net.json): `jadechain net up` first")
    markers = [service.marker for service in services(layout, manifest)]
    names = {org.address: org.name for org in manifest.orgs}
    with httpx.Client(timeout=TIMEOUT_S) as http:
        peers = [
            _peer(http, manifest, org, processes.running(org.pid, marker), names)
            for org, marker in zip(manifest.orgs, markers, strict=False)
        ]
    pid = manifest.gateway_pid
    gateway = GatewayState(
        pid,
        processes.running(pid, markers[-1]),
        manifest.gateway_url,
        processes.healthy(manifest.gateway_url),
    )
    return NetState(
        str(layout.root), manifest.ledger, manifest.suite, manifest.consensus, peers, gateway
    )


def _peer(
    http: httpx.Client, manifest: Manifest, org: OrgRecord, running: bool, names: dict[str, str]
) -> PeerState:
    state = PeerState(
        org.name, org.address, org.pid, running, org.api_url, f"{org.p2p_host}:{org.p2p_port}"
    )
    health = _get(http, f"{org.api_url}/health", Health)
    if health is None:
        return state
    state.reachable = True
    state.height = next(
        (s.height for s in health.ledgers if s.id.to_base58() == manifest.ledger), None
    )
    network = _get(http, f"{org.api_url}/api/v1/ledgers/{manifest.ledger}/network", NetworkStatus)
    if network is not None:
        state.height = network.height
        state.certified_height = network.certified_height
        state.view = network.view
        state.leader = None if network.leader is None else names.get(network.leader, network.leader)
        state.connected = [names.get(p.node, p.name) for p in network.peers if p.connected]
        state.diverged = network.diverged
    return state


def _get(http: httpx.Client, url: str, type_: type[T]) -> T | None:
    """The decoded answer, or None when the server is down, lacks the route, or answers oddly."""
    try:
        answer = http.get(url, headers={"accept": "application/json"})
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    try:
        return codec.from_json(answer.content, type_)
    except codec.CodecError:
        return None
