"""examples/asset.py, tested with the in-memory contract fixture (as a contract author would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jadechain.ledger import model as m
from jadechain.testing.contracts import ContractFailed, ContractTester

ASSET = Path(__file__).parents[3] / "examples" / "asset.py"


@pytest.fixture
def asset() -> ContractTester:
    tester = ContractTester(ASSET).deploy()
    tester.call("setup", "JADE")
    return tester


def test_issuer_issues_and_holders_transfer(asset: ContractTester) -> None:
    alice, bob = asset.user(), asset.user()
    assert asset.call("issue", alice.address, 100) == 100
    assert asset.call("transfer", bob.address, 30, by=alice) == 70
    assert asset.call("balance", bob.address) == 30
    assert asset.call("supply") == 100
    assert asset.entry(asset.address, f"balance:{alice.address}") == 70


def test_only_the_issuer_issues(asset: ContractTester) -> None:
    mallory = asset.user()
    with pytest.raises(ContractFailed, match="only the issuer may issue"):
        asset.call("issue", mallory.address, 1000, by=mallory)
    with pytest.raises(ContractFailed, match="already set up"):
        asset.call("setup", "FAKE", by=mallory)


def test_transfer_checks_balance_and_rolls_back(asset: ContractTester) -> None:
    alice, bob = asset.user(), asset.user()
    asset.call("issue", alice.address, 10)
    with pytest.raises(ContractFailed) as failed:
        asset.call("transfer", bob.address, 11, by=alice)
    assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert "insufficient balance" in failed.value.message
    with pytest.raises(ContractFailed, match="must be positive"):
        asset.call("transfer", bob.address, -5, by=alice)
    assert asset.call("balance", alice.address) == 10
    assert asset.call("balance", bob.address) == 0
