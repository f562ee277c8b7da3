"""One hosted ledger: intake (checks and batch signature verification), the mempool, the block
pipeline (batch -> consensus -> execute -> certificate -> store) and commit notifications.

The pipeline: batches of admitted transactions (encoded) are offered to the consensus replica;
the replica's effects are carried out here -- messages go to the peers through `links` (see
`peering`), timers call it back, and decided batches queue for the committer, which executes
them strictly in height order (see `blocks`). Blocks fetched by block sync go through the same
queue, so the two never race. At most `batches_in_flight_max` of this node's batches wait for a
decision at once; the mempool holds the rest.

Threads: the asyncio loop runs intake, the replica and the pipeline's control; every read and
write of the ledger runs on one dedicated thread (`read`), because the store has one writer and
the state tree's caches are not thread-safe. Signature verification runs on the verifier's pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from jadechain import codec
from jadechain.api import NetworkStatus, PeerLink, SubmitResult, SubmitStatus
from jadechain.consensus import Deliver, Effect, Replica, Send, SetTimer, SoloReplica
from jadechain.crypto import BatchVerifier, Digest, KeyPair, address_of
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome
from jadechain.ledger.store import Ledger
from jadechain.node.blocks import (
    Admitted,
    DivergenceError,
    LocalTransactions,
    Prepared,
    execute,
    install,
    signatures_valid,
    transactions_of,
)
from jadechain.node.mempool import MEMPOOL_TRANSACTIONS_MAX, Mempool, Pending

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    block_transactions_max: int = 2000
    block_delay_ms: int = 10  # how long a block waits for more transactions once one arrives
    mempool_transactions_max: int = MEMPOOL_TRANSACTIONS_MAX
    commit_wait_ms: int = 30_000  # a waiting submit answers "accepted" after this long
    batches_in_flight_max: int = 8  # this node's batches offered to consensus, not yet committed
    batch_bytes_max: int = 3 * 1024 * 1024  # encoded transactions per batch (bft refuses > 4 MiB)
    subscriber_queue_max: int = 1024  # committed blocks buffered per subscriber
    crypto_workers: Literal["thread", "process"] = "thread"  # the batch verifier's pool (ADR 0008)


CERTIFICATE_POLL_MS = 20


class Links(Protocol):
    """Where the replica's messages go: the ledger's peers (see `peering`)."""

    def send(self, node_id: str, payload: bytes) -> bool: ...

    def broadcast(self, payload: bytes) -> None: ...

    def peer_links(self) -> list[PeerLink]: ...

    def certified_height(self) -> int: ...

    def quorum(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Synced:
    """A certified block from block sync, queued for installation."""

    block: m.Block
    certificate: m.BlockCertificate


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
        self._own_verifier = verifier is None  # made here: started and closed with the host
        self.verifier = verifier or BatchVerifier(mode=self.settings.crypto_workers)
        self.clock = clock
        self.replica = replica or SoloReplica(ledger.height, ledger.head.time_ms)
        self.mempool = Mempool(self.settings.mempool_transactions_max)
        self.links: Links | None = None  # set by `peering` when the ledger has other participants
        self.on_commit: Callable[[BlockOutcome], None] | None = None
        self.diverged = ""
        self._hash = ledger.hash_algorithm
        self._local = LocalTransactions()
        self._in_flight: dict[tuple[bytes, ...], int] = {}  # offered batch -> when (ms)
        self._jobs: asyncio.Queue[Deliver | Synced | None] = asyncio.Queue()
        self._timer_at: int | None = None
        self._tick_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._thread = ThreadPoolExecutor(1, f"ledger-{ledger.id.to_base58()[:8]}")
        self._waiters: dict[bytes, list[asyncio.Future[SubmitResult]]] = {}
        self._subscribers: set[asyncio.Queue[m.Block | None]] = set()
        self._wake = asyncio.Event()
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
        if self._own_verifier:
            await asyncio.to_thread(self.verifier.start)
        self._tasks = [
            asyncio.create_task(self._pipeline(), name="block-pipeline"),
            asyncio.create_task(self._committer(), name="block-committer"),
            asyncio.create_task(self._ticker(), name="consensus-timers"),
        ]
        self._drive(self.replica.on_tick(self.clock()))

    async def stop(self) -> None:
        """Finish the block in progress, answer every waiter, stop the pipeline."""
        self._stopping = True
        self._wake.set()
        self._tick_wake.set()
        self._jobs.put_nowait(None)
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await task
        for waiters in self._waiters.values():
            for future in waiters:
                if not future.done():
                    future.set_exception(NodeUnavailableError("the node is shutting down"))
        self._waiters.clear()
        for queue in list(self._subscribers):
            _offer(queue, None)
        self._stopped = True
        self._thread.shutdown(wait=True)
        if self._own_verifier:
            self.verifier.close()

    # --- intake ---------------------------------------------------------------------------------

    async def submit(
        self,
        transactions: Sequence[m.SignedTransaction],
        wait: bool = True,
        prepared: Prepared | None = None,
    ) -> list[SubmitResult]:
        """Check, verify and queue transactions; with `wait`, answer once each is committed.
        `prepared`: hashes and own signatures an in-process caller already has (see `Prepared`)."""
        if self._stopping or self.failure is not None:
            raise NodeUnavailableError("the ledger's pipeline is not running")
        hashes, prepared = self._prepared(transactions, prepared)
        reasons = [self._precheck(tx) for tx in transactions]
        verified = await self._verify(transactions, reasons, prepared)
        answers: list[SubmitResult | asyncio.Future[SubmitResult]] = []
        for tx, tx_hash, early, ok in zip(transactions, hashes, reasons, verified, strict=True):
            reason = early or (None if ok else "bad signature")
            answers.append(self._admit(tx, tx_hash, reason, wait))
        self._wake.set()
        return [await self._answer(tx_hash, a) for tx_hash, a in zip(hashes, answers, strict=True)]

    def _prepared(
        self, transactions: Sequence[m.SignedTransaction], given: Prepared | None
    ) -> tuple[list[Digest], Prepared]:
        """Every hash (computed here when the caller did not know it), and `given` with them."""
        count = len(transactions)
        known = [None] * count if given is None else given.hashes
        own = [None] * count if given is None else given.own
        if len(known) != count or len(own) != count:
            raise ValueError("prepared hashes and signatures must match the transactions")
        digest, algorithm = self.ledger.digest, self._hash
        hashes = [
            h if h is not None and h.algorithm == algorithm else digest(codec.encode(tx.content))
            for tx, h in zip(transactions, known, strict=True)
        ]
        return hashes, Prepared(hashes, own)

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
        self,
        transactions: Sequence[m.SignedTransaction],
        reasons: list[str | None],
        prepared: Prepared,
    ) -> list[bool]:
        """Signatures of the transactions not already refused (those count as verified)."""
        pairs = zip(transactions, reasons, strict=True)
        checked = [tx if reason is None else None for tx, reason in pairs]
        valid = await signatures_valid(checked, self.ledger.digest, self.verifier, prepared)
        return [ok or reason is not None for ok, reason in zip(valid, reasons, strict=True)]

    # `ledger.is_known` below reads the store from the loop thread: it touches only the store
    # (thread-safe in every engine), never the state tree or the head.
    def _admit(
        self, tx: m.SignedTransaction, tx_hash: Digest, reason: str | None, wait: bool
    ) -> SubmitResult | asyncio.Future[SubmitResult]:
        if reason is None and self.ledger.is_known(tx_hash.raw):
            reason = "duplicate transaction: already on the ledger"
        if reason is None and tx_hash.raw not in self.mempool:
            reason = self.mempool.add(Pending(tx_hash.raw, tx, tx_hash))
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
                while len(self.mempool) and self._room_for_batch():
                    self._offer(self.mempool.take(self.settings.block_transactions_max))
        except BaseException as error:
            self._fail(error)
            raise

    def _room_for_batch(self) -> bool:
        now = self.clock()
        expired = [k for k, t in self._in_flight.items() if now - t > self.settings.commit_wait_ms]
        for key in expired:  # never decided (e.g. a solo leader went away): stop waiting for it
            del self._in_flight[key]
        return len(self._in_flight) < self.settings.batches_in_flight_max

    def _offer(self, batch: list[Pending]) -> None:
        """Encode and offer `batch`, cut into batches of at most `batch_bytes_max` bytes."""
        encoded: list[bytes] = []
        size = 0
        for item in batch:
            data = codec.encode(item.transaction)
            self._local.remember(data, Admitted(item.transaction, item.digest))
            if encoded and size + len(data) > self.settings.batch_bytes_max:
                self._offer_encoded(tuple(encoded))
                encoded, size = [], 0
            encoded.append(data)
            size += len(data)
        if encoded:
            self._offer_encoded(tuple(encoded))

    def _offer_encoded(self, offered: tuple[bytes, ...]) -> None:
        self._in_flight[offered] = self.clock()
        self._drive(self.replica.on_batch_ready(offered, self.clock()))

    def on_consensus_message(self, sender: str, payload: bytes) -> None:
        """A consensus message from a peer (called by `peering`, on the loop)."""
        if not self._stopping and self.failure is None:
            self._drive(self.replica.on_message(sender, payload, self.clock()))

    def _drive(self, effects: list[Effect]) -> None:
        """Carry out a replica's effects."""
        for effect in effects:
            if isinstance(effect, Deliver):
                self._jobs.put_nowait(effect)
            elif isinstance(effect, SetTimer):
                self._set_timer(effect.at_ms)
            elif self.links is None:
                continue  # a replica without peers has nobody to talk to
            elif isinstance(effect, Send):
                self.links.send(effect.to, effect.message)
            else:
                self.links.broadcast(effect.message)

    def _set_timer(self, at_ms: int) -> None:
        if self._timer_at is None or at_ms < self._timer_at:
            self._timer_at = at_ms
            self._tick_wake.set()

    async def _ticker(self) -> None:
        while not self._stopping:
            delay = None if self._timer_at is None else (self._timer_at - self.clock()) / 1000
            if delay is None or delay > 0:
                self._tick_wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._tick_wake.wait(), delay)
                continue
            self._timer_at = None
            if self.failure is None:
                self._drive(self.replica.on_tick(self.clock()))

    def install_synced(self, block: m.Block, certificate: m.BlockCertificate) -> None:
        """Queue a certified block fetched from a peer (called by `peering`)."""
        self._jobs.put_nowait(Synced(block, certificate))

    async def _committer(self) -> None:
        try:
            while True:
                job = await self._jobs.get()
                if job is None:
                    return
                if isinstance(job, Deliver):
                    await self._commit_decided(job)
                else:
                    await self._install(job)
                self._wake.set()
        except BaseException as error:
            self._fail(error)
            raise

    async def _commit_decided(self, decided: Deliver) -> None:
        self._in_flight.pop(decided.batch, None)
        if decided.height <= self.ledger.height:
            return  # already installed by block sync
        if decided.height != self.ledger.height + 1:
            raise RuntimeError(f"consensus decided {decided.height} after {self.ledger.height}")
        transactions = await transactions_of(
            decided.batch, self._local, self.ledger.digest, self.verifier
        )
        run = functools.partial(
            execute, signer=self.signer, transactions=transactions, time_ms=decided.time_ms
        )
        outcome, window = await self.read(functools.partial(_with_window, run))
        assert outcome is not None, "execute always makes a block"
        self._committed(outcome, window)

    async def _install(self, job: Synced) -> None:
        try:
            run = functools.partial(install, block=job.block, certificate=job.certificate)
            outcome, window = await self.read(functools.partial(_with_window, run))
        except DivergenceError as error:
            self.halt(str(error))
            return
        if outcome is not None:
            self._committed(outcome, window)
            header = outcome.block.header
            self._drive(self.replica.on_synced(header.height, header.time_ms, self.clock()))

    def _committed(self, outcome: BlockOutcome, time_window_ms: int) -> None:
        self._time_window_ms = time_window_ms  # a block may have changed the settings
        self._announce(outcome)
        if self.on_commit is not None:
            self.on_commit(outcome)

    def halt(self, reason: str) -> None:
        """Stop accepting and committing (divergence): the reason shows in the status."""
        log.error("ledger %s halted: %s", self.ledger.id.to_base58(), reason)
        self.diverged = reason
        self._fail(NodeUnavailableError(f"halted: {reason}"))

    def _fail(self, error: BaseException) -> None:
        if self.failure is None:
            self.failure = error
            if not isinstance(error, NodeUnavailableError):
                log.error("block pipeline of %s failed: %r", self.ledger.id.to_base58(), error)
        self._fail_waiters(error)

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

    # --- status ---------------------------------------------------------------------------------

    async def certificate(self, height: int, wait_ms: int = 0) -> m.BlockCertificate | None:
        """The stored certificate of block `height`; on a networked peer, waiting up to
        `wait_ms` for it to gather a quorum (a just-committed block is signed by this node only
        until its peers' votes arrive)."""
        deadline = self.clock() + wait_ms
        while True:
            found = await self.read(lambda ledger: ledger.certificate(height))
            links = self.links
            if found is None or links is None or len(found.signatures) >= links.quorum():
                return found
            if self.clock() >= deadline or self._stopping:
                return found
            await asyncio.sleep(CERTIFICATE_POLL_MS / 1000)

    def network_status(self) -> NetworkStatus:
        """This peer's consensus state and links (`GET .../network`, `jadechain net status`)."""
        replica = self.replica.status()
        height = self.ledger.height
        return NetworkStatus(
            node=address_of(self.signer.public),
            provider=replica.provider,
            view=replica.view,
            leader=replica.leader,
            height=height,
            certified_height=height if self.links is None else self.links.certified_height(),
            diverged=self.diverged,
            peers=[] if self.links is None else self.links.peer_links(),
        )

    # --- subscriptions --------------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[m.Block | None]:
        """A bounded queue of committed blocks; None means the subscription ended (too slow or
        shutting down): resume from the last height received."""
        queue: asyncio.Queue[m.Block | None] = asyncio.Queue(self.settings.subscriber_queue_max)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[m.Block | None]) -> None:
        self._subscribers.discard(queue)


def _with_window(
    run: Callable[[Ledger], BlockOutcome | None], ledger: Ledger
) -> tuple[BlockOutcome | None, int]:
    """On the ledger thread: run a commit, then read the (possibly changed) time window."""
    outcome = run(ledger)
    return outcome, ledger.settings().time_window_ms


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
