"""One hosted ledger: intake (checks and batch signature verification), the mempool, the block
pipeline (batch -> consensus -> execute -> certificate -> store) and commit notifications.

Threads: the asyncio loop runs intake and the pipeline's control; every read and write of the
ledger runs on one dedicated thread (`read`), because the store has one writer and the state
tree's caches are not thread-safe. Signature verification runs on the batch verifier's pool.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from jadechain import codec
from jadechain.api import SubmitResult, SubmitStatus
from jadechain.consensus import Deliver, Replica, SoloReplica
from jadechain.crypto import BatchVerifier, Digest, KeyPair
from jadechain.crypto.batch import VerifyItem
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome
from jadechain.ledger.store import Ledger
from jadechain.node.mempool import MEMPOOL_TRANSACTIONS_MAX, Mempool, Pending

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    block_transactions_max: int = 2000
    block_delay_ms: int = 10  # how long a block waits for more transactions once one arrives
    mempool_transactions_max: int = MEMPOOL_TRANSACTIONS_MAX
    commit_wait_ms: int = 30_000  # a waiting submit answers "accepted" after this long
    subscriber_queue_max: int = 1024  # committed blocks buffered per subscriber


class NodeUnavailableError(Exception):
    """The ledger's pipeline has stopped (shutting down, or failed: see the log)."""


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class LedgerHost:
    def __init__(
        self,
        ledger: Ledger,
        signer: KeyPair,
        settings: PipelineSettings | None = None,
        verifier: BatchVerifier | None = None,
        clock: Callable[[], int] = wall_clock_ms,
        replica: Replica | None = None,
    ) -> None:
        self.ledger = ledger
        self.signer = signer
        self.settings = settings or PipelineSettings()
        self.verifier = verifier or BatchVerifier()
        self.clock = clock
        self.replica = replica or SoloReplica(ledger.height, ledger.head.time_ms)
        self.mempool = Mempool(self.settings.mempool_transactions_max)
        self._thread = ThreadPoolExecutor(1, f"ledger-{ledger.id.to_base58()[:8]}")
        self._waiters: dict[bytes, list[asyncio.Future[SubmitResult]]] = {}
        self._subscribers: set[asyncio.Queue[m.Block | None]] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = False
        self.failure: BaseException | None = None
        self._time_window_ms = ledger.settings().time_window_ms

    @property
    def id(self) -> Digest:
        return self.ledger.id

    async def read(self, function: Callable[[Ledger], T]) -> T:
        """Run `function(ledger)` on the ledger's thread (all reads and writes go there)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._thread, function, self.ledger)
        except RuntimeError as error:
            if self._stopped:  # the executor refuses work after shutdown
                raise NodeUnavailableError("the ledger host has stopped") from error
            raise

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._pipeline(), name="block-pipeline")

    async def stop(self) -> None:
        """Finish the block in progress, answer every waiter, stop the pipeline."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        for waiters in self._waiters.values():
            for future in waiters:
                if not future.done():
                    future.set_exception(NodeUnavailableError("the node is shutting down"))
        self._waiters.clear()
        for queue in list(self._subscribers):
            _offer(queue, None)
        self._stopped = True
        self._thread.shutdown(wait=True)

    # --- intake ---------------------------------------------------------------------------------

    async def submit(
        self, transactions: Sequence[m.SignedTransaction], wait: bool = True
    ) -> list[SubmitResult]:
        """Check, verify and queue transactions; with `wait`, answer once each is committed."""
        if self._stopping or self.failure is not None:
            raise NodeUnavailableError("the ledger's pipeline is not running")
        hashes = [self.ledger.digest(codec.encode(tx.content)) for tx in transactions]
        reasons = [self._precheck(tx) for tx in transactions]
        verified = await self._verify(transactions, reasons)
        answers: list[SubmitResult | asyncio.Future[SubmitResult]] = []
        for tx, tx_hash, early, ok in zip(transactions, hashes, reasons, verified, strict=True):
            reason = early or (None if ok else "bad signature")
            answers.append(self._admit(tx, tx_hash, reason, wait))
        self._wake.set()
        return [await self._answer(tx_hash, a) for tx_hash, a in zip(hashes, answers, strict=True)]

    def _precheck(self, tx: m.SignedTransaction) -> str | None:
        content = tx.content
        if content.ledger != self.ledger.id:
            return "transaction is for another ledger"
        if not tx.endpoint_signatures:
            return "no endpoint signature"
        if abs(content.time_ms - self.clock()) > self._time_window_ms:
            return f"transaction time is more than {self._time_window_ms} ms from the node's time"
        return None

    async def _verify(
        self, transactions: Sequence[m.SignedTransaction], reasons: list[str | None]
    ) -> list[bool]:
        items: list[VerifyItem] = []
        owners: list[int] = []
        for index, (tx, reason) in enumerate(zip(transactions, reasons, strict=True)):
            if reason is not None:
                continue
            message = self.ledger.digest(codec.encode(tx.content)).to_bytes()
            for entry in (*tx.endpoint_signatures, *tx.node_signatures):
                items.append((entry.public_key, message, entry.signature))
                owners.append(index)
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(None, self.verifier.verify, items)
        verified = [True] * len(transactions)
        for owner, ok in zip(owners, results, strict=True):
            verified[owner] = verified[owner] and ok
        return verified

    # `ledger.is_known` below reads the store from the loop thread: it touches only the store
    # (thread-safe in every engine), never the state tree or the head.
    def _admit(
        self, tx: m.SignedTransaction, tx_hash: Digest, reason: str | None, wait: bool
    ) -> SubmitResult | asyncio.Future[SubmitResult]:
        if reason is None and self.ledger.is_known(tx_hash.raw):
            reason = "duplicate transaction: already on the ledger"
        if reason is None and tx_hash.raw not in self.mempool:
            reason = self.mempool.add(Pending(tx_hash.raw, tx))
        if reason is not None:
            return SubmitResult(tx_hash, SubmitStatus.REJECTED, reason)
        if not wait:
            return SubmitResult(tx_hash, SubmitStatus.ACCEPTED)
        future: asyncio.Future[SubmitResult] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(tx_hash.raw, []).append(future)
        return future

    async def _answer(
        self, tx_hash: Digest, answer: SubmitResult | asyncio.Future[SubmitResult]
    ) -> SubmitResult:
        if isinstance(answer, SubmitResult):
            return answer
        timeout = self.settings.commit_wait_ms / 1000
        try:
            return await asyncio.wait_for(asyncio.shield(answer), timeout)
        except TimeoutError:
            reason = f"not committed within {self.settings.commit_wait_ms} ms; still queued"
            return SubmitResult(tx_hash, SubmitStatus.ACCEPTED, reason)

    # --- the block pipeline -----------------------------------------------------------------------

    async def _pipeline(self) -> None:
        try:
            while not self._stopping:
                await self._wake.wait()
                self._wake.clear()
                if 0 < len(self.mempool) < self.settings.block_transactions_max:
                    await asyncio.sleep(self.settings.block_delay_ms / 1000)
                while len(self.mempool):
                    await self._propose(self.mempool.take(self.settings.block_transactions_max))
        except BaseException as error:
            self.failure = error
            log.exception("block pipeline of ledger %s failed", self.ledger.id.to_base58())
            self._fail_waiters(error)
            raise

    async def _propose(self, batch: list[Pending]) -> None:
        by_hash = {item.tx_hash: item.transaction for item in batch}
        effects = self.replica.on_batch_ready(tuple(by_hash), self.clock())
        for effect in effects:
            if isinstance(effect, Deliver):
                transactions = [by_hash[tx_hash] for tx_hash in effect.batch]
                commit = functools.partial(self._commit, transactions=transactions, effect=effect)
                self._announce(await self.read(commit))

    def _commit(
        self, ledger: Ledger, transactions: list[m.SignedTransaction], effect: Deliver
    ) -> BlockOutcome:
        """On the ledger thread: execute, certify with this participant's key, store."""
        outcome = ledger.apply(transactions, effect.time_ms, signatures_verified=True)
        signature = self.signer.sign(outcome.block_hash.to_bytes())
        entry = m.SignatureEntry(self.signer.public, signature)
        certificate = m.BlockCertificate(outcome.block.header.height, outcome.block_hash, [entry])
        ledger.commit(outcome, certificate)
        self._time_window_ms = ledger.settings().time_window_ms  # a block may have changed it
        return outcome

    def _announce(self, outcome: BlockOutcome) -> None:
        for result in outcome.block.results:
            answer = SubmitResult(
                result.tx_hash, SubmitStatus.COMMITTED, "", result, outcome.block_hash
            )
            self._resolve(result.tx_hash.raw, answer)
        for tx, reason in outcome.rejected:
            tx_hash = self.ledger.digest(codec.encode(tx.content))
            self._resolve(tx_hash.raw, SubmitResult(tx_hash, SubmitStatus.REJECTED, reason))
        for queue in list(self._subscribers):
            if not _offer(queue, outcome.block):
                self._subscribers.discard(queue)  # too slow: it resumes from its last height

    def _resolve(self, tx_hash: bytes, answer: SubmitResult) -> None:
        for future in self._waiters.pop(tx_hash, []):
            if not future.done():
                future.set_result(answer)

    def _fail_waiters(self, error: BaseException) -> None:
        for waiters in self._waiters.values():
            for future in waiters:
                if not future.done():
                    future.set_exception(NodeUnavailableError(f"block pipeline failed: {error}"))
        self._waiters.clear()

    # --- subscriptions --------------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[m.Block | None]:
        """A bounded queue of committed blocks; None means the subscription ended (too slow or
        shutting down): resume from the last height received."""
        queue: asyncio.Queue[m.Block | None] = asyncio.Queue(self.settings.subscriber_queue_max)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[m.Block | None]) -> None:
        self._subscribers.discard(queue)


def _offer(queue: asyncio.Queue[m.Block | None], block: m.Block | None) -> bool:
    """Put without waiting; on a full queue, end the subscription with None instead."""
    try:
        queue.put_nowait(block)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)
        return False
    return True
