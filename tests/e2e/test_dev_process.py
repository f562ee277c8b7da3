"""`jadechain dev` as a real process: serve, write, kill -9, restart, lose nothing committed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from jadechain import codec
from jadechain.api import LedgerInfo, SubmitResult, SubmitStatus
from jadechain.crypto import Digest, KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.testing.processes import dev_process, free_port


def ledger_info(base: str) -> LedgerInfo:
    [summary] = httpx.get(f"{base}/api/v1/ledgers").json()
    response = httpx.get(f"{base}/api/v1/ledgers/{summary['id']}")
    return codec.from_json(response.content, LedgerInfo)


def submit(base: str, ledger: Digest, tx: m.SignedTransaction) -> SubmitResult:
    url = f"{base}/api/v1/ledgers/{ledger.to_base58()}/txs"
    response = httpx.post(url, content=codec.to_json(tx), timeout=30)
    return codec.from_json(response.content, SubmitResult)


def test_dev_serves_survives_kill_9_and_keeps_every_committed_transaction(tmp_path: Path) -> None:
    data, port = tmp_path / "dev", free_port()
    base = f"http://127.0.0.1:{port}"
    with dev_process(data, port) as process:
        info = ledger_info(base)
        admin = open_key(load(data / "keys" / "admin.key.json"), None)
        account = KeyPair.generate(admin.algorithm)
        register = sign(
            new_content(info.id, [m.RegisterDataAccount(account.public)], _now()), [admin]
        )
        assert submit(base, info.id, register).status is SubmitStatus.COMMITTED
        committed = []
        for i in range(20):
            op = m.SetEntries(account.address, [m.EntryWrite(f"k{i}", Int64(i), m.NEW)])
            result = submit(base, info.id, sign(new_content(info.id, [op], _now()), [admin]))
            assert result.status is SubmitStatus.COMMITTED
            committed.append(result.tx_hash)
        helpers = _descendants(process.pid)  # the crypto workers and their fork server
        assert len(helpers) >= 3
        os.kill(process.pid, signal.SIGKILL)
        _gone(helpers)  # none outlives the node
    with dev_process(data, port):
        again = ledger_info(base)
        assert again.id == info.id
        assert again.height >= 21  # register at 1, twenty writes at 2..21
        for tx_hash in committed:
            url = f"{base}/api/v1/ledgers/{info.id.to_base58()}/txs/{tx_hash.to_base58()}"
            assert httpx.get(url).status_code == 200
        entry = httpx.get(
            f"{base}/api/v1/ledgers/{info.id.to_base58()}/accounts/{account.address}/entries/k19"
        )
        assert entry.json()["version"] == 0
        # Bad requests get clear 4xx answers and the node keeps serving.
        ledgers = f"{base}/api/v1/ledgers/{info.id.to_base58()}"
        assert httpx.post(f"{ledgers}/txs", content=b"{not json").status_code == 400
        assert httpx.get(f"{base}/api/v1/ledgers/1111/blocks/latest").status_code in (400, 404)
        assert httpx.post(f"{ledgers}/txs", content=b"x" * (17 * 1024 * 1024)).status_code == 413
        content = new_content(info.id, [m.RegisterDataAccount(account.public)], _now())
        forged = m.SignedTransaction(
            content, [m.SignatureEntry(admin.public, admin.sign(b"not this transaction"))]
        )
        bad_signature = httpx.post(f"{ledgers}/txs", content=codec.to_json(forged))
        assert bad_signature.status_code == 400
        assert bad_signature.json()["reason"] == "bad signature"
        wrong_type = codec.to_builtins(forged)
        wrong_type["content"]["time_ms"] = "yesterday"
        typed = httpx.post(f"{ledgers}/txs", content=codec.to_json(wrong_type))
        assert typed.status_code == 400
        assert "$.content.time_ms" in typed.json()["message"]
        assert httpx.get(f"{ledgers}/blocks/latest").status_code == 200


def _now() -> int:
    return time.time_ns() // 1_000_000


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= {int(child)} | _descendants(int(child))
    return found


def _gone(pids: set[int], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while alive := {pid for pid in pids if _alive(pid)}:
        assert time.monotonic() < deadline, f"still running after the node died: {alive}"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; its parent has not reaped it yet
