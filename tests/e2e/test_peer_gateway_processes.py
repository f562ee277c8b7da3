"""`jadechain peer run` and `jadechain gateway run` as separate processes configured by TOML."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path

import httpx

from jadechain import codec
from jadechain.api import EntryView, SubmitResult, SubmitStatus, TransactionView
from jadechain.crypto import Digest, KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Text
from jadechain.testing.processes import dev_process, free_port, served


def _configs(data: Path, peer_port: int, gateway_port: int, dead_port: int) -> tuple[Path, Path]:
    peer = data / "peer.toml"
    peer.write_text(
        f'[peer]\nlisten = "127.0.0.1:{peer_port}"\nkey_file = "keys/node.key.json"\n'
        'ledgers = ["ledger"]\n\n[pipeline]\nblock_delay_ms = 5\n'
    )
    gateway = data / "gateway.toml"
    peers = f'["http://127.0.0.1:{dead_port}", "http://127.0.0.1:{peer_port}"]'
    gateway.write_text(
        f'[gateway]\nlisten = "127.0.0.1:{gateway_port}"\npeers = {peers}\n'
        'key_file = "keys/admin.key.json"\n'
    )
    return peer, gateway


def test_gateway_forwards_to_a_peer_endorses_and_fails_over(tmp_path: Path) -> None:
    data = tmp_path / "ledger-dir"
    with dev_process(data, free_port()):
        pass  # found the ledger and its keys, then stop
    peer_port, gateway_port, dead_port = free_port(), free_port(), free_port()
    peer_toml, gateway_toml = _configs(data, peer_port, gateway_port, dead_port)
    base = f"http://127.0.0.1:{gateway_port}"
    with (
        served(["peer", "run", "--config", str(peer_toml)], peer_port) as peer,
        served(["gateway", "run", "--config", str(gateway_toml)], gateway_port),
    ):
        [summary] = httpx.get(f"{base}/api/v1/ledgers").json()
        ledger = f"{base}/api/v1/ledgers/{summary['id']}"
        admin = open_key(load(data / "keys" / "admin.key.json"), None)
        account = KeyPair.generate(admin.algorithm)
        ledger_id = Digest.from_base58(summary["id"])

        def submit(operation: m.Operation) -> SubmitResult:
            tx = sign(new_content(ledger_id, [operation], time.time_ns() // 1_000_000), [admin])
            answer = httpx.post(f"{ledger}/txs", content=codec.to_json(tx), timeout=30)
            assert answer.status_code == 200, answer.text
            return codec.from_json(answer.content, SubmitResult)

        assert submit(m.RegisterDataAccount(account.public)).status is SubmitStatus.COMMITTED
        written = submit(m.SetEntries(account.address, [m.EntryWrite("k", Text("v"), m.NEW)]))
        assert written.status is SubmitStatus.COMMITTED
        entry = httpx.get(f"{ledger}/accounts/{account.address}/entries/k")
        assert codec.from_json(entry.content, EntryView) == EntryView("k", 0, Text("v"))
        view = codec.from_json(
            httpx.get(f"{ledger}/txs/{written.tx_hash.to_base58()}").content, TransactionView
        )
        assert [s.public_key for s in view.transaction.node_signatures] == [admin.public]
        with httpx.stream("GET", f"{ledger}/blocks/stream?from=1", timeout=30) as stream:
            lines = stream.iter_lines()
            ids = (line for line in lines if line.startswith("id: "))
            assert list(itertools.islice(ids, 2)) == ["id: 1", "id: 2"]  # replayed via the gateway
            submit(m.SetEntries(account.address, [m.EntryWrite("k", Text("v2"), 0)]))
            live = next(line for line in lines if line.startswith("id: "))
            assert live == "id: 3"  # streamed live through the gateway
        malformed = httpx.post(f"{ledger}/txs", content=b"{nope")
        assert malformed.status_code == 400  # refused by the gateway before any peer
        assert "cannot decode" in malformed.json()["message"]
        peer.popen.terminate()
        peer.popen.wait(timeout=20)
        down = httpx.get(f"{ledger}/blocks/latest")
        assert down.status_code == 503
        assert down.json()["code"] == "unavailable"


def test_bad_config_is_refused_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "peer.toml"
    config.write_text(
        '[peer]\nlisten = "127.0.0.1:7080"\nkey_file = "k"\nledgers = ["l"]\nextra = 1\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "jadechain", "peer", "run", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "unknown field `extra`" in result.stderr
    assert "Traceback" not in result.stderr
    config.write_text("[gateway]\nlisten = 'nowhere'\npeers = ['http://127.0.0.1:1']\n")
    result = subprocess.run(
        [sys.executable, "-m", "jadechain", "gateway", "run", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "listen must be HOST:PORT" in result.stderr


def test_peer_run_refuses_a_missing_store_without_creating_it(tmp_path: Path) -> None:
    data = tmp_path / "ledger-dir"
    with dev_process(data, free_port()):
        pass  # its keys
    config = data / "peer.toml"
    config.write_text(
        f'[peer]\nlisten = "127.0.0.1:{free_port()}"\nkey_file = "keys/node.key.json"\n'
        'ledgers = ["wiped"]\n'
    )
    command = [sys.executable, "-m", "jadechain", "peer", "run", "--config", str(config)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 2, refused.stderr
    assert f"no RocksDB store at {data / 'wiped'}" in refused.stderr
    assert "jadechain ledger init found" in refused.stderr
    assert not (data / "wiped").exists()  # so `ledger init found` can found it there next
