"""The batch verifier: one correct result per item, in order, whatever the mix."""

from __future__ import annotations

import os

import pytest

from jadechain.crypto import Algorithm, BatchVerifier, KeyPair, PublicKey, Signature
from jadechain.crypto.algorithms import SIGNATURE_ALGORITHMS
from jadechain.crypto.batch import VerifyItem


def _items(count: int) -> tuple[list[VerifyItem], list[bool]]:
    keypairs = [KeyPair.generate(a) for a in SIGNATURE_ALGORITHMS]
    items: list[VerifyItem] = []
    expected: list[bool] = []
    for index in range(count):
        keypair = keypairs[index % len(keypairs)]
        message = os.urandom(32)
        signature = keypair.sign(message)
        if index % 7 == 3:  # every seventh item is forged
            message = message[:-1] + bytes([message[-1] ^ 1])
        items.append((keypair.public, message, signature))
        expected.append(index % 7 != 3)
    return items, expected


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_results_match_items_in_order(mode: str) -> None:
    items, expected = _items(300)
    with BatchVerifier(workers=2, mode=mode, chunk_items_min=8) as verifier:  # type: ignore[arg-type]
        assert verifier.verify(items) == expected
        assert not verifier.verify_all(items)
        assert verifier.verify_all([item for item, ok in zip(items, expected, strict=True) if ok])


def test_small_and_empty_batches() -> None:
    items, expected = _items(5)
    verifier = BatchVerifier(workers=4)
    assert verifier.verify([]) == []
    assert verifier.verify(items) == expected
    verifier.close()


def test_garbage_items_fail_without_raising() -> None:
    ed = KeyPair.generate(Algorithm.ED25519)
    k1 = KeyPair.generate(Algorithm.SECP256K1)
    bogus_key = PublicKey(Algorithm.SECP256K1, b"\x02" + b"\xff" * 32)
    items: list[VerifyItem] = [
        (ed.public, b"m", k1.sign(b"m")),  # signature of another algorithm
        (bogus_key, b"m", k1.sign(b"m")),  # key that is not a curve point
        (ed.public, b"m", Signature(Algorithm.ED25519, bytes(64))),  # all-zero signature
        (ed.public, b"m", ed.sign(b"m")),
    ]
    assert BatchVerifier(workers=1).verify(items) == [False, False, False, True]
