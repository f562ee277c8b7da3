"""The gateway in-process over a `LocalChain`, for tests: a started `LedgerHost`, the app, and an
httpx client speaking ASGI to it (no socket).

    def test_something(chain: LocalChain) -> None:
        async def scenario(api: Harness) -> None:
            result = await api.submit([m.RegisterDataAccount(chain.key().public)])
            response = await api.get("/blocks/latest")
        run(chain, scenario)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette

from jadechain import codec
from jadechain.api import API_PREFIX, SubmitResult
from jadechain.crypto import KeyPair
from jadechain.gateway.app import create_app
from jadechain.ledger import model as m
from jadechain.node.host import LedgerHost, PipelineSettings
from jadechain.testing import LocalChain

T = TypeVar("T")
CLOCK_LEAD_MS = 500  # the host's clock runs this far after the head (LocalChain's txs: 1000)


class Harness:
    def __init__(
        self, chain: LocalChain, host: LedgerHost, app: Starlette, client: httpx.AsyncClient
    ) -> None:
        self.chain = chain
        self.host = host
        self.app = app
        self.client = client
        self.ledger = chain.ledger.id.to_base58()
        self.base = f"{API_PREFIX}/ledgers/{self.ledger}"

    async def get(self, path: str, **params: Any) -> httpx.Response:
        """GET `path` below this ledger's base, e.g. `/blocks/latest`."""
        return await self.client.get(self.base + path, params=params or None)

    async def post_tx(self, tx: m.SignedTransaction, **params: Any) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/txs", content=codec.to_json(tx), params=params or None
        )

    async def submit(
        self, operations: Sequence[m.Operation], by: Sequence[KeyPair] = ()
    ) -> SubmitResult:
        """Sign with the admin (or `by`), POST, and return the committed result (200 expected)."""
        response = await self.post_tx(self.chain.tx(operations, by))
        assert response.status_code == 200, response.text
        return codec.from_json(response.content, SubmitResult)


@asynccontextmanager
async def serving(
    chain: LocalChain,
    *,
    settings: PipelineSettings | None = None,
    **options: Any,
) -> AsyncIterator[Harness]:
    host = LedgerHost(
        chain.ledger,
        chain.node,
        settings,
        clock=lambda: chain.ledger.head.time_ms + CLOCK_LEAD_MS,
    )
    await host.start()
    try:
        app = create_app([host], **options)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Harness(chain, host, app, client)
    finally:
        await host.stop()


def run(
    chain: LocalChain,
    scenario: Callable[[Harness], Awaitable[T]],
    *,
    settings: PipelineSettings | None = None,
    **options: Any,
) -> T:
    """`scenario(harness)` in a fresh event loop with the host started, and stopped after."""

    async def main() -> T:
        async with serving(chain, settings=settings, **options) as harness:
            return await scenario(harness)

    return asyncio.run(main())
