"""`jadechain net up|status|down` with real processes on 127.0.0.1 (one org, solo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.sdk import NEW, Client, TxBuilder
from jadechain.testing.processes import free_port


def _net(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jadechain", "net", *arguments],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def _ok(*arguments: str) -> str:
    result = _net(*arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _gone(pid: int) -> bool:
    """No such process, or only a zombie left for its new parent to reap."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(")")[2].split()[0] == "Z"


@pytest.fixture
def net_dir(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "net"
    try:
        yield root
    finally:
        _net("down", "--dir", str(root))  # whatever happened, nothing keeps running


def _status(root: Path) -> Any:
    return json.loads(_ok("status", "--dir", str(root), "--json"))


def _pids(state: Any) -> list[int]:
    return [peer["pid"] for peer in state["peers"]] + [state["gateway"]["pid"]]


def test_up_status_transact_down_and_restart(net_dir: Path) -> None:
    port = free_port()
    out = _ok("up", "--orgs", "1", "--consensus", "solo", "--dir", str(net_dir),
              "--gateway-port", str(port))  # fmt: skip
    assert "network up in " in out
    assert f"explorer:  http://127.0.0.1:{port}/" in out
    state = _status(net_dir)
    [peer] = state["peers"]
    assert (peer["name"], peer["running"], peer["reachable"]) == ("org1", True, True)
    assert peer["height"] >= 1  # the first block: `net up` committed a transaction
    assert state["gateway"] == {"pid": _pids(state)[-1], "running": True,
                                "url": f"http://127.0.0.1:{port}", "reachable": True}  # fmt: skip
    assert "org1" in _ok("status", "--dir", str(net_dir))
    ledger = str(state["ledger"])
    admin = open_key(load(net_dir / "keys" / "admin.key.json"), None)
    account = KeyPair.generate(admin.algorithm)
    with Client(f"http://127.0.0.1:{port}") as client:
        tx = TxBuilder(ledger).register_data_account(account.public)
        assert client.submit(ledger, tx.set_entry(account.address, "k", "v", NEW).sign(admin))
        entry = client.entry(ledger, account.address, "k")
        assert entry is not None
        assert entry.version == 0
    again = _net("up", "--dir", str(net_dir))
    assert again.returncode == 1
    assert "is already running" in again.stderr
    pids = _pids(state)
    assert _ok("down", "--dir", str(net_dir)).startswith("stopped org1, gateway")
    assert all(_gone(pid) for pid in pids)
    assert _ok("down", "--dir", str(net_dir)).startswith("nothing running")
    _ok("up", "--dir", str(net_dir))  # restarts the same ledger with its data
    restarted = _status(net_dir)
    [restarted_peer] = restarted["peers"]
    assert restarted["ledger"] == ledger
    assert restarted_peer["height"] >= 3
    pids = _pids(restarted)
    _ok("down", "--dir", str(net_dir))
    assert all(_gone(pid) for pid in pids)
    with (net_dir / "org1" / "peer.toml").open("a") as config:
        config.write("surprise = 1\n")  # the peer will refuse its config and exit
    broken = _net("up", "--dir", str(net_dir))
    assert broken.returncode == 1
    assert "unknown field `surprise`" in broken.stderr  # the tail of its log
    assert broken.stderr.splitlines()[-1].startswith("error: org1 exited during startup")
    assert all(pid is None for pid in _pids(_status(net_dir)))  # the gateway was stopped too
    assert "removed" in _ok("down", "--dir", str(net_dir), "--purge")
    assert not net_dir.exists()


def test_bad_input_and_missing_networks(tmp_path: Path) -> None:
    root = tmp_path / "net"
    raft = _net("up", "--orgs", "2", "--consensus", "raft", "--dir", str(root))
    assert raft.returncode != 0
    assert "raft" in raft.stderr.splitlines()[-1]
    assert not root.exists()
    missing = _net("status", "--dir", str(root))
    assert missing.returncode != 0
    assert missing.stderr.startswith("error: no network in ")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("not a network")
    foreign = _net("up", "--orgs", "1", "--consensus", "solo", "--dir", str(tmp_path / "other"))
    assert "holds no network" in foreign.stderr
    assert (tmp_path / "other" / "file.txt").exists()
    assert _ok("down", "--dir", str(root), "--purge").startswith("nothing running")
    for command in ("up", "status", "down"):
        assert "Usage:" in _ok(command, "--help")
