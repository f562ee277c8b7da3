"""Batch signature verification (and signing) over every core.

Signature verification is the cost floor of the whole system, so it runs over batches, never one
signature per hand-off. The native libraries behind every scheme (libsodium and libsecp256k1
through cffi, OpenSSL through ctypes or Rust) release the GIL while they verify, so a pool of
threads scales with the cores and needs no pickling (`mode="thread"`, the default, ADR 0004).

But a thread must take the GIL back after every signature, and while other threads run Python
(a node's event loop and its ledger thread) each of those hand-backs can wait up to the
interpreter's switch interval (5 ms): measured in `jadechain dev`, intake of a 500-transaction
batch (one signing and one verification each) took 330-575 ms on threads against 55 ms for
executing the block. `mode="process"` runs the chunks in worker processes (started by a fork
server, so a multi-threaded node never forks itself), which pay for pickling the raw bytes but
hold no lock the node needs: nodes use it (ADR 0008).

A batch is cut into one contiguous chunk per worker (at least `chunk_items_min` items each), so the
hand-off cost is paid once per chunk rather than once per signature.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Literal, TypeVar

from jadechain.crypto.algorithms import algorithm_from_code
from jadechain.crypto.errors import CryptoError
from jadechain.crypto.registry import signature_scheme
from jadechain.crypto.types import PrivateKey, PublicKey, Signature

VerifyItem = tuple[PublicKey, bytes, Signature]
RawItem = tuple[
    int, bytes, bytes, bytes
]  # (algorithm code, raw public key, message, raw signature)

T = TypeVar("T")
CHUNK_ITEMS_MIN = 32  # below this a hand-off costs more than it saves
BATCH_ITEMS_MAX = 1_000_000  # one call's bound; callers batch blocks, not whole ledgers


def _verify_raw_chunk(chunk: Sequence[RawItem]) -> list[bool]:
    results: list[bool] = []
    schemes: dict[int, object] = {}
    for code, public, message, signature in chunk:
        try:
            scheme = schemes.get(code) or signature_scheme(algorithm_from_code(code))
            schemes[code] = scheme
            ok = scheme.verify(public, message, signature)  # type: ignore[attr-defined]
        except CryptoError:
            ok = False
        results.append(bool(ok))
    return results


def _sign_raw_chunk(code: int, private: bytes, messages: Sequence[bytes]) -> list[bytes]:
    scheme = signature_scheme(algorithm_from_code(code))
    return [scheme.sign(private, message) for message in messages]


def _ready() -> bool:
    return True


def _end_with(parent: int) -> None:
    """Worker initializer: end this worker as soon as the process that made the pool ends, even
    by SIGKILL (its queues stay open in the workers, so they would otherwise wait forever)."""
    try:
        watched = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd (not Linux >= 5.3): only `close` ends workers
        return

    def wait() -> None:
        select.select([watched], [], [])
        os._exit(0)

    threading.Thread(target=wait, name="parent-watch", daemon=True).start()


def _raw(item: VerifyItem) -> RawItem:
    public, message, signature = item
    if public.algorithm != signature.algorithm:
        # A signature of another algorithm can never verify; code 0 is unknown, so it fails.
        return (0, public.raw, message, signature.raw)
    return (int(public.algorithm), public.raw, message, signature.raw)


def _chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = -(-len(items) // count)
    return [items[start : start + size] for start in range(0, len(items), size)]


class BatchVerifier:
    """Verifies lists of (public key, message, signature) on every core, one bool per item; and
    signs lists of messages with one key."""

    def __init__(
        self,
        workers: int | None = None,
        mode: Literal["thread", "process"] = "thread",
        chunk_items_min: int = CHUNK_ITEMS_MIN,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.mode = mode
        self.chunk_items_min = max(1, chunk_items_min)
        self._executor: Executor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.mode == "process":
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])  # workers start with this module
                self._executor = ProcessPoolExecutor(
                    self.workers, context, initializer=_end_with, initargs=(os.getpid(),)
                )
            else:
                self._executor = ThreadPoolExecutor(self.workers, "jadechain-verify")
        return self._executor

    def verify(self, items: Sequence[VerifyItem]) -> list[bool]:
        if len(items) > BATCH_ITEMS_MAX:
            raise ValueError(f"batch of {len(items)} items exceeds {BATCH_ITEMS_MAX}")
        raw = [_raw(item) for item in items]
        chunk_count = min(self.workers, len(raw) // self.chunk_items_min)
        if chunk_count <= 1:
            return _verify_raw_chunk(raw)
        futures = [self._pool().submit(_verify_raw_chunk, c) for c in _chunks(raw, chunk_count)]
        return [ok for future in futures for ok in future.result()]

    def sign(self, private: PrivateKey, messages: Sequence[bytes]) -> list[Signature]:
        """`private`'s signature of each message, in order."""
        if len(messages) > BATCH_ITEMS_MAX:
            raise ValueError(f"batch of {len(messages)} messages exceeds {BATCH_ITEMS_MAX}")
        code, chunk_count = (
            int(private.algorithm),
            min(self.workers, len(messages) // self.chunk_items_min),
        )
        if chunk_count <= 1:
            raws = _sign_raw_chunk(code, private.raw, messages)
        else:
            pool = self._pool()
            chunks = _chunks(messages, chunk_count)
            futures = [pool.submit(_sign_raw_chunk, code, private.raw, c) for c in chunks]
            raws = [raw for future in futures for raw in future.result()]
        return [Signature(private.algorithm, raw) for raw in raws]

    def start(self) -> None:
        """Start the workers now rather than on the first batch (a process pool takes a while)."""
        pool = self._pool()
        for future in [pool.submit(_ready) for _ in range(self.workers)]:
            future.result()

    def verify_all(self, items: Sequence[VerifyItem]) -> bool:
        return all(self.verify(items))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def __enter__(self) -> BatchVerifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
