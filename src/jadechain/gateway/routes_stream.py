"""`GET /api/v1/ledgers/{ledger}/blocks/stream?from=H`: committed blocks as server-sent events.

The stream first replays the stored blocks from height H, then follows new blocks as they are
committed. Each block is one event `block` whose data is the `BlockView` JSON and whose `id` is its
height, so a client (or the SDK) resumes after a disconnect by asking `from` = last id + 1. The
subscription is bounded (`PipelineSettings.subscriber_queue_max`): a client too slow to keep up gets
a final event `resume` naming the height to ask for next, instead of the server buffering for it.
Replays are sent in pages of `REPLAY_PAGE_BLOCKS`, read on the ledger's thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from jadechain import codec
from jadechain.api import API_PREFIX, BlockView
from jadechain.gateway.context import Call
from jadechain.gateway.params import FROM_HEIGHT, LEDGER
from jadechain.gateway.routes_ledger import block_view
from jadechain.gateway.routing import Endpoint
from jadechain.ledger.store import Ledger
from jadechain.node.host import LedgerHost

REPLAY_PAGE_BLOCKS = 100
KEEPALIVE_S = 15.0  # a comment line keeps proxies from closing an idle stream


def _event(name: str, event_id: int, data: bytes) -> bytes:
    return b"event: " + name.encode() + b"\nid: %d\ndata: " % event_id + data + b"\n\n"


def _views(ledger: Ledger, first: int) -> list[BlockView]:
    views = []
    for height in range(first, min(ledger.height, first + REPLAY_PAGE_BLOCKS - 1) + 1):
        block = ledger.block(height)
        assert block is not None, f"block {height} missing below the head"
        views.append(block_view(ledger, block))
    return views


async def _events(host: LedgerHost, first: int) -> AsyncIterator[bytes]:
    queue = host.subscribe()  # before replaying, so no block falls between replay and live
    try:
        next_height = first
        while True:
            page = await host.read(functools.partial(_views, first=next_height))
            if not page:
                break
            for view in page:
                yield _event("block", view.header.height, codec.to_json(view))
            next_height = page[-1].header.height + 1
        while True:
            try:
                block = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if block is None:  # too slow, or the node is stopping: tell the client where to resume
                yield _event("resume", next_height, b'{"from": %d}' % next_height)
                return
            if block.header.height < next_height:
                continue  # already sent by the replay
            yield _event(
                "block", block.header.height, codec.to_json(block_view(host.ledger, block))
            )
            next_height = block.header.height + 1
    finally:
        host.unsubscribe(queue)


async def stream_blocks(call: Call) -> StreamingResponse:
    host = call.host()
    first = FROM_HEIGHT.integer(call.request) or 0
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(host, first), media_type="text/event-stream", headers=headers)


ENDPOINTS = [
    Endpoint(
        "GET",
        API_PREFIX + "/ledgers/{ledger}/blocks/stream",
        stream_blocks,
        "Committed blocks as server-sent events, from a height, then live",
        params=(LEDGER, FROM_HEIGHT),
        errors=(400, 404),
        media_type="text/event-stream",
    ),
]
