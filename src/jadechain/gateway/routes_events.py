"""`GET /api/v1/ledgers/{ledger}/events/stream`: user and system events as server-sent events.

Which stream, by its query:
- `account=A&topic=T&from=S`: the events of one topic from sequence S (default 0), read from the
  store; event `event`, data `EventView`, id = the sequence.
- `[account=A][&topic=T][&from=H]` (not both): the events that `PublishEvents` operations of
  successful transactions published, from block height H, in block order; id =
  "height/account/topic/sequence" (the topic percent-encoded).
- `system=block&from=H`: event `block`, data `BlockCommitted`, id = the height.
- `system=tx&from=H`: event `tx`, data `TransactionCommitted`, id = "height/index".

Each stream replays from the store in pages (on the ledger's thread), then follows the host's
bounded subscription of committed blocks. A client too slow for its queue (or a node stopping)
gets a final `resume` event, data `{"from": N}`: the same query with `from=N` continues exactly
after the last event it received (N is a sequence for a topic stream, else a height).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse

from jadechain import codec
from jadechain.api import API_PREFIX
from jadechain.gateway.context import Call
from jadechain.gateway.errors import bad_request, not_found, shorten
from jadechain.gateway.params import LEDGER, Param
from jadechain.gateway.routing import Endpoint
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.store import Ledger
from jadechain.ledger.values import INT64_MAX
from jadechain.node.events import (
    Item,
    Source,
    SystemKind,
    TopicSource,
    derived_source,
    system_source,
)
from jadechain.node.host import LedgerHost, NodeUnavailableError

KEEPALIVE_S = 15.0  # a comment line keeps proxies from closing an idle stream
KEEPALIVE = b": keep-alive\n\n"
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}

ACCOUNT_Q = Param("account", "query", "Only events of this event account (Base58Check)")
TOPIC_Q = Param("topic", "query", "Only events of this topic")
SYSTEM_Q = Param("system", "query", "System events instead of user events: `block` or `tx`")
FROM_Q = Param(
    "from",
    "query",
    "First sequence sent (with account and topic), else first block height",
    kind="integer",
    minimum=0,
    maximum=INT64_MAX,
    default=0,
)
QUERY = (ACCOUNT_Q, TOPIC_Q, SYSTEM_Q, FROM_Q)


def _frame(item: Item) -> bytes:
    head = f"event: {item.name}\nid: {item.id}\ndata: ".encode()
    return head + codec.to_json(item.record) + b"\n\n"


def _resume(position: int) -> bytes:
    return b'event: resume\ndata: {"from": %d}\n\n' % position


async def _next_block(queue: asyncio.Queue[m.Block | None]) -> m.Block | bytes | None:
    """The next committed block, None when the subscription ended, or a keep-alive line."""
    try:
        return await asyncio.wait_for(queue.get(), KEEPALIVE_S)
    except TimeoutError:
        return KEEPALIVE


async def event_frames(host: LedgerHost, source: Source, position: int) -> AsyncIterator[bytes]:
    """The stream's bytes: replay from `position`, then live, then `resume` if it ends."""
    queue = host.subscribe()  # before reading, so no block falls between the store and live
    try:
        read_store = True
        while True:
            if read_store:
                page = await host.read(functools.partial(source.page, position=position))
                position = page.position
                for item in page.items:
                    yield _frame(item)
                if page.more:
                    continue
            got = await _next_block(queue)
            if isinstance(got, bytes):
                read_store = False
                yield got
                continue
            if got is None:  # too slow, or the node is stopping
                break
            live = source.live(host.ledger, got, position)
            read_store = live is None
            if live is not None:
                position = live.position
                for item in live.items:
                    yield _frame(item)
    except NodeUnavailableError:
        pass  # stopped while reading: the client resumes elsewhere or later
    finally:
        host.unsubscribe(queue)
    yield _resume(position)


def _check_query(request: Request) -> None:
    names = {param.name for param in QUERY}
    for name in request.query_params:
        if name not in names:
            expected = ", ".join(sorted(names))
            raise bad_request(f"unknown query parameter {shorten(name)!r}: expected {expected}")
        if len(request.query_params.getlist(name)) > 1:
            raise bad_request(f"{name} is given more than once")


def _system(request: Request) -> SystemKind | None:
    given = SYSTEM_Q.text(request)
    if given is None:
        return None
    try:
        kind = SystemKind(given)
    except ValueError:
        allowed = " or ".join(kind.value for kind in SystemKind)
        raise bad_request(f"system must be {allowed}, got {shorten(given)!r}") from None
    if ACCOUNT_Q.raw(request) is not None or TOPIC_Q.raw(request) is not None:
        raise bad_request("system events take no account or topic")
    return kind


async def _check_account(call: Call, host: LedgerHost, address: str) -> None:
    def read(ledger: Ledger) -> None:
        record = queries.account(ledger, address)
        if record is None:
            raise not_found(f"no account {address} on this ledger")
        if record.kind is not m.AccountKind.EVENT:
            raise not_found(f"account {address} is not an event account")

    await call.read(host, read)


async def _source(call: Call, host: LedgerHost) -> Source:
    kind = _system(call.request)
    if kind is not None:
        return system_source(kind)
    account = ACCOUNT_Q.address(call.request) if ACCOUNT_Q.raw(call.request) else None
    topic = TOPIC_Q.text(call.request)
    if topic == "":
        raise bad_request("topic may not be empty")
    if account is not None:
        await _check_account(call, host, account)
    if account is not None and topic is not None:
        return TopicSource(account, topic)
    return derived_source(account, topic)


async def stream_events(call: Call) -> StreamingResponse:
    host = call.host()
    _check_query(call.request)
    source = await _source(call, host)
    first = FROM_Q.required_integer(call.request)
    frames = event_frames(host, source, first)
    return StreamingResponse(frames, media_type="text/event-stream", headers=HEADERS)


ENDPOINTS = [
    Endpoint(
        "GET",
        API_PREFIX + "/ledgers/{ledger}/events/stream",
        stream_events,
        "User events (of a topic, an account or all) or system events (block, tx) as "
        "server-sent events, from a sequence or height, then live",
        params=(LEDGER, *QUERY),
        errors=(400, 404, 503),
        media_type="text/event-stream",
    ),
]
