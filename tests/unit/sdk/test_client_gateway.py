"""The SDK against the real gateway in-process: AsyncClient over ASGI, Client over a bridge."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from jadechain import api
from jadechain.crypto import KeyPair
from jadechain.gateway.harness import CLOCK_LEAD_MS, Harness, run
from jadechain.ledger import model as m
from jadechain.ledger.values import Bool, Int64, Json, Text
from jadechain.sdk import (
    NEW,
    AsyncClient,
    Client,
    JadechainError,
    TxBuilder,
    verify_entry,
    verify_header,
    verify_transaction,
)
from jadechain.testing import LocalChain

BASE = "http://gateway"


def harness_clock(chain: LocalChain) -> int:
    """A transaction time inside the window of the harness host's next block."""
    return chain.ledger.head.time_ms + CLOCK_LEAD_MS


class BridgeTransport(httpx.BaseTransport):
    """A blocking transport (for `Client` on a worker thread) that runs each request through the
    ASGI app on the harness's event loop."""

    def __init__(self, transport: httpx.ASGITransport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport, self.loop = transport, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self.transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(timeout=30)


def test_async_client_against_the_gateway(chain: LocalChain) -> None:
    async def scenario(harness: Harness) -> None:
        transport = httpx.ASGITransport(app=harness.app)
        for binary in (False, True):
            async with AsyncClient(BASE, binary=binary, transport=transport) as client:
                await _async_scenario(chain, client, binary)

    run(chain, scenario)


async def _async_scenario(chain: LocalChain, client: AsyncClient, binary: bool) -> None:
    lid, admin, trusted = chain.ledger.id, chain.admin, [chain.node.public]

    def builder() -> TxBuilder:
        return TxBuilder(lid, clock=lambda: harness_clock(chain))

    assert (await client.health()).status == "ok"
    assert [s.id for s in await client.ledgers()] == [lid]
    info = await client.ledger(lid.to_base58())
    assert [p.public_key for p in info.participants] == trusted

    data, events = chain.key(), chain.key()
    setup = builder().register_data_account(data).register_event_account(events).sign(admin)
    result = await client.submit(lid, setup)
    assert result.status is api.SubmitStatus.COMMITTED
    assert result.result is not None
    assert result.result.code is m.TxCode.SUCCESS, result.result.message

    writes = (
        builder()
        .set_entry(data, "lot-7", "harvested")
        .set_entry(data, "a/b ?#%", {"kg": 12})
        .set_entry(data, "..", 7)
        .publish_event(events, "lots/x", "first", NEW)
        .publish_event(events, "lots/x", 2, 0)
    )
    later = builder().set_entry(data, "lot-7", "shipped", expected_version=0)
    [first, second] = await client.submit_batch(lid, [writes.sign(admin), later.sign(admin)])
    assert first.status is second.status is api.SubmitStatus.COMMITTED
    assert second.result is not None
    assert second.result.code is m.TxCode.SUCCESS, second.result.message

    entry = await client.entry(lid, data.address, "lot-7")
    assert entry == api.EntryView("lot-7", 1, Text("shipped"))
    old = await client.entry(lid, data.address, "lot-7", version=0)
    assert old is not None
    assert old.value == Text("harvested")
    assert await client.entry(lid, data.address, "a/b ?#%") == api.EntryView(
        "a/b ?#%", 0, Json('{"kg":12}')
    )
    assert await client.entry(lid, data.address, "..") == api.EntryView("..", 0, Int64(7))
    assert await client.entry(lid, data.address, "never") is None
    keys = [e.key for e in await client.entries(lid, data.address, prefix="lot")]
    assert keys == ["lot-7"]
    history = await client.history(lid, data.address, "lot-7")
    assert [(e.version, e.value) for e in history] == [(0, Text("harvested")), (1, Text("shipped"))]
    published = await client.events(lid, events.address, "lots/x")
    assert [(e.sequence, e.content) for e in published] == [(0, Text("first")), (1, Int64(2))]

    # Proofs, checked offline against the participant's key.
    proof = await client.entry_proof(lid, data.address, "a/b ?#%")
    certificate = await client.certificate(lid, proof.header.height)
    assert verify_entry(proof, certificate, trusted, ledger=lid)
    assert not verify_entry(proof, certificate, [chain.key().public])
    assert await client.verified_entry(lid, data.address, "lot-7", trusted) == (1, Text("shipped"))
    assert await client.verified_entry(lid, data.address, "never", trusted) == (-1, None)
    assert second.result is not None
    tx_proof = await client.transaction_proof(lid, second.tx_hash)
    tx_certificate = await client.certificate(lid, second.result.height)
    assert verify_transaction(tx_proof, tx_certificate, trusted)

    latest = await client.latest_block(lid)
    assert verify_header(
        latest.header, await client.certificate(lid, latest.header.height), trusted
    )
    block = await client.block(lid, second.result.height)
    assert second.tx_hash in block.transaction_hashes
    [view] = await client.block_transactions(lid, result.result.height)
    assert view.hash == result.tx_hash
    assert (await client.transaction(lid, result.tx_hash)).result == result.result

    assert (await client.user(lid, admin.address)).public_key == admin.public
    account = await client.account(lid, data.address)
    assert account.owners == [admin.address]
    assert m.LedgerPermission.WRITE_DATA in (await client.role(lid, "admin")).ledger_permissions

    # A rejected submission is an answer; unknown records are JadechainErrors.
    stranger = KeyPair.generate(chain.algorithm)
    forged = builder().register_data_account(chain.key()).sign(stranger)
    bad = m.SignedTransaction(
        forged.content, [m.SignatureEntry(admin.public, forged.endpoint_signatures[0].signature)]
    )
    rejected = await client.submit(lid, bad)
    assert rejected.status is api.SubmitStatus.REJECTED, rejected
    assert rejected.reason
    missing: list[Callable[[], Awaitable[object]]] = [
        lambda: client.account(lid, chain.key().address),
        lambda: client.contract(lid, data.address),
        lambda: client.block(lid, 10_000),
    ]
    for read in missing:
        with pytest.raises(JadechainError) as caught:
            await read()
        assert (caught.value.status, caught.value.code) == (404, "not_found")


def test_blocking_client_against_the_gateway(chain: LocalChain) -> None:
    async def scenario(harness: Harness) -> None:
        transport = BridgeTransport(
            httpx.ASGITransport(app=harness.app), asyncio.get_running_loop()
        )
        await asyncio.to_thread(_blocking_scenario, chain, transport)

    run(chain, scenario)


def _blocking_scenario(chain: LocalChain, transport: httpx.BaseTransport) -> None:
    lid = chain.ledger.id
    with Client(BASE, transport=transport, binary=True) as client:
        data = chain.key()
        builder = TxBuilder(lid, clock=lambda: harness_clock(chain))
        tx = builder.register_data_account(data).set_entry(data, "k", True).sign(chain.admin)
        result = client.submit(lid, tx)
        assert result.result is not None
        assert result.result.code is m.TxCode.SUCCESS, result.result.message
        trusted = [chain.node.public]
        assert client.verified_entry(lid, data.address, "k", trusted) == (0, Bool(True))
        update = TxBuilder(lid, clock=lambda: harness_clock(chain)).set_entry(data, "k", 1, 0)
        accepted = client.submit(lid, update.sign(chain.admin), wait=False)
        assert accepted.status is api.SubmitStatus.ACCEPTED, accepted
