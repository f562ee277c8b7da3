"""Sending batches to a started system and watching its commits, in one asyncio loop.

`HttpDriver` POSTs each pre-encoded batch (`/txs/batch?wait=false`, MessagePack) to the system's
API bases round-robin and follows one peer's `/blocks/stream` (server-sent events): a transaction's
commit time is when the event of its block arrives. `LocalDriver` calls a `LedgerHost` in-process
and takes commits from its subscription queue.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Protocol

import httpx
import msgspec

from jadechain import codec
from jadechain.api import MSGPACK, SubmitResult, SubmitStatus
from jadechain.bench.presign import PreparedBatch
from jadechain.bench.targets import System
from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger

OnBlock = Callable[[float, int, list[str]], None]  # (arrival time, height, tx keys)
HTTP_TIMEOUT_S = 120.0


class SetupError(Exception):
    """A setup transaction did not commit successfully."""


class Driver(Protocol):
    def keys(self, batch: PreparedBatch) -> list[str]: ...

    async def start(self) -> None: ...

    async def setup(self, transactions: list[m.SignedTransaction]) -> None: ...

    async def submit(self, batch: PreparedBatch) -> list[str]:
        """Send a batch without waiting for commits; the keys of the transactions rejected."""
        ...

    async def watch(self, on_block: OnBlock) -> None:
        """Call `on_block` for each block committed from now on, until cancelled."""
        ...

    async def codes(self, heights: list[int]) -> dict[str, str]:
        """The result code of every transaction in the blocks at `heights`, by key."""
        ...

    async def close(self) -> None: ...


class _Status(msgspec.Struct):
    tx_hash: str
    status: str
    reason: str = ""


class _Header(msgspec.Struct):
    height: int


class _Block(msgspec.Struct):
    header: _Header
    transaction_hashes: list[str]


class _Result(msgspec.Struct):
    code: str


class _TxView(msgspec.Struct):
    hash: str
    result: _Result


_statuses = msgspec.json.Decoder(list[_Status])
_block = msgspec.json.Decoder(_Block)
_tx_views = msgspec.json.Decoder(list[_TxView])


class HttpDriver:
    def __init__(self, system: System, clients: int) -> None:
        self.system = system
        self.ledger = system.ledger_id.to_base58()
        limits = httpx.Limits(max_connections=clients * len(system.submit_urls) + 4)
        self.http = httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, limits=limits)
        self._urls = itertools.cycle(system.submit_urls)
        self._from = 0

    def keys(self, batch: PreparedBatch) -> list[str]:
        return batch.hashes

    async def start(self) -> None:
        return None

    async def setup(self, transactions: list[m.SignedTransaction]) -> None:
        base = self.system.submit_urls[0]
        for tx in transactions:
            response = await self.http.post(
                f"{base}/ledgers/{self.ledger}/txs",
                content=codec.encode(tx),
                headers={"content-type": MSGPACK, "accept": MSGPACK},
            )
            result = codec.decode(response.content, SubmitResult)
            if result.status is not SubmitStatus.COMMITTED or result.result is None:
                raise SetupError(f"setup transaction {result.status}: {result.reason}")
            if result.result.code is not m.TxCode.SUCCESS:
                raise SetupError(f"setup transaction failed: {result.result.code}")
        latest = await self.http.get(
            f"{self.system.stream_url}/ledgers/{self.ledger}/blocks/latest"
        )
        self._from = int(latest.json()["header"]["height"]) + 1

    async def submit(self, batch: PreparedBatch) -> list[str]:
        response = await self.http.post(
            f"{next(self._urls)}/ledgers/{self.ledger}/txs/batch",
            params={"wait": "false"},
            content=batch.body,
            headers={"content-type": MSGPACK, "accept": "application/json"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"batch refused: {response.status_code} {response.text[:300]}")
        return [s.tx_hash for s in _statuses.decode(response.content) if s.status == "rejected"]

    async def watch(self, on_block: OnBlock) -> None:
        following = self._from
        while True:
            url = f"{self.system.stream_url}/ledgers/{self.ledger}/blocks/stream"
            params = {"from": str(following)}
            async with self.http.stream("GET", url, params=params, timeout=None) as response:
                async for line in response.aiter_lines():
                    if line.startswith('data: {"from"'):
                        break  # a `resume` event: too slow, reconnect from `following`
                    if not line.startswith("data: "):
                        continue
                    block = _block.decode(line[6:])
                    on_block(time.perf_counter(), block.header.height, block.transaction_hashes)
                    following = block.header.height + 1

    async def codes(self, heights: list[int]) -> dict[str, str]:
        base = f"{self.system.stream_url}/ledgers/{self.ledger}/blocks"
        found: dict[str, str] = {}
        for height in heights:
            response = await self.http.get(f"{base}/{height}/txs")
            response.raise_for_status()
            found.update((v.hash, v.result.code) for v in _tx_views.decode(response.content))
        return found

    async def close(self) -> None:
        await self.http.aclose()


class LocalDriver:
    def __init__(self, system: System) -> None:
        from jadechain.node.host import LedgerHost

        assert system.ledger is not None
        assert system.node_key is not None
        self.host = LedgerHost(system.ledger, system.node_key)
        self._queue: asyncio.Queue[m.Block | None] | None = None

    def keys(self, batch: PreparedBatch) -> list[str]:
        assert batch.raw_keys is not None, "the in-process target needs decoded batches"
        return batch.raw_keys

    async def start(self) -> None:
        await self.host.start()

    async def setup(self, transactions: list[m.SignedTransaction]) -> None:
        for tx in transactions:
            [result] = await self.host.submit([tx], wait=True)
            if result.result is None or result.result.code is not m.TxCode.SUCCESS:
                raise SetupError(f"setup transaction {result.status}: {result.reason}")
        self._queue = self.host.subscribe()

    async def submit(self, batch: PreparedBatch) -> list[str]:
        assert batch.transactions is not None, "the in-process target needs decoded batches"
        results = await self.host.submit(batch.transactions, wait=False)
        return [r.tx_hash.raw.hex() for r in results if r.status is SubmitStatus.REJECTED]

    async def watch(self, on_block: OnBlock) -> None:
        assert self._queue is not None
        while True:
            block = await self._queue.get()
            if block is None:
                raise RuntimeError("the ledger host ended the subscription (client too slow)")
            keys = [r.tx_hash.raw.hex() for r in block.results]
            on_block(time.perf_counter(), block.header.height, keys)

    async def codes(self, heights: list[int]) -> dict[str, str]:
        def read(ledger: Ledger) -> dict[str, str]:
            found: dict[str, str] = {}
            for height in heights:
                block = ledger.block(height)
                assert block is not None, f"block {height} missing"
                found.update((r.tx_hash.raw.hex(), r.code.value) for r in block.results)
            return found

        return await self.host.read(read)

    async def close(self) -> None:
        await self.host.stop()


def driver_for(system: System, clients: int) -> Driver:
    return LocalDriver(system) if system.target == "ledger" else HttpDriver(system, clients)
