"""The execution side of the block pipeline: a decided batch becomes a committed block.

A decided batch holds encoded transactions. Those this node admitted itself were verified at
intake and are looked up by their bytes; the others (proposed by a peer) are decoded and their
signatures verified in one batch on the verifier's pool. A transaction that does not decode or
whose signature fails is left out of the block -- every honest node leaves out the same ones, so
they build the same block. Execution and storage run on the ledger's thread.

A certified block fetched from a peer (block sync) is installed by re-executing its transactions
at its block time and checking that the result hashes to the certified hash: a peer cannot make
this node store a block the quorum did not sign, nor a block whose execution differs here.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jadechain import codec
from jadechain.crypto import BatchVerifier, Digest, KeyPair
from jadechain.crypto.batch import VerifyItem
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome
from jadechain.ledger.store import Ledger

LOCAL_TRANSACTIONS_MAX = 400_000  # admitted here, awaiting their block (bytes -> transaction)


class DivergenceError(Exception):
    """This node's execution of a certified block differs from the quorum's: it must stop."""


@dataclass(frozen=True, slots=True)
class Admitted:
    transaction: m.SignedTransaction
    tx_hash: Digest


class LocalTransactions:
    """Transactions this node verified at intake, by their encoding, until a block takes them."""

    def __init__(self, limit: int = LOCAL_TRANSACTIONS_MAX) -> None:
        self.limit = limit
        self._by_bytes: OrderedDict[bytes, Admitted] = OrderedDict()

    def remember(self, data: bytes, item: Admitted) -> None:
        self._by_bytes[data] = item
        while len(self._by_bytes) > self.limit:
            self._by_bytes.popitem(last=False)  # the oldest is re-verified if it ever comes

    def take(self, data: bytes) -> Admitted | None:
        return self._by_bytes.pop(data, None)


@dataclass(frozen=True, slots=True)
class Prepared:
    """What an in-process caller (the gateway) already knows about the transactions it submits,
    so intake does not do it again: each one's hash, and the node signature the caller has just
    made itself with a key it holds (None: none) -- a signature made here need not be verified
    here. A signature that came with the request is never in `own`."""

    hashes: Sequence[Digest | None]  # None: not known yet
    own: Sequence[m.SignatureEntry | None]


async def signatures_valid(
    transactions: Sequence[m.SignedTransaction | None],
    digest: Callable[[bytes], Digest],
    verifier: BatchVerifier,
    prepared: Prepared | None = None,
) -> list[bool]:
    """Per transaction, whether every signature verifies, checked in one batch on the
    verifier's pool; a None entry (not to be checked) gives False."""
    items: list[VerifyItem] = []
    owners: list[int] = []
    for index, tx in enumerate(transactions):
        if tx is None:
            continue
        known = None if prepared is None else prepared.hashes[index]
        own = None if prepared is None else prepared.own[index]
        message = (known or digest(codec.encode(tx.content))).to_bytes()
        for entry in (*tx.endpoint_signatures, *tx.node_signatures):
            if entry is not own:
                items.append((entry.public_key, message, entry.signature))
                owners.append(index)
    valid = [tx is not None for tx in transactions]
    if items:
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(None, verifier.verify, items)
        for owner, ok in zip(owners, results, strict=True):
            valid[owner] = valid[owner] and ok
    return valid


async def transactions_of(
    batch: Sequence[bytes],
    local: LocalTransactions,
    digest: Callable[[bytes], Digest],
    verifier: BatchVerifier,
) -> list[Admitted]:
    """The transactions of a decided batch that decode and carry valid signatures, in order,
    with their hashes."""
    found: list[Admitted | None] = []
    to_check: list[m.SignedTransaction | None] = []  # None: verified at intake, or undecodable
    for data in batch:
        admitted = local.take(data)
        if admitted is None:
            tx = _decoded(data)
            to_check.append(tx)
            found.append(None if tx is None else Admitted(tx, digest(codec.encode(tx.content))))
        else:
            to_check.append(None)
            found.append(admitted)
    hashes = [None if a is None else a.tx_hash for a in found]
    checked = await signatures_valid(
        to_check, digest, verifier, Prepared(hashes, [None] * len(found))
    )
    return [
        admitted
        for admitted, check, ok in zip(found, to_check, checked, strict=True)
        if admitted is not None and (ok or check is None)
    ]


def _decoded(data: bytes) -> m.SignedTransaction | None:
    try:
        return codec.decode(data, m.SignedTransaction)
    except codec.CodecError:
        return None


def execute(
    ledger: Ledger, signer: KeyPair, transactions: list[Admitted], time_ms: int
) -> BlockOutcome:
    """On the ledger thread: execute the next block, sign its hash, store it."""
    outcome = ledger.apply(
        [a.transaction for a in transactions],
        time_ms,
        signatures_verified=True,
        tx_hashes=[a.tx_hash for a in transactions],
    )
    ledger.commit(outcome, own_certificate(signer, outcome))
    return outcome


def own_certificate(signer: KeyPair, outcome: BlockOutcome) -> m.BlockCertificate:
    signature = signer.sign(outcome.block_hash.to_bytes())
    entry = m.SignatureEntry(signer.public, signature)
    return m.BlockCertificate(outcome.block.header.height, outcome.block_hash, [entry])


def install(ledger: Ledger, block: m.Block, certificate: m.BlockCertificate) -> BlockOutcome | None:
    """On the ledger thread: re-execute a certified block fetched from a peer and store it.

    None when the block is not the next one (already installed, or a gap). DivergenceError when
    this node's execution hashes differently from the certified hash."""
    header = block.header
    if header.height != ledger.height + 1:
        return None
    if header.previous_hash != ledger.head_hash:
        raise DivergenceError(
            f"certified block {header.height} does not extend this node's block "
            f"{ledger.height} ({ledger.head_hash.to_base58()})"
        )
    outcome = ledger.apply(block.transactions, header.time_ms, signatures_verified=True)
    if outcome.block_hash != certificate.block_hash:
        ledger.discard(outcome)
        raise DivergenceError(
            f"block {header.height}: this node computes {outcome.block_hash.to_base58()}, "
            f"the quorum certified {certificate.block_hash.to_base58()}"
        )
    ledger.commit(outcome, certificate)
    return outcome
