"""Transactions: intake (POST /txs, /txs/batch), lookup by hash, and inclusion proofs.

Status of a submission (a deliberate choice, relied on by clients):
- `POST /txs` answers the `SubmitResult` with **200** when it is `committed` (whatever the
  execution code in `result`: a version conflict is a committed transaction) or `accepted` (queued,
  with `?wait=false`, or not yet committed when the wait ran out), and with **400** carrying the
  same `SubmitResult` body (not a Problem) when it is `rejected` before entering a block (bad
  signature, wrong ledger, time outside the window, duplicate, full mempool): the client learns
  both that the request failed and the transaction hash and reason.
- `POST /txs/batch` answers 200 with one `SubmitResult` per transaction, in order, whatever each
  one's status; a batch over the gateway's limit is refused whole with 413.
- A body that does not decode is a 400 Problem; a stopped ledger is a 503 Problem.

When the gateway has a node key, it endorses each transaction before submitting it: it appends a
node `SignatureEntry` over the transaction hash (unless that key already signed it).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence

from jadechain import codec
from jadechain.api import SubmitResult, SubmitStatus, TransactionView
from jadechain.crypto import Digest, KeyPair, Signature, hash_data
from jadechain.gateway.context import Call, Reply
from jadechain.gateway.errors import not_found, too_large
from jadechain.gateway.params import LEDGER, TX_HASH, WAIT
from jadechain.gateway.routes_ledger import LEDGER_PATH
from jadechain.gateway.routing import Endpoint
from jadechain.ledger import model as m
from jadechain.ledger.proofs import TransactionProof, prove_transaction
from jadechain.ledger.store import Ledger
from jadechain.node.blocks import Prepared

ENDORSE_IN_THREAD_MIN = 16  # batches at least this long are signed on the host's crypto pool


def endorse(
    node_key: KeyPair, transactions: Sequence[m.SignedTransaction]
) -> list[m.SignedTransaction]:
    """Each transaction with a node signature of `node_key` over its hash appended."""
    return endorse_prepared(node_key, transactions)[0]


def endorse_prepared(
    node_key: KeyPair,
    transactions: Sequence[m.SignedTransaction],
    sign_many: Callable[[list[bytes]], list[Signature]] | None = None,
) -> tuple[list[m.SignedTransaction], Prepared]:
    """`endorse`, also giving what intake would otherwise recompute: each hash, and the
    signature made here (not to be verified again by a host in this process). `sign_many` signs
    the hashes in one batch (the host's crypto pool); by default they are signed here."""
    hashes = [
        hash_data(tx.content.ledger.algorithm, codec.encode(tx.content)) for tx in transactions
    ]
    signed_already = [
        any(entry.public_key == node_key.public for entry in tx.node_signatures)
        for tx in transactions
    ]  # that key's signature came with the request: it is verified at intake
    messages = [h.to_bytes() for h, done in zip(hashes, signed_already, strict=True) if not done]
    signatures = iter(sign_many(messages) if sign_many else [node_key.sign(x) for x in messages])
    endorsed: list[m.SignedTransaction] = []
    own: list[m.SignatureEntry | None] = []
    for tx, done in zip(transactions, signed_already, strict=True):
        entry = None if done else m.SignatureEntry(node_key.public, next(signatures))
        own.append(entry)
        if entry is None:
            endorsed.append(tx)
        else:
            nodes = [*tx.node_signatures, entry]
            endorsed.append(m.SignedTransaction(tx.content, tx.endpoint_signatures, nodes))
    return endorsed, Prepared(hashes, own)


async def _submit(
    call: Call, transactions: list[m.SignedTransaction], wait: bool
) -> list[SubmitResult]:
    host = call.host()
    node_key = call.gateway.node_key
    prepared = None
    if node_key is not None:
        if len(transactions) >= ENDORSE_IN_THREAD_MIN:
            sign_many = functools.partial(host.verifier.sign, node_key.private)
            transactions, prepared = await asyncio.to_thread(
                endorse_prepared, node_key, transactions, sign_many
            )
        else:
            transactions, prepared = endorse_prepared(node_key, transactions)
    results = await host.submit(transactions, wait, prepared)
    call.gateway.metrics.observe_submit(host.id.to_base58(), results)
    return results


async def submit_transaction(call: Call) -> Reply:
    call.host()  # an unknown ledger is 404 before the body is read
    wait = WAIT.boolean(call.request)
    tx = await call.body(m.SignedTransaction)
    [result] = await _submit(call, [tx], wait)
    return Reply(result, 400 if result.status is SubmitStatus.REJECTED else 200)


async def submit_batch(call: Call) -> list[SubmitResult]:
    call.host()
    wait = WAIT.boolean(call.request)
    transactions = await call.body(list[m.SignedTransaction])
    count_max = call.gateway.batch_transactions_max
    if len(transactions) > count_max:
        raise too_large(f"a batch holds at most {count_max} transactions, got {len(transactions)}")
    if not transactions:
        return []
    return await _submit(call, transactions, wait)


def _transaction(ledger: Ledger, tx_hash: Digest) -> TransactionView:
    found = ledger.transaction(tx_hash)
    if found is None:
        raise not_found(f"no transaction {tx_hash.to_base58()} on this ledger")
    tx, result, header = found
    block_hash = ledger.digest(codec.encode(header))
    return TransactionView(result.tx_hash, tx, result, block_hash, header.time_ms)


async def transaction(call: Call) -> TransactionView:
    host = call.host()
    tx_hash = TX_HASH.digest(call.request)
    return await call.read(host, lambda ledger: _transaction(ledger, tx_hash))


def _transaction_proof(ledger: Ledger, tx_hash: Digest) -> TransactionProof:
    if not ledger.is_known(tx_hash.raw):
        raise not_found(f"no transaction {tx_hash.to_base58()} on this ledger")
    return prove_transaction(ledger, tx_hash)


async def transaction_proof(call: Call) -> TransactionProof:
    host = call.host()
    tx_hash = TX_HASH.digest(call.request)
    return await call.read(host, lambda ledger: _transaction_proof(ledger, tx_hash))


TXS = f"{LEDGER_PATH}/txs"

ENDPOINTS = (
    Endpoint(
        "POST",
        TXS,
        submit_transaction,
        "Submit one signed transaction (200: committed or accepted; 400 with the SubmitResult: "
        "rejected)",
        SubmitResult,
        body=m.SignedTransaction,
        params=(LEDGER, WAIT),
        errors=(400, 404, 413, 415, 503),
        rejection=SubmitResult,
    ),
    Endpoint(
        "POST",
        f"{TXS}/batch",
        submit_batch,
        "Submit signed transactions; one SubmitResult each, in order",
        list[SubmitResult],
        body=list[m.SignedTransaction],
        params=(LEDGER, WAIT),
        errors=(400, 404, 413, 415, 503),
    ),
    Endpoint(
        "GET",
        f"{TXS}/{{hash}}",
        transaction,
        "A committed transaction with its result and block",
        TransactionView,
        params=(LEDGER, TX_HASH),
        errors=(400, 404, 503),
    ),
    Endpoint(
        "GET",
        f"{TXS}/{{hash}}/proof",
        transaction_proof,
        "Proof that a transaction and its result are in their block",
        TransactionProof,
        params=(LEDGER, TX_HASH),
        errors=(400, 404, 503),
    ),
)
