"""The dev ledger: founded once, reopened after, refused clearly when the directory is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from jadechain.crypto import Algorithm
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.node.devnet import DevError, open_dev


def test_first_run_founds_and_later_runs_reopen(tmp_path: Path) -> None:
    first = open_dev(tmp_path)
    assert first.founded
    ledger_id = first.ledger.id
    admin = open_key(load(first.admin_key_file), None)
    account = open_key(load(first.admin_key_file), None).public  # any valid key will do
    content = new_content(ledger_id, [m.RegisterDataAccount(account)], first.ledger.head.time_ms)
    first.ledger.append([sign(content, [admin])], first.ledger.head.time_ms + 1)
    height = first.ledger.height
    first.close()
    second = open_dev(tmp_path)
    try:
        assert not second.founded
        assert second.ledger.id == ledger_id
        assert second.ledger.height == height
        assert second.node_key.algorithm is Algorithm.ED25519
    finally:
        second.close()


def test_sm_suite_uses_sm2_keys(tmp_path: Path) -> None:
    dev = open_dev(tmp_path, "sm")
    try:
        assert dev.node_key.algorithm is Algorithm.SM2
        assert dev.ledger.settings().hash_algorithm == "sm3"
    finally:
        dev.close()


def test_wrong_suite_or_foreign_directory_is_refused(tmp_path: Path) -> None:
    open_dev(tmp_path / "a").close()
    with pytest.raises(DevError, match="holds a 'classic' ledger, not 'sm'"):
        open_dev(tmp_path / "a", "sm")
    (tmp_path / "b" / "ledger").mkdir(parents=True)
    with pytest.raises(DevError, match="not a dev directory"):
        open_dev(tmp_path / "b")
