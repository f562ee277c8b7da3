"""The SDK's event iterators: they reconnect after a closed or broken stream, a `resume` or a
5xx, skip what they already delivered, refuse gaps, and give up after repeated failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

import httpx
import pytest
from starlette.types import Message

from jadechain import codec
from jadechain.api import EventView, Problem, TransactionCommitted
from jadechain.crypto import Algorithm, Digest
from jadechain.gateway.harness import Harness, run
from jadechain.ledger import model as m
from jadechain.ledger.values import Text
from jadechain.node.host import LedgerHost
from jadechain.sdk import AsyncClient, JadechainError
from jadechain.sdk.events import EventStreamError, Reconnect
from jadechain.testing import LocalChain

T = TypeVar("T")
BASE = "http://gateway"
LEDGER = Digest(Algorithm.SHA256, bytes(32))
FAST = Reconnect(failures_max=3, delay_s=0.0)
Answer = bytes | list[bytes | Exception] | tuple[int, Problem]


def event(sequence: int) -> bytes:
    view = EventView("t", sequence, Text(f"e{sequence}"))
    return b"event: event\nid: %d\ndata: " % sequence + codec.to_json(view) + b"\n\n"


def tx_event(height: int, index: int) -> bytes:
    record = TransactionCommitted(LEDGER, height, index, m.TxCode.SUCCESS)
    return b"event: tx\nid: %d/%d\ndata: " % (height, index) + codec.to_json(record) + b"\n\n"


def resume(start: int) -> bytes:
    return b'event: resume\ndata: {"from": %d}\n\n' % start


async def _body(parts: list[bytes | Exception]) -> AsyncIterator[bytes]:
    for part in parts:
        if isinstance(part, Exception):
            raise part
        yield part


class Script:
    """A server that answers each connection with the next scripted answer: a whole stream, a
    stream that breaks (an exception among its parts), or an error status with a Problem."""

    def __init__(self, answers: Iterable[Answer]) -> None:
        self.answers = list(answers)
        self.asked: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(dict(request.url.params))
        answer = self.answers.pop(0) if self.answers else (503, Problem(503, "unavailable", "x"))
        if isinstance(answer, tuple):
            return httpx.Response(answer[0], content=codec.to_json(answer[1]))
        parts: list[bytes | Exception] = [answer] if isinstance(answer, bytes) else answer
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=_body(parts))


def client(script: Script) -> AsyncClient:
    return AsyncClient(BASE, transport=httpx.MockTransport(script))


async def first(iterator: AsyncIterator[T], count: int) -> list[T]:
    found = [await anext(iterator) for _ in range(count)]
    await iterator.aclose()  # type: ignore[attr-defined]
    return found


def test_topic_events_resume_without_duplicates_or_gaps() -> None:
    script = Script(
        [
            event(0) + event(1) + b": keep-alive\n\n" + event(2),  # then the server closes
            event(2) + event(3) + event(4) + resume(5),  # a replay overlapping what was seen
            [event(5), httpx.RemoteProtocolError("peer closed connection")],  # broken mid-way
            (503, Problem(503, "unavailable", "the ledger is unavailable")),
            event(6) + event(7),
        ]
    )

    async def scenario() -> list[EventView]:
        async with client(script) as sdk:
            return await first(sdk.event_stream(LEDGER, "acct", "t", reconnect=FAST), 8)

    views = asyncio.run(scenario())
    assert [v.sequence for v in views] == list(range(8))
    assert [v.content for v in views] == [Text(f"e{i}") for i in range(8)]
    assert [asked["from"] for asked in script.asked] == ["0", "3", "5", "6", "6"]
    assert script.asked[0] == {"account": "acct", "topic": "t", "from": "0"}


def test_tx_events_restart_a_cut_block_and_skip_what_was_delivered() -> None:
    script = Script(
        [
            [tx_event(5, 0), tx_event(5, 1), httpx.ReadError("reset")],  # block 5 cut short
            tx_event(5, 0) + tx_event(5, 1) + tx_event(5, 2) + tx_event(7, 0) + resume(8),
            tx_event(8, 0),
        ]
    )

    async def scenario() -> list[TransactionCommitted]:
        async with client(script) as sdk:
            return await first(sdk.system_events(LEDGER, "tx", 5, reconnect=FAST), 5)

    found = [(t.height, t.index) for t in asyncio.run(scenario())]
    assert found == [(5, 0), (5, 1), (5, 2), (7, 0), (8, 0)]
    assert [asked["from"] for asked in script.asked] == ["5", "5", "8"]
    assert script.asked[0]["system"] == "tx"


def _failing(answers: list[Answer], take: Callable[[AsyncClient], AsyncIterator[Any]]) -> Any:
    script = Script(answers)

    async def scenario() -> None:
        async with client(script) as sdk:
            await first(take(sdk), 10)

    with pytest.raises(JadechainError) as caught:
        asyncio.run(scenario())
    return caught.value, script


def test_gaps_4xx_and_repeated_failures_raise() -> None:
    def topic(sdk: AsyncClient) -> AsyncIterator[Any]:
        return sdk.event_stream(LEDGER, "acct", "t", reconnect=FAST)

    gap, _ = _failing([event(0) + event(2)], topic)
    assert gap.code == "event_gap"
    assert "sequence 2" in gap.message
    missing, script = _failing([(404, Problem(404, "not_found", "no account acct"))], topic)
    assert (missing.status, missing.message, len(script.asked)) == (404, "no account acct", 1)
    gave_up, script = _failing([], topic)  # every connection answers 503
    assert isinstance(gave_up, EventStreamError)
    assert len(script.asked) == FAST.failures_max
    assert "gave up after 3 failed connection(s) in a row" in gave_up.message
    idle, script = _failing([resume(0), b"", [httpx.ConnectError("refused")]], topic)
    assert isinstance(idle, EventStreamError)
    assert "refused" in idle.message
    with pytest.raises(ValueError, match="kind"):
        client(Script([])).system_events(LEDGER, "blocks")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="from_sequence"):
        client(Script([])).event_stream(LEDGER, "acct", "t", -1)


def test_backoff_doubles_up_to_its_ceiling() -> None:
    delays = Reconnect(failures_max=9, delay_s=0.5, delay_max_s=3.0)
    assert [delays.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_against_the_gateway_across_a_host_restart(chain: LocalChain) -> None:
    """The server ends the stream (its host stops: `resume`); the iterator reconnects to the new
    host and goes on from the next sequence."""
    account = chain.key()
    chain.ok([m.RegisterEventAccount(account.public)])

    def publish(sequence: int) -> m.SignedTransaction:
        write = m.EventWrite("t", Text(f"e{sequence}"), sequence - 1)
        return chain.tx([m.PublishEvents(account.address, [write])])

    async def scenario(api: Harness) -> list[EventView]:
        await api.host.submit([publish(0)])
        sdk = AsyncClient(BASE, transport=_StreamingASGI(api))
        stream = sdk.event_stream(chain.ledger.id, account.address, "t")
        seen = [await anext(stream)]
        await api.host.submit([publish(1)])
        seen.append(await anext(stream))
        replacement = LedgerHost(chain.ledger, chain.node, clock=api.host.clock)
        await replacement.start()
        api.app.state.gateway.hosts[api.ledger] = replacement
        await api.host.stop()  # the open stream gets `resume` {"from": 2}, then ends
        try:
            await replacement.submit([publish(2)])
            seen.append(await anext(stream))
            await replacement.submit([publish(3)])
            seen.append(await anext(stream))
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
            await sdk.aclose()
            await replacement.stop()
        return seen

    assert [v.sequence for v in run(chain, scenario)] == [0, 1, 2, 3]


class _StreamingASGI(httpx.AsyncBaseTransport):
    """ASGI without buffering the body (httpx.ASGITransport waits for the whole answer, which an
    endless stream never finishes): the app runs as a task feeding a queue of body parts."""

    def __init__(self, api: Harness) -> None:
        self.app = api.app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts: asyncio.Queue[bytes | None] = asyncio.Queue()
        started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = asyncio.Future()
        gone = asyncio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set_result((message["status"], message.get("headers", [])))
            elif message["type"] == "http.response.body":
                await parts.put(message.get("body", b""))
                if not message.get("more_body", False):
                    await parts.put(None)

        task = asyncio.create_task(self.app(_scope(request), receive, send))
        status, headers = await started

        async def body() -> AsyncIterator[bytes]:
            try:
                while (part := await parts.get()) is not None:
                    yield part
            finally:
                gone.set()
                task.cancel()

        return httpx.Response(status, headers=headers, content=body())


def _scope(request: httpx.Request) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "server": ("gateway", 80),
        "client": ("127.0.0.1", 1),
    }
