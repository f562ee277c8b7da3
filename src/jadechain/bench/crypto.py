"""`jadechain bench crypto`: sign and verify rates per algorithm, on one core and on all cores.

Each rate is the best of `rounds` timed rounds of about `seconds` each (the machine is shared and
noisy: the best round is the least disturbed). Messages are 32-byte digests, as transactions sign
their hash. The all-cores figure goes through the BatchVerifier exactly as the node will.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from jadechain.crypto import Algorithm, BatchVerifier, KeyPair, PublicKey, Signature, verify
from jadechain.crypto.algorithms import SIGNATURE_ALGORITHMS

POOL_SIGNATURES = 512  # distinct signed messages cycled through by the verify loops


@dataclass(frozen=True)
class CryptoFigures:
    algorithm: str
    sign_per_s: float
    verify_per_s_one_core: float
    verify_per_s_all_cores: float
    cores: int
    mode: str

    @property
    def speedup(self) -> float:
        return self.verify_per_s_all_cores / self.verify_per_s_one_core

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "speedup": round(self.speedup, 2)}


def _rate(operation: Callable[[], int], seconds: float, rounds: int) -> float:
    """Best operations per second over `rounds` rounds; `operation` returns how many it did."""
    best = 0.0
    for _ in range(rounds):
        done = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            done += operation()
        best = max(best, done / (time.perf_counter() - start))
    return best


def _pool(keypair: KeyPair) -> list[tuple[PublicKey, bytes, Signature]]:
    messages = [os.urandom(32) for _ in range(POOL_SIGNATURES)]
    return [(keypair.public, message, keypair.sign(message)) for message in messages]


def measure(
    algorithm: Algorithm,
    seconds: float = 1.0,
    rounds: int = 3,
    workers: int | None = None,
    mode: str = "thread",
) -> CryptoFigures:
    keypair = KeyPair.generate(algorithm)
    pool = _pool(keypair)
    message = os.urandom(32)

    def sign_some() -> int:
        for _ in range(32):
            keypair.sign(message)
        return 32

    def verify_some() -> int:
        for public, data, signature in pool[:64]:
            if not verify(public, data, signature):
                raise AssertionError("benchmark signature failed to verify")
        return 64

    with BatchVerifier(workers=workers, mode=mode) as verifier:  # type: ignore[arg-type]
        batch = pool * 8

        def verify_batch() -> int:
            if not verifier.verify_all(batch):
                raise AssertionError("benchmark batch failed to verify")
            return len(batch)

        verify_batch()  # start the workers before timing
        all_cores = _rate(verify_batch, seconds, rounds)
        cores = verifier.workers
    return CryptoFigures(
        algorithm=algorithm.info.name,
        sign_per_s=_rate(sign_some, seconds, rounds),
        verify_per_s_one_core=_rate(verify_some, seconds, rounds),
        verify_per_s_all_cores=all_cores,
        cores=cores,
        mode=mode,
    )


def run(
    algorithms: Sequence[Algorithm] = SIGNATURE_ALGORITHMS,
    seconds: float = 1.0,
    rounds: int = 3,
    workers: int | None = None,
    mode: str = "thread",
    progress: Callable[[str], None] | None = None,
) -> list[CryptoFigures]:
    figures = []
    for algorithm in algorithms:
        if progress:
            progress(f"measuring {algorithm.info.name} ...")
        figures.append(measure(algorithm, seconds, rounds, workers, mode))
    return figures
