"""Transaction intake through the gateway: statuses, node endorsement, wait=false, batches,
and MessagePack both ways."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from jadechain import codec
from jadechain.api import MSGPACK, BlockView, Problem, SubmitResult, SubmitStatus, TransactionView
from jadechain.crypto import BatchVerifier, verify
from jadechain.crypto.batch import VerifyItem
from jadechain.gateway.harness import Harness, run
from jadechain.ledger import model as m
from jadechain.ledger.values import Int64
from jadechain.node.host import PipelineSettings
from jadechain.testing import LocalChain


def register(api: Harness) -> m.SignedTransaction:
    return api.chain.tx([m.RegisterDataAccount(api.chain.key().public)])


def forged(api: Harness) -> m.SignedTransaction:
    good = register(api)
    admin = api.chain.admin
    return m.SignedTransaction(good.content, [m.SignatureEntry(admin.public, admin.sign(b"x"))])


def test_gateway_with_a_node_key_endorses_what_it_submits(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        result = await api.submit([m.RegisterDataAccount(chain.key().public)])
        assert result.status is SubmitStatus.COMMITTED
        assert result.result is not None
        assert result.result.code is m.TxCode.SUCCESS
        view = codec.from_json(
            (await api.get(f"/txs/{result.tx_hash.to_base58()}")).content, TransactionView
        )
        [entry] = view.transaction.node_signatures
        assert entry.public_key == chain.node.public
        assert verify(entry.public_key, result.tx_hash.to_bytes(), entry.signature)

    run(chain, scenario, node_key=chain.node)


class CountingVerifier(BatchVerifier):
    """Counts the signatures it is asked to verify."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.items = 0

    def verify(self, items: Sequence[VerifyItem]) -> list[bool]:
        self.items += len(items)
        return super().verify(items)


def test_the_gateway_endorsement_is_not_verified_again_by_its_own_host(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        verifier = CountingVerifier()
        api.host.verifier = verifier
        batch = codec.to_json([register(api), register(api)])
        response = await api.client.post(f"{api.base}/txs/batch", content=batch)
        results = codec.from_json(response.content, list[SubmitResult])
        assert [r.status for r in results] == [SubmitStatus.COMMITTED] * 2
        assert verifier.items == 2  # the two clients' signatures; not the two endorsements

    run(chain, scenario, node_key=chain.node)


def test_with_crypto_worker_processes_endorsements_and_verdicts_are_the_same(
    chain: LocalChain,
) -> None:
    async def scenario(api: Harness) -> None:
        batch = [register(api) for _ in range(39)]
        batch.insert(7, forged(api))
        response = await api.client.post(f"{api.base}/txs/batch", content=codec.to_json(batch))
        results = codec.from_json(response.content, list[SubmitResult])
        statuses = [r.status for r in results]
        assert (
            statuses
            == [SubmitStatus.COMMITTED] * 7
            + [SubmitStatus.REJECTED]
            + [SubmitStatus.COMMITTED] * 32
        )
        assert results[7].reason == "bad signature"
        for result in results[:2]:
            found = await api.get(f"/txs/{result.tx_hash.to_base58()}")
            view = codec.from_json(found.content, TransactionView)
            [entry] = view.transaction.node_signatures
            assert verify(entry.public_key, result.tx_hash.to_bytes(), entry.signature)

    settings = PipelineSettings(crypto_workers="process")
    run(chain, scenario, settings=settings, node_key=chain.node)


def test_a_node_signature_that_came_with_the_request_is_verified(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        good = register(api)
        fake = m.SignatureEntry(chain.node.public, chain.node.sign(b"not the tx hash"))
        tx = m.SignedTransaction(good.content, good.endpoint_signatures, [fake])
        response = await api.post_tx(tx)
        assert response.status_code == 400
        assert codec.from_json(response.content, SubmitResult).reason == "bad signature"

    run(chain, scenario, node_key=chain.node)


def test_bad_signature_is_400_with_the_submit_result(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        response = await api.post_tx(forged(api))
        assert response.status_code == 400
        result = codec.from_json(response.content, SubmitResult)
        assert result.status is SubmitStatus.REJECTED
        assert result.reason == "bad signature"
        tx = register(api)
        assert (await api.post_tx(tx)).status_code == 200
        again = await api.post_tx(tx)
        assert again.status_code == 400
        assert codec.from_json(again.content, SubmitResult).reason.startswith("duplicate")

    run(chain, scenario, node_key=chain.node)


def test_wait_false_answers_accepted_then_the_transaction_commits(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        response = await api.post_tx(register(api), wait="false")
        assert response.status_code == 200
        result = codec.from_json(response.content, SubmitResult)
        assert (result.status, result.result) == (SubmitStatus.ACCEPTED, None)
        for _ in range(200):
            found = await api.get(f"/txs/{result.tx_hash.to_base58()}")
            if found.status_code == 200:
                break
            await asyncio.sleep(0.02)
        assert found.status_code == 200

    run(chain, scenario, settings=PipelineSettings(block_delay_ms=50))


def test_batch_answers_each_transaction_in_order(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        batch = [register(api), forged(api), register(api)]
        url = f"{api.base}/txs/batch"
        response = await api.client.post(url, content=codec.to_json(batch))
        assert response.status_code == 200
        results = codec.from_json(response.content, list[SubmitResult])
        assert [r.status for r in results] == [
            SubmitStatus.COMMITTED,
            SubmitStatus.REJECTED,
            SubmitStatus.COMMITTED,
        ]
        assert results[1].reason == "bad signature"
        empty = await api.client.post(url, content=b"[]")
        assert (empty.status_code, empty.json()) == (200, [])
        too_many = [register(api) for _ in range(4)]
        response = await api.client.post(url, content=codec.to_json(too_many))
        assert response.status_code == 413
        problem = codec.from_json(response.content, Problem)
        assert "at most 3 transactions, got 4" in problem.message

    run(chain, scenario, batch_transactions_max=3)


def test_msgpack_request_and_response_round_trip(chain: LocalChain) -> None:
    msgpack = {"Content-Type": MSGPACK, "Accept": MSGPACK}

    async def scenario(api: Harness) -> None:
        account = chain.key()
        tx = chain.tx([m.RegisterDataAccount(account.public)])
        response = await api.client.post(
            f"{api.base}/txs", content=codec.encode(tx), headers=msgpack
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == MSGPACK
        result = codec.decode(response.content, SubmitResult)
        assert result.status is SubmitStatus.COMMITTED
        op = m.SetEntries(account.address, [m.EntryWrite("k", Int64(7), m.NEW)])
        response = await api.client.post(
            f"{api.base}/txs/batch", content=codec.encode([chain.tx([op])]), headers=msgpack
        )
        [written] = codec.decode(response.content, list[SubmitResult])
        assert written.status is SubmitStatus.COMMITTED
        latest = await api.client.get(f"{api.base}/blocks/latest", headers={"Accept": MSGPACK})
        assert latest.headers["content-type"] == MSGPACK
        block = codec.decode(latest.content, BlockView)
        assert block.transaction_hashes == [written.tx_hash]
        # Problems follow the negotiated format too.
        missing = await api.client.get(f"{api.base}/blocks/999", headers={"Accept": MSGPACK})
        assert missing.status_code == 404
        assert codec.decode(missing.content, Problem).code == "not_found"
        garbage = await api.client.post(f"{api.base}/txs", content=b"\xc1\xc1", headers=msgpack)
        assert garbage.status_code == 400
        assert "SignedTransaction" in codec.decode(garbage.content, Problem).message
        # JSON stays the default, and wins ties.
        either = {"Accept": f"{MSGPACK}, application/json"}
        plain = await api.client.get(f"{api.base}/blocks/latest", headers=either)
        assert plain.headers["content-type"] == "application/json"

    run(chain, scenario)


def test_client_errors_leave_the_server_serving(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        for body in (b"\x00\xff garbage", b"{", b"[1,2,3]", b'{"content": 5}', b"null"):
            response = await api.client.post(f"{api.base}/txs", content=body)
            assert response.status_code == 400, body
        response = await api.client.request("BREW", "/health")
        assert response.status_code == 405
        assert (await api.client.get("/health")).status_code == 200
        assert (await api.post_tx(register(api))).status_code == 200

    run(chain, scenario)


def test_a_stopped_ledger_is_503_and_health_says_so(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        await api.host.stop()
        response = await api.post_tx(register(api))
        assert response.status_code == 503
        assert response.json()["code"] == "unavailable"
        read = await api.get("/blocks/latest")
        assert read.status_code == 503
        health = await api.client.get("/health")
        assert (health.status_code, health.json()["status"]) == (503, "unavailable")
        metrics = await api.client.get("/metrics")
        assert f'jadechain_ledger_up{{ledger="{api.ledger}"}} 0' in metrics.text

    run(chain, scenario)
