"""Pre-signing the load of a run before the clock starts: signing is the client's cost.

Transactions are built, signed, hashed and encoded in worker processes (one per core), grouped
into batches whose request body (MessagePack `list[SignedTransaction]`) is ready to POST. Every
transaction carries the time `time_ms`; the ledger accepts it within its time window (60 s by
default) of the node's clock, so a run pre-signs with a time ahead of the clock (`TIME_LEAD_MS`)
and must send everything within window + lead of signing (`RUN_SECONDS_MAX`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from jadechain import codec
from jadechain.bench.workloads import Workload
from jadechain.crypto import Algorithm, Digest, KeyPair, PrivateKey
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign, transaction_hash

TIME_LEAD_MS = 30_000
RUN_SECONDS_MAX = 80  # the default 60 s window + the 30 s lead, with a margin for pre-signing
CHUNK_BATCHES = 8  # batches per worker task


@dataclass
class PreparedBatch:
    """A batch ready to send: its request body and its transactions' hashes (Base58)."""

    body: bytes
    hashes: list[str]
    transactions: list[m.SignedTransaction] | None = field(default=None, repr=False)
    raw_keys: list[str] | None = field(default=None, repr=False)  # hashes as raw hex (in-process)

    def __len__(self) -> int:
        return len(self.hashes)


@dataclass(frozen=True)
class SignJob:
    """What a worker process signs; keys and ids travel as plain values (they pickle)."""

    workload: Workload
    algorithm: Algorithm
    private_key: bytes
    ledger_id: str  # Base58
    account: str
    time_ms: int
    batch_size: int

    @classmethod
    def of(
        cls,
        workload: Workload,
        signer: KeyPair,
        ledger_id: Digest,
        account: str,
        time_ms: int,
        batch_size: int,
    ) -> SignJob:
        raw = signer.private.raw
        return cls(
            workload, signer.algorithm, raw, ledger_id.to_base58(), account, time_ms, batch_size
        )


def _sign_chunk(job: SignJob, first: int, count: int) -> list[PreparedBatch]:
    signer = KeyPair.from_private(PrivateKey(job.algorithm, job.private_key))
    ledger_id = Digest.from_base58(job.ledger_id)
    batches = []
    for start in range(first, first + count, job.batch_size):
        size = min(job.batch_size, first + count - start)
        transactions = [
            sign(
                new_content(ledger_id, job.workload.operations(i, job.account), job.time_ms),
                [signer],
            )
            for i in range(start, start + size)
        ]
        hashes = [transaction_hash(tx.content).to_base58() for tx in transactions]
        batches.append(PreparedBatch(codec.encode(transactions), hashes))
    return batches


def presign(
    job: SignJob,
    total: int,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[PreparedBatch]:
    """`total` transactions (indexes 0..total-1) in batches of `job.batch_size`, in order."""
    workers = workers or os.cpu_count() or 1
    chunk = job.batch_size * CHUNK_BATCHES
    starts = list(range(0, total, chunk))
    started = time.perf_counter()
    if workers == 1 or len(starts) == 1:
        parts = [_sign_chunk(job, s, min(chunk, total - s)) for s in starts]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_sign_chunk, job, s, min(chunk, total - s)) for s in starts]
            parts = [f.result() for f in futures]
    if progress:
        elapsed = time.perf_counter() - started
        progress(f"pre-signed {total:,} transactions in {elapsed:.1f} s ({workers} processes)")
    return [batch for part in parts for batch in part]


def decoded(batches: list[PreparedBatch]) -> None:
    """Decode each batch's transactions and its hashes (for the in-process target), before the
    clock starts."""
    for batch in batches:
        batch.transactions = codec.decode(batch.body, list[m.SignedTransaction])
        batch.raw_keys = [Digest.from_base58(h).raw.hex() for h in batch.hashes]
