"""Founding a `jadechain net` network on disk (no processes): keys, ceremony, stores, configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from jadechain.crypto.keyfile import load
from jadechain.ledger.store import Ledger
from jadechain.node.config import load_gateway_config, load_peer_config
from jadechain.ops import ceremony
from jadechain.ops.founding import NetSpec, found_network
from jadechain.ops.manifest import Layout, NetError, read_manifest
from jadechain.storage.rocksdb import RocksDBStore


@pytest.mark.parametrize("suite", ["classic", "sm"])
def test_four_orgs_are_founded_the_multi_party_way(tmp_path: Path, suite: str) -> None:
    layout = Layout(tmp_path / "net")
    lines: list[str] = []
    manifest = found_network(layout, NetSpec(4, "bft", suite, 18080, 750), lines.append)
    assert read_manifest(layout) == manifest
    assert [org.name for org in manifest.orgs] == ["org1", "org2", "org3", "org4"]
    signed = ceremony.read_signed(layout.init_dir / "signed-init.json")
    assert signed.document.consensus_settings == {"view_change_timeout_ms": "750"}
    assert ceremony.ledger_id(signed).to_base58() == manifest.ledger
    for org, spec in zip(manifest.orgs, signed.document.participants, strict=True):
        assert (spec.name, spec.host, spec.port) == (org.name, org.p2p_host, org.p2p_port)
        assert load(layout.node_key(org.name)).address == org.address
        assert not load(layout.node_key(org.name)).encrypted  # a dev/test network
        assert (layout.init_dir / f"{org.name}.sig.json").is_file()
        store = RocksDBStore(layout.ledger(org.name), create=False)
        try:
            assert Ledger(store).id.to_base58() == manifest.ledger
        finally:
            store.close()
        peer = load_peer_config(layout.peer_config(org.name)).peer
        assert peer.listen == f"127.0.0.1:{org.api_port}"
    gateway = load_gateway_config(layout.gateway_config).gateway
    assert gateway.peers == [org.api_url for org in manifest.orgs]
    assert gateway.listen == "127.0.0.1:18080"
    ports = [o.api_port for o in manifest.orgs] + [o.p2p_port for o in manifest.orgs]
    assert len(set(ports)) == 8
    assert lines == [f"ceremony: 4 orgs signed and founded ledger {manifest.ledger}"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (NetSpec(65, "solo"), "--orgs must be between"),
        (NetSpec(0), "--orgs must be between"),
        (NetSpec(1, "raft"), "unknown consensus"),
        (NetSpec(1, "bft", "rsa"), "unknown crypto suite"),
        (NetSpec(1, view_change_timeout_ms=10), "must be 50-600000"),
    ],
)
def test_bad_specs_are_refused(spec: NetSpec, message: str) -> None:
    with pytest.raises(NetError, match=message):
        spec.check()
