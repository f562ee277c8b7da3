"""`jadechain gateway run`: a stateless front for applications, in front of one or more peers.

Each peer serves the full REST API on its private address (`jadechain peer run`); the front is the
only door applications see. It forwards every request to a peer and streams the answer back, and
for transaction submissions it first checks the body (size limit, decoding into transactions:
clear 4xx before any peer is bothered) and, with a key, endorses each transaction with a node
signature. Peers are tried in turn starting from a rotating one; an unreachable peer passes the
request to the next; when none answers, 503. It holds no state, so any number can front a network.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Sequence

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from jadechain import codec
from jadechain.api import MSGPACK
from jadechain.crypto import KeyPair
from jadechain.gateway.errors import ApiError
from jadechain.gateway.negotiation import decode_body, read_body, render_error, request_format
from jadechain.gateway.routes_tx import endorse
from jadechain.ledger import model as m

log = logging.getLogger(__name__)

# Answer headers that describe the peer's connection rather than the body.
HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
FORWARDED_REQUEST_HEADERS = ("accept", "content-type")
SUBMIT_SUFFIXES = ("/txs", "/txs/batch")


class Front:
    def __init__(
        self,
        peers: Sequence[str],
        node_key: KeyPair | None,
        body_bytes_max: int,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.peers = [peer.rstrip("/") for peer in peers]
        self.node_key = node_key
        self.body_bytes_max = body_bytes_max
        self._next = itertools.cycle(range(len(self.peers)))
        self.client = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def handle(self, request: Request) -> Response:
        try:
            body = await read_body(request, self.body_bytes_max)
            headers = {
                h: request.headers[h] for h in FORWARDED_REQUEST_HEADERS if h in request.headers
            }
            if request.method == "POST" and request.url.path.endswith(SUBMIT_SUFFIXES):
                body, headers = self._endorsed(request, body, headers)
            return await self._forward(request, body, headers)
        except ApiError as error:
            return render_error(request, error)

    def _endorsed(
        self, request: Request, body: bytes, headers: dict[str, str]
    ) -> tuple[bytes, dict[str, str]]:
        """Decode the submission (a clear 400 if it is not one) and add the node signature."""
        fmt = request_format(request)
        if request.url.path.endswith("/batch"):
            batch = decode_body(body, fmt, list[m.SignedTransaction])
            endorsed: object = endorse(self.node_key, batch) if self.node_key else batch
        else:
            single = decode_body(body, fmt, m.SignedTransaction)
            endorsed = endorse(self.node_key, [single])[0] if self.node_key else single
        return codec.encode(endorsed), {**headers, "content-type": MSGPACK}

    async def _forward(self, request: Request, body: bytes, headers: dict[str, str]) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        start = next(self._next)
        for offset in range(len(self.peers)):
            peer = self.peers[(start + offset) % len(self.peers)]
            outgoing = self.client.build_request(
                request.method, peer + target, content=body, headers=headers
            )
            try:
                answer = await self.client.send(outgoing, stream=True)
            except httpx.TransportError as error:
                log.warning("peer %s unreachable: %s", peer, error)
                continue
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
            if answer.headers.get("content-type", "").startswith("text/event-stream"):
                # A stream (blocks/stream) is passed on as it arrives, for as long as it lasts.
                return StreamingResponse(_relay(answer), answer.status_code, kept)
            try:
                content = await answer.aread()
            finally:
                await answer.aclose()
            return Response(content, answer.status_code, kept)
        raise ApiError(503, f"no peer answered (tried {len(self.peers)})", "unavailable")

    async def close(self) -> None:
        await self.client.aclose()


async def _relay(answer: httpx.Response) -> AsyncIterator[bytes]:
    """The peer's stream, closed as soon as the client goes away (cancellation lands here)."""
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    finally:
        await answer.aclose()


def create_front(
    peers: Sequence[str],
    *,
    node_key: KeyPair | None = None,
    body_bytes_max: int = 16 * 1024 * 1024,
    timeout_s: float = 60.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    front = Front(peers, node_key, body_bytes_max, timeout_s, transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await front.close()

    routes = [Route("/{path:path}", front.handle, methods=["GET", "POST", "HEAD"])]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.front = front
    return app
