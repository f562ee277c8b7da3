"""The ledger host: intake checks, batch verification, blocks, certificates, waits, restart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from jadechain import codec
from jadechain.api import SubmitStatus
from jadechain.crypto import verify
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.store import Ledger
from jadechain.ledger.values import Int64
from jadechain.node.host import LedgerHost, PipelineSettings
from jadechain.storage import MemoryStore
from jadechain.testing import LocalChain

T = TypeVar("T")


def run(scenario: Callable[[LedgerHost], Awaitable[T]], chain: LocalChain, **settings: Any) -> T:
    async def main() -> T:
        host = LedgerHost(
            chain.ledger,
            chain.node,
            PipelineSettings(**settings),
            clock=lambda: chain.ledger.head.time_ms + 500,
        )
        await host.start()
        try:
            return await scenario(host)
        finally:
            await host.stop()

    return asyncio.run(main())


def write(chain: LocalChain, account: str, key: str, expected: int = m.NEW) -> m.SignedTransaction:
    return chain.tx([m.SetEntries(account, [m.EntryWrite(key, Int64(1), expected)])])


def test_submit_waits_for_commit_and_the_block_is_certified(chain: LocalChain) -> None:
    account = chain.data_account()

    async def scenario(host: LedgerHost) -> None:
        [answer] = await host.submit([write(chain, account, "k")])
        assert answer.status is SubmitStatus.COMMITTED
        assert answer.result is not None
        assert answer.result.code is m.TxCode.SUCCESS
        height = answer.result.height
        certificate = await host.read(lambda ledger: ledger.certificate(height))
        assert certificate is not None
        assert certificate.block_hash == answer.block_hash
        [entry] = certificate.signatures
        assert entry.public_key == chain.node.public
        assert verify(entry.public_key, certificate.block_hash.to_bytes(), entry.signature)

    run(scenario, chain)
    assert queries.entry(chain.ledger, account, "k") == (0, Int64(1))


def test_rejections_at_intake_say_why(chain: LocalChain) -> None:
    account = chain.data_account()
    good = write(chain, account, "a")
    forged = m.SignedTransaction(
        good.content, [m.SignatureEntry(chain.admin.public, chain.admin.sign(b"other"))]
    )
    other_ledger = msgspec.structs.replace(good.content, ledger=chain.ledger.digest(b"x"))
    wrong = m.SignedTransaction(other_ledger, good.endpoint_signatures)
    stale = msgspec.structs.replace(good.content, time_ms=1)
    late = m.SignedTransaction(stale, good.endpoint_signatures)

    async def scenario(host: LedgerHost) -> None:
        answers = await host.submit([forged, wrong, late])
        assert [a.status for a in answers] == [SubmitStatus.REJECTED] * 3
        assert [a.reason for a in answers][:2] == [
            "bad signature",
            "transaction is for another ledger",
        ]
        assert "ms from the node's time" in answers[2].reason
        [first] = await host.submit([good])
        assert first.status is SubmitStatus.COMMITTED
        [again] = await host.submit([good])
        assert again.status is SubmitStatus.REJECTED
        assert again.reason.startswith("duplicate transaction")

    run(scenario, chain)


def test_many_submissions_are_cut_into_bounded_blocks(chain: LocalChain) -> None:
    account = chain.data_account()
    start = chain.ledger.height
    txs = [write(chain, account, f"k{i}") for i in range(25)]

    async def scenario(host: LedgerHost) -> None:
        answers = await host.submit(txs, wait=False)
        assert {a.status for a in answers} == {SubmitStatus.ACCEPTED}
        queue = host.subscribe()
        seen = 0
        while seen < 25:
            block = await asyncio.wait_for(queue.get(), 10)
            assert block is not None
            assert len(block.transactions) <= 10
            seen += len(block.transactions)

    run(scenario, chain, block_transactions_max=10)
    assert chain.ledger.height >= start + 3
    assert len(queries.entries(chain.ledger, account, "k")) == 25


def test_batches_are_also_cut_by_bytes(chain: LocalChain) -> None:
    account = chain.data_account()
    txs = [write(chain, account, f"b{i}") for i in range(12)]
    size = len(codec.encode(txs[0]))

    async def scenario(host: LedgerHost) -> None:
        await host.submit(txs, wait=False)
        queue = host.subscribe()
        seen = 0
        while seen < 12:
            block = await asyncio.wait_for(queue.get(), 10)
            assert block is not None
            assert 1 <= len(block.transactions) <= 3
            seen += len(block.transactions)

    run(scenario, chain, batch_bytes_max=3 * size + size // 2)
    assert len(queries.entries(chain.ledger, account, "b")) == 12


def test_full_mempool_refuses_instead_of_growing(chain: LocalChain) -> None:
    account = chain.data_account()
    txs = [write(chain, account, f"k{i}") for i in range(5)]

    async def scenario(host: LedgerHost) -> list[str]:
        # One call admits its whole batch before the pipeline runs, so the pool fills at once.
        answers = await host.submit(txs, wait=False)
        return [a.reason for a in answers]

    reasons = run(scenario, chain, mempool_transactions_max=3, block_delay_ms=100)
    assert reasons[:3] == ["", "", ""]
    assert reasons[3].startswith("mempool full (3 transactions)")


def test_execution_failures_are_committed_with_their_code(chain: LocalChain) -> None:
    account = chain.data_account()

    async def scenario(host: LedgerHost) -> None:
        [conflict] = await host.submit([write(chain, account, "k", expected=4)])
        assert conflict.status is SubmitStatus.COMMITTED
        assert conflict.result is not None
        assert conflict.result.code is m.TxCode.VERSION_CONFLICT

    run(scenario, chain)


def test_restart_continues_from_the_stored_head() -> None:
    store = MemoryStore()
    chain = LocalChain(store)
    account = chain.data_account()
    run(lambda host: host.submit([write(chain, account, "before")]), chain)
    height = chain.ledger.height
    chain.ledger = Ledger(store)  # a new process opening the same store
    assert chain.ledger.height == height
    answers = run(lambda host: host.submit([write(chain, account, "after")]), chain)
    assert answers[0].result is not None
    assert answers[0].result.height == height + 1
    assert codec.decode(codec.encode(chain.ledger.head), m.BlockHeader).height == height + 1


def test_slow_subscriber_is_ended_not_buffered(chain: LocalChain) -> None:
    account = chain.data_account()

    async def scenario(host: LedgerHost) -> None:
        queue = host.subscribe()
        for i in range(4):
            await host.submit([write(chain, account, f"k{i}")])
        items = [queue.get_nowait() for _ in range(queue.qsize())]
        assert items == [None]  # overflowed at the third block: told to resume, not buffered

    run(scenario, chain, subscriber_queue_max=2)
