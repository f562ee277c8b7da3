"""Contracts on a 4-organisation bft network of real processes (`jadechain net up`, classic suite):
every peer process executes the same contract calls itself and ends with the same blocks, the
same state roots and the same balances, events and transaction results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jadechain.api import SubmitStatus
from jadechain.contract.convert import to_python
from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ops import network
from jadechain.ops.founding import NetSpec
from jadechain.ops.manifest import Layout, Manifest
from jadechain.sdk import Client, TxBuilder
from jadechain.testing.processes import free_port

ASSET = Path(__file__).parents[2] / "examples" / "asset.py"
WAIT_S = 60.0

# A second, small contract that publishes events through `ctx.emit` (the asset publishes none).
NOTARY = """from jadechain.contract import Contract, method


class Notary(Contract):
    @method
    def record(self, ctx, account: str, what: str) -> int:
        count = ctx.get(ctx.address, "count", 0) + 1
        ctx.set(ctx.address, "count", count)
        return ctx.emit(account, "notes", {"what": what, "count": count, "by": ctx.signers[0]})
"""


class Net:
    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.manifest = manifest
        self.ledger = manifest.ledger
        self.admin = open_key(load(Layout(root).admin_key), None)
        self.gateway = Client(manifest.gateway_url, timeout=WAIT_S)
        self.peers = {org.name: Client(org.api_url, timeout=WAIT_S) for org in manifest.orgs}

    def close(self) -> None:
        self.gateway.close()
        for client in self.peers.values():
            client.close()

    def key(self) -> KeyPair:
        return KeyPair.generate(self.admin.algorithm)

    def commit(self, builder: TxBuilder, by: KeyPair) -> m.TransactionResult:
        """Submit through the gateway and wait for the block; the transaction's result."""
        answer = self.gateway.submit(self.ledger, builder.sign(by))
        assert answer.status is SubmitStatus.COMMITTED, answer
        assert answer.result is not None
        return answer.result

    def invoke(self, contract: str, method: str, *args: Any, by: KeyPair) -> m.TransactionResult:
        return self.commit(TxBuilder(self.ledger).invoke_contract(contract, method, *args), by)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    root = tmp_path / "net"
    spec = NetSpec(orgs=4, consensus="bft", suite="classic", gateway_port=free_port())
    result = network.up(root, spec, progress=lambda _: None)
    print(f"net up: {result.seconds:.1f} s")
    handle = Net(root, result.manifest)
    try:
        yield handle
    finally:
        handle.close()
        network.down(root)


def _value(result: m.TransactionResult) -> Any:
    assert result.code is m.TxCode.SUCCESS, (result.code, result.message)
    [value] = result.operation_results
    return None if value is None else to_python(value)


def _failed(result: m.TransactionResult, code: m.TxCode, text: str) -> None:
    assert result.code is code, (result.code, result.message)
    assert text in result.message, result.message
    assert result.derived_operations == []


def _same_height(net: Net) -> int:
    """Wait until every peer serves the same head height; that height."""
    deadline = time.monotonic() + WAIT_S
    while True:
        heights = {
            name: client.latest_block(net.ledger).header.height
            for name, client in net.peers.items()
        }
        if len(set(heights.values())) == 1:
            return heights[next(iter(heights))]
        assert time.monotonic() < deadline, heights
        time.sleep(0.1)


def test_peers_execute_contract_calls_to_the_same_state(net: Net) -> None:
    started = time.monotonic()
    admin, alice, bob = net.admin, net.key(), net.key()
    asset, notary, events = net.key(), net.key(), net.key()
    setup = (
        TxBuilder(net.ledger)
        .register_user(alice.public, [genesis.ADMIN_ROLE])
        .register_user(bob.public, [genesis.ADMIN_ROLE])
        .deploy_contract(asset.public, ASSET.read_text(encoding="utf-8"))
        .deploy_contract(notary.public, NOTARY)
        .register_event_account(events.public)
    )
    assert net.commit(setup, admin).code is m.TxCode.SUCCESS

    coin, notes_at = asset.address, notary.address
    assert _value(net.invoke(coin, "setup", "JADE", by=admin)) == admin.address
    assert _value(net.invoke(coin, "issue", alice.address, 100, by=admin)) == 100
    assert _value(net.invoke(coin, "transfer", bob.address, 30, by=alice)) == 70
    assert _value(net.invoke(coin, "transfer", alice.address, 5, by=bob)) == 25
    overdrawn = net.invoke(coin, "transfer", alice.address, 1000, by=bob)
    _failed(overdrawn, m.TxCode.CONTRACT_ERROR, "insufficient balance")
    not_issuer = net.invoke(coin, "issue", alice.address, 10, by=alice)
    _failed(not_issuer, m.TxCode.CONTRACT_ERROR, "only the issuer")
    assert _value(net.invoke(notes_at, "record", events.address, "first", by=admin)) == 0
    assert _value(net.invoke(notes_at, "record", events.address, "second", by=admin)) == 1
    denied = net.invoke(notes_at, "record", events.address, "third", by=alice)  # not the owner
    _failed(denied, m.TxCode.PERMISSION_DENIED, events.address)

    # Several transfers at once: they may share blocks, in any order; every one succeeds.
    batch = [
        TxBuilder(net.ledger).invoke_contract(coin, "transfer", bob.address, 1).sign(alice),
        TxBuilder(net.ledger).invoke_contract(coin, "transfer", alice.address, 2).sign(bob),
        TxBuilder(net.ledger).invoke_contract(coin, "transfer", bob.address, 3).sign(alice),
    ]
    answers = net.gateway.submit_batch(net.ledger, batch)
    assert [answer.status for answer in answers] == [SubmitStatus.COMMITTED] * 3, answers
    assert all(answer.result and answer.result.code is m.TxCode.SUCCESS for answer in answers)

    height = _same_height(net)
    assert height >= 12  # net up's own block, the setup, 9 invocations, the batch
    chains = {
        name: [
            (block.hash, block.header.state_root)
            for block in (client.block(net.ledger, h) for h in range(1, height + 1))
        ]
        for name, client in net.peers.items()
    }
    first = next(iter(chains.values()))
    assert all(chain == first for chain in chains.values()), chains
    assert len({root for _, root in first}) > 1  # the state really changed along the way

    expected = {alice.address: 73, bob.address: 27, admin.address: 0}
    for name, client in net.peers.items():
        balances = {}
        for holder in expected:
            view = client.entry(net.ledger, coin, f"balance:{holder}")
            balances[holder] = 0 if view is None else to_python(view.value)
        assert balances == expected, name
        supply = client.entry(net.ledger, coin, "supply")
        assert supply is not None, name
        assert to_python(supply.value) == 100, name
        notes = [to_python(e.content) for e in client.events(net.ledger, events.address, "notes")]
        assert notes == [
            {"what": "first", "count": 1, "by": admin.address},
            {"what": "second", "count": 2, "by": admin.address},
        ], name
        # The failed calls are recorded the same way everywhere (code, message, fuel).
        for failed in (overdrawn, not_issuer, denied):
            assert client.transaction(net.ledger, failed.tx_hash).result == failed, name
    print(f"contract calls on 4 peers: {time.monotonic() - started:.1f} s, height {height}")
