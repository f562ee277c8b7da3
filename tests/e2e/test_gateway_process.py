"""The gateway in a real `jadechain dev` process on 127.0.0.1: write, read back, survive garbage,
and stop cleanly on SIGTERM."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from jadechain import codec
from jadechain.api import EntryView, LedgerSummary, SubmitResult, SubmitStatus, TransactionView
from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Text
from jadechain.testing.processes import dev_process, free_port


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_gateway_serves_writes_reads_and_survives_bad_requests(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with dev_process(tmp_path, port) as process:
        [summary] = codec.from_json(
            httpx.get(f"{base}/api/v1/ledgers").content, list[LedgerSummary]
        )
        ledger = f"{base}/api/v1/ledgers/{summary.id.to_base58()}"
        admin = open_key(load(tmp_path / "keys" / "admin.key.json"), None)
        account = KeyPair.generate(admin.algorithm)

        def submit(operation: m.Operation) -> SubmitResult:
            tx = sign(new_content(summary.id, [operation], now_ms()), [admin])
            response = httpx.post(f"{ledger}/txs", content=codec.to_json(tx), timeout=30)
            assert response.status_code == 200, response.text
            return codec.from_json(response.content, SubmitResult)

        assert submit(m.RegisterDataAccount(account.public)).status is SubmitStatus.COMMITTED
        write = m.SetEntries(account.address, [m.EntryWrite("lot/7", Text("harvested"), m.NEW)])
        written = submit(write)
        assert written.status is SubmitStatus.COMMITTED

        entry = httpx.get(f"{ledger}/accounts/{account.address}/entries/lot%2F7")
        assert codec.from_json(entry.content, EntryView) == EntryView("lot/7", 0, Text("harvested"))
        view = httpx.get(f"{ledger}/txs/{written.tx_hash.to_base58()}")
        found = codec.from_json(view.content, TransactionView)
        assert found.result == written.result
        assert [s.public_key for s in found.transaction.node_signatures] != []  # endorsed

        malformed = httpx.post(f"{ledger}/txs", content=b"{not json")
        assert malformed.status_code == 400
        assert malformed.json()["code"] == "bad_request"
        oversize = httpx.post(f"{ledger}/txs", content=b"x" * (17 * 1024 * 1024), timeout=30)
        assert oversize.status_code == 413
        assert httpx.get(f"{base}/nope").status_code == 404
        assert httpx.get(f"{ledger}/blocks/latest").json()["header"]["height"] == 2
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
    assert process.returncode is not None
    assert "Traceback" not in process.stderr, process.stderr
    assert "jadechain dev: stopped" in process.stderr  # SIGTERM ran the clean shutdown
