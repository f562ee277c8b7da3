"""The event stream: topic events by sequence, events derived from blocks, system events; replay
then live; filters; bad queries; a slow subscriber learns exactly where to resume."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from jadechain.gateway.front import create_front
from jadechain.gateway.harness import Harness, run
from jadechain.gateway.routes_events import event_frames
from jadechain.ledger import model as m
from jadechain.ledger.values import Text
from jadechain.node.events import SystemKind, TopicSource, derived_source, system_source
from jadechain.node.host import LedgerHost, PipelineSettings
from jadechain.testing import LocalChain

Parsed = tuple[str, str, Any]


def parse(event: bytes) -> Parsed:
    lines = dict(line.split(": ", 1) for line in event.decode().strip().split("\n"))
    return lines["event"], lines.get("id", ""), json.loads(lines["data"])


def publish(account: str, topic: str, *contents: str, after: int = m.NEW) -> list[m.Operation]:
    writes = [m.EventWrite(topic, Text(c), after + i) for i, c in enumerate(contents)]
    return [m.PublishEvents(account, writes)]


def event_account(chain: LocalChain) -> str:
    key = chain.key()
    chain.ok([m.RegisterEventAccount(key.public)])
    return key.address


@asynccontextmanager
async def started(chain: LocalChain, queue_max: int = 1024) -> AsyncIterator[LedgerHost]:
    settings = PipelineSettings(subscriber_queue_max=queue_max)
    clock = lambda: chain.ledger.head.time_ms + 500  # noqa: E731
    host = LedgerHost(chain.ledger, chain.node, settings, clock=clock)
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


async def take(stream: AsyncIterator[bytes], count: int) -> list[Parsed]:
    return [parse(await anext(stream)) for _ in range(count)]


def test_topic_replay_then_live_then_resume_when_too_slow() -> None:
    chain = LocalChain()
    account = event_account(chain)
    chain.ok(publish(account, "lots", "a", "b", "c"))
    chain.ok(publish(account, "other", "x"))

    async def scenario() -> None:
        async with started(chain, queue_max=2) as host:
            stream = event_frames(host, TopicSource(account, "lots"), 1)
            try:
                assert [(n, i, d["content"]["value"]) for n, i, d in await take(stream, 2)] == [
                    ("event", "1", "b"), ("event", "2", "c")
                ]  # fmt: skip
                await host.submit([chain.tx(publish(account, "lots", "d", after=2))])
                [live] = await take(stream, 1)
                assert live[:2] == ("event", "3")
                assert live[2]["sequence"] == 3
                for i in range(4):  # nobody reads: the bounded subscription overflows
                    await host.submit([chain.tx(publish(account, "lots", f"e{i}", after=3 + i))])
                assert len(host._subscribers) == 0  # dropped, not buffered
                rest = await take(stream, 1)
                assert rest == [("resume", "", {"from": 4})]  # the next sequence not received
                with pytest.raises(StopAsyncIteration):
                    await anext(stream)
            finally:
                await stream.aclose()  # type: ignore[attr-defined]
            resumed = event_frames(host, TopicSource(account, "lots"), 4)
            try:
                assert [i for _, i, _ in await take(resumed, 4)] == ["4", "5", "6", "7"]
            finally:
                await resumed.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_system_block_and_tx_events_replay_then_live() -> None:
    chain = LocalChain()
    account = event_account(chain)  # block 1
    chain.block(
        [chain.tx(publish(account, "t", "a")), chain.tx(publish(account, "t", "b", after=0))]
    )

    async def scenario() -> None:
        async with started(chain) as host:
            blocks = event_frames(host, system_source(SystemKind.BLOCK), 1)
            txs = event_frames(host, system_source(SystemKind.TX), 2)
            try:
                replayed = await take(blocks, 2)
                assert [(n, i) for n, i, _ in replayed] == [("block", "1"), ("block", "2")]
                assert replayed[1][2]["transaction_count"] == 2
                assert [(n, i) for n, i, _ in await take(txs, 2)] == [("tx", "2/0"), ("tx", "2/1")]
                bad = chain.tx(publish(account, "t", "late"))  # wrong expected sequence
                await host.submit([bad])
                [(name, height, data)] = await take(blocks, 1)
                assert (name, height, data["height"]) == ("block", "3", 3)
                [(name, at, data)] = await take(txs, 1)
                assert (name, at, data["code"]) == ("tx", "3/0", "version_conflict")
            finally:
                await blocks.aclose()  # type: ignore[attr-defined]
                await txs.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_events_derived_from_blocks_by_account_and_topic() -> None:
    chain = LocalChain()
    first, second = event_account(chain), event_account(chain)  # blocks 1, 2
    chain.ok(publish(first, "a/b", "1", "2") + publish(second, "a/b", "3"))  # block 3
    chain.submit(publish(first, "a/b", "conflict"))  # block 4: fails, publishes nothing
    chain.ok(publish(first, "c", "4"))  # block 5
    sources = {
        "all": (derived_source(None, None), 0, 4),  # (source, from height, replayed events)
        "first": (derived_source(first, None), 4, 1),
        "topic": (derived_source(None, "a/b"), 0, 3),
        "second": (derived_source(second, None), 4, 0),
    }

    async def scenario() -> dict[str, list[str]]:
        async with started(chain) as host:
            streams = {k: event_frames(host, s, start) for k, (s, start, _) in sources.items()}
            found = {
                k: [i for _, i, _ in await take(streams[k], n)] for k, (_, _, n) in sources.items()
            }
            await host.submit([chain.tx(publish(first, "a/b", "live", after=1))])  # block 6
            for key in ("all", "first", "topic"):
                found[key] += [i for _, i, _ in await take(streams[key], 1)]
            await host.submit([chain.tx(publish(second, "z", "end"))])  # block 7
            found["second"] += [i for _, i, _ in await take(streams["second"], 1)]
            for stream in streams.values():
                await stream.aclose()  # type: ignore[attr-defined]
            return found

    found = asyncio.run(scenario())
    ab = quote("a/b", safe="")
    live = f"6/{first}/{ab}/2"
    assert found["all"] == [
        f"3/{first}/{ab}/0", f"3/{first}/{ab}/1", f"3/{second}/{ab}/0", f"5/{first}/c/0", live
    ]  # fmt: skip
    assert found["first"] == [f"5/{first}/c/0", live]
    assert found["topic"] == [*found["all"][:3], live]
    assert found["second"] == [f"7/{second}/z/0"]  # block 6 was not for it: skipped


def test_bad_queries_answer_400_or_404_with_a_problem(chain: LocalChain) -> None:
    account = event_account(chain)
    data = chain.data_account()

    async def scenario(api: Harness) -> None:
        bad: list[tuple[dict[str, str], str]] = [
            ({"sytem": "block"}, "unknown query parameter 'sytem'"),
            ({"system": "blocks"}, "system must be block or tx, got 'blocks'"),
            ({"from": "abc"}, "from must be an integer, got 'abc'"),
            ({"from": "-1"}, "from must be at least 0, got -1"),
            ({"from": "9" * 30}, "from is too large"),
            ({"account": "nope"}, "account is not a valid jadechain address"),
            ({"system": "tx", "account": account}, "system events take no account or topic"),
            ({"account": account, "topic": ""}, "topic may not be empty"),
        ]
        for params, message in bad:
            answer = await api.get("/events/stream", **params)
            assert answer.status_code == 400, (params, answer.text)
            assert answer.json()["code"] == "bad_request"
            assert message in answer.json()["message"], (params, answer.text)
        twice = await api.client.get(f"{api.base}/events/stream?from=1&from=2")
        assert twice.status_code == 400
        assert "more than once" in twice.json()["message"]
        for address, message in ((data, "not an event account"), (chain.key().address, "no acc")):
            answer = await api.get("/events/stream", account=address, topic="t")
            assert answer.status_code == 404
            assert message in answer.json()["message"]

    run(chain, scenario)


@asynccontextmanager
async def listening(app: ASGIApp) -> AsyncIterator[str]:
    """`app` served by uvicorn in this loop on 127.0.0.1 (a real socket: SSE is not buffered)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _ids(lines: AsyncIterator[str], count: int) -> list[str]:
    found: list[str] = []
    async for line in lines:
        if line.startswith("id: "):
            found.append(line[4:])
            if len(found) == count:
                break
    return found


def test_http_stream_replay_and_live_directly_and_through_the_front(chain: LocalChain) -> None:
    account = event_account(chain)
    chain.ok(publish(account, "t", "a", "b"))  # sequences 0 and 1
    front_app = create_front(["http://unset"])

    async def scenario(api: Harness) -> None:
        async with listening(api.app) as peer:
            front_app.state.front.peers = [peer]
            async with listening(front_app) as front, httpx.AsyncClient(timeout=30) as client:
                for base, sequence in ((peer, 2), (front, 3)):
                    url = f"{base}{api.base}/events/stream"
                    params = {"account": account, "topic": "t", "from": "1"}
                    async with client.stream("GET", url, params=params) as answer:
                        assert answer.headers["content-type"].startswith("text/event-stream")
                        lines = answer.aiter_lines()
                        replayed = await _ids(lines, sequence - 1)
                        assert replayed == [str(s) for s in range(1, sequence)]
                        tx = chain.tx(publish(account, "t", "new", after=sequence - 1))
                        await api.host.submit([tx])
                        assert await _ids(lines, 1) == [str(sequence)]  # live
                bad = await client.get(f"{front}{api.base}/events/stream", params={"system": "x"})
                assert bad.status_code == 400
                assert bad.json()["code"] == "bad_request"
            await front_app.state.front.close()

    run(chain, scenario)


EMITTER = """from jadechain.contract import Contract, method


class Emitter(Contract):
    @method
    def emit(self, ctx, account: str, topic: str, text: str) -> int:
        return ctx.emit(account, topic, text)
"""


def test_events_a_contract_emits_reach_the_derived_streams() -> None:
    chain = LocalChain()
    account = event_account(chain)
    contract = chain.key()
    chain.ok([m.DeployContract(contract.public, EMITTER)])
    call = m.InvokeContract(contract.address, "emit", [Text(account), Text("t"), Text("x")])
    direct = publish(account, "t", "y", after=0)[0]
    chain.ok([call, direct])  # the contract's event (sequence 0) comes before the direct one

    async def scenario() -> list[Parsed]:
        async with started(chain) as host:
            stream = event_frames(host, derived_source(account, None), 0)
            return await take(stream, 2)

    events = asyncio.run(scenario())
    assert [(d["sequence"], d["content"]["value"]) for _, _, d in events] == [(0, "x"), (1, "y")]
