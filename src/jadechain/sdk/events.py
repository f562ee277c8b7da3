"""Following a gateway's event streams (`GET .../events/stream`) across disconnects.

`AsyncClient.event_stream` and `AsyncClient.system_events` return the async iterators built here.
Each keeps a cursor -- the next sequence (topic events) or height and index (system events) it
has not delivered -- and, when the server ends the stream (a `resume` event, a closed or broken
connection, a 5xx answer), connects again from that cursor, dropping anything it already
delivered. The caller therefore sees every event exactly once, in order; a gap (which a correct
server never sends) raises `JadechainError` with code "event_gap" rather than pass unnoticed.

Reconnection waits `Reconnect.delay_s`, doubling up to `delay_max_s`, after each connection that
delivered nothing (no event and no keep-alive); after `failures_max` such connections in a row it
raises `EventStreamError`. A 4xx answer (bad query, unknown ledger or account) raises at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import httpx

from jadechain import api, codec
from jadechain.sdk import calls
from jadechain.sdk.errors import JadechainError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class EventStreamError(JadechainError):
    """The stream could not be (re)connected `failures_max` times in a row."""

    def __init__(self, url: str, failures: int, reason: str) -> None:
        message = f"{url}: gave up after {failures} failed connection(s) in a row: {reason}"
        super().__init__(0, "stream_failed", message)


@dataclass(frozen=True)
class Reconnect:
    failures_max: int = 10  # connections in a row that delivered nothing, before giving up
    delay_s: float = 0.1  # the wait after the first of them; doubled after each next one
    delay_max_s: float = 5.0

    def delay(self, failures: int) -> float:
        return float(min(self.delay_max_s, self.delay_s * 2 ** max(0, failures - 1)))


RECONNECT = Reconnect()


@dataclass(frozen=True, slots=True)
class Frame:
    """One server-sent event (`name` "" for a comment such as a keep-alive)."""

    name: str
    id: str = ""
    data: str = ""


async def frames(response: httpx.Response) -> AsyncIterator[Frame]:
    """The server-sent events of a response, comments included (as nameless frames)."""
    fields: dict[str, list[str]] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield Frame("")
        elif line:
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))
        elif fields:
            data = "\n".join(fields.get("data", []))
            yield Frame(fields.get("event", ["message"])[-1], fields.get("id", [""])[-1], data)
            fields = {}


class Cursor(Protocol[T_co]):
    def start(self) -> int: ...  # the `from` of the next connection

    def accept(self, frame: Frame) -> T_co | None: ...  # None: already delivered

    def resume(self, start: int) -> None: ...


class TopicCursor:
    """Events of one topic: the next sequence not delivered."""

    def __init__(self, first: int) -> None:
        self.next = first

    def start(self) -> int:
        return self.next

    def accept(self, frame: Frame) -> api.EventView | None:
        view = _decode(frame, "event", api.EventView)
        if view.sequence < self.next:
            return None
        if view.sequence > self.next:
            raise _gap(f"sequence {view.sequence} arrived while {self.next} was expected")
        self.next += 1
        return view

    def resume(self, start: int) -> None:
        pass  # the cursor already says where to go on; the server's point is the same


class BlockCursor:
    """System `block` events: the next height not delivered."""

    def __init__(self, first: int) -> None:
        self.next = first

    def start(self) -> int:
        return self.next

    def accept(self, frame: Frame) -> api.BlockCommitted | None:
        block = _decode(frame, "block", api.BlockCommitted)
        if block.height < self.next:
            return None
        if block.height > self.next:
            raise _gap(f"block {block.height} arrived while {self.next} was expected")
        self.next += 1
        return block

    def resume(self, start: int) -> None:
        pass


class TxCursor:
    """System `tx` events: the last (height, index) delivered. After a broken connection the
    next one starts at that height again (the block may have been cut short) and skips what was
    delivered; after a `resume` it starts where the server said (blocks end there)."""

    def __init__(self, first: int) -> None:
        self.last = (first - 1, 2**63)
        self.next = first

    def start(self) -> int:
        return self.next

    def accept(self, frame: Frame) -> api.TransactionCommitted | None:
        tx = _decode(frame, "tx", api.TransactionCommitted)
        at = (tx.height, tx.index)
        if at <= self.last:
            return None
        follows = tx.index == self.last[1] + 1 if tx.height == self.last[0] else tx.index == 0
        if not follows:
            raise _gap(f"transaction {at} arrived after {self.last}")
        self.last, self.next = at, tx.height
        return tx

    def resume(self, start: int) -> None:
        self.next = max(self.next, start)


def _decode(frame: Frame, expected: str, type_: type[T]) -> T:
    if frame.name != expected:
        raise JadechainError(0, "bad_response", f"unexpected event {frame.name!r} in the stream")
    try:
        return codec.from_json(frame.data, type_)
    except codec.CodecError as error:
        raise JadechainError(0, "bad_response", f"event {frame.id}: {error}") from None


def _gap(message: str) -> JadechainError:
    return JadechainError(0, "event_gap", message)


class _RetryableError(Exception):
    """This connection failed in a way worth retrying."""


@dataclass
class Follower(Generic[T]):
    http: httpx.AsyncClient
    url: str
    params: Mapping[str, str]
    cursor: Cursor[T]
    reconnect: Reconnect

    async def __aiter__(self) -> AsyncIterator[T]:
        failures = 0
        while True:
            progress = False
            reason = "the server ended the stream"
            try:
                async for item in self._connection():
                    if item is not None:
                        yield item
                    progress = True
            except (httpx.TransportError, _RetryableError) as error:
                reason = str(error) or type(error).__name__
            failures = 0 if progress else failures + 1
            if failures >= self.reconnect.failures_max:
                raise EventStreamError(self.url, failures, reason)
            if failures:
                await asyncio.sleep(self.reconnect.delay(failures))

    async def _connection(self) -> AsyncIterator[T | None]:
        """One connection's new items; None for a frame that only shows the stream is alive."""
        params = {**self.params, "from": str(self.cursor.start())}
        headers = {"Accept": "text/event-stream"}
        async with self.http.stream("GET", self.url, params=params, headers=headers) as response:
            if response.status_code != 200:
                error = _failure(response.status_code, await response.aread())
                if response.status_code in RETRIED_STATUSES:
                    raise _RetryableError(str(error))
                raise error
            async for frame in frames(response):
                if frame.name == "resume":
                    self.cursor.resume(_resume_point(frame))
                    return
                yield None if frame.name == "" else self.cursor.accept(frame)


def _failure(status: int, body: bytes) -> JadechainError:
    try:
        problem = codec.from_json(body, api.Problem)
        return JadechainError(status, problem.code, problem.message)
    except codec.CodecError:
        return JadechainError(status, "http_error", f"HTTP status {status}")


def _resume_point(frame: Frame) -> int:
    try:
        start = json.loads(frame.data)["from"]
    except (ValueError, KeyError, TypeError):
        start = None
    if not isinstance(start, int) or isinstance(start, bool):
        raise JadechainError(0, "bad_response", f"resume event without a point: {frame.data!r}")
    return start


def topic_events(
    http: httpx.AsyncClient,
    base_url: str,
    ledger: calls.LedgerRef,
    account: str,
    topic: str,
    from_sequence: int,
    reconnect: Reconnect,
) -> AsyncIterator[api.EventView]:
    for value, what in ((account, "account"), (topic, "topic")):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{what} must be non-empty text")
    first = int(calls._count(from_sequence, "from_sequence"))
    url = f"{base_url}{calls._ledger(ledger)}/events/stream"
    params = {"account": account, "topic": topic}
    return aiter(Follower(http, url, params, TopicCursor(first), reconnect))


def system_events(
    http: httpx.AsyncClient,
    base_url: str,
    ledger: calls.LedgerRef,
    kind: str,
    from_height: int,
    reconnect: Reconnect,
) -> AsyncIterator[api.BlockCommitted] | AsyncIterator[api.TransactionCommitted]:
    first = int(calls._count(from_height, "from_height"))
    url = f"{base_url}{calls._ledger(ledger)}/events/stream"
    if kind == "block":
        return aiter(Follower(http, url, {"system": kind}, BlockCursor(first), reconnect))
    if kind == "tx":
        return aiter(Follower(http, url, {"system": kind}, TxCursor(first), reconnect))
    raise ValueError(f"kind must be 'block' or 'tx', got {kind!r}")
