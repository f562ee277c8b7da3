"""The block stream: replay from a height, then live blocks; a slow client learns where to go on."""

from __future__ import annotations

import asyncio
import json

from jadechain.gateway.routes_stream import _events
from jadechain.ledger import model as m
from jadechain.ledger.values import Int64
from jadechain.node.host import LedgerHost, PipelineSettings
from jadechain.testing import LocalChain


def _parse(event: bytes) -> tuple[str, int, dict[str, object]]:
    lines = dict(line.split(": ", 1) for line in event.decode().strip().split("\n"))
    return lines["event"], int(lines["id"]), json.loads(lines["data"])


def _write(chain: LocalChain, account: str, key: str) -> m.SignedTransaction:
    return chain.tx([m.SetEntries(account, [m.EntryWrite(key, Int64(1), m.NEW)])])


def test_replay_then_live_then_resume_when_too_slow() -> None:
    chain = LocalChain()
    account = chain.data_account()  # block 1 registers it

    async def scenario() -> None:
        settings = PipelineSettings(subscriber_queue_max=2)
        host = LedgerHost(
            chain.ledger, chain.node, settings, clock=lambda: chain.ledger.head.time_ms + 500
        )
        await host.start()
        stream = _events(host, 1)
        try:
            replayed = [_parse(await anext(stream)) for _ in range(chain.ledger.height)]
            assert [(name, height) for name, height, _ in replayed] == [("block", 1)]
            assert replayed[0][2]["header"]["height"] == 1  # type: ignore[index]
            await host.submit([_write(chain, account, "live")])
            name, height, _ = _parse(await anext(stream))
            assert (name, height) == ("block", 2)
            for i in range(4):  # nobody reads: the bounded subscription overflows
                await host.submit([_write(chain, account, f"k{i}")])
            assert len(host._subscribers) == 0  # dropped, not buffered
            events: list[tuple[str, int, dict[str, object]]] = []
            while not events or events[-1][0] != "resume":
                events.append(_parse(await anext(stream)))
            # The stream first catches up from the store, losing nothing, then says where to go on.
            assert [(n, h) for n, h, _ in events] == [
                ("block", 3), ("block", 4), ("block", 5), ("block", 6), ("resume", 7)
            ]  # fmt: skip
            assert events[-1][2] == {"from": 7}
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
            await host.stop()

    asyncio.run(scenario())
