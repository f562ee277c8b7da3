"""The ordered-list Merkle root and its inclusion proofs."""

from __future__ import annotations

import hashlib

import pytest

from jadechain.crypto import Algorithm
from jadechain.ledger.listroot import ListProof, hasher_for, list_root, prove_item, verify_item


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_known_shapes() -> None:
    a, b, c = b"a", b"b", b"c"
    leaf = [sha(b"\x00" + x) for x in (a, b, c)]
    assert list_root(sha, []) == sha(b"")
    assert list_root(sha, [a]) == leaf[0]
    assert list_root(sha, [a, b]) == sha(b"\x01" + leaf[0] + leaf[1])
    left = sha(b"\x01" + leaf[0] + leaf[1])
    assert list_root(sha, [a, b, c]) == sha(b"\x01" + left + leaf[2])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_every_item_proves_and_nothing_else_does(count: int) -> None:
    items = [f"tx-{i}".encode() for i in range(count)]
    root = list_root(sha, items)
    for index, item in enumerate(items):
        proof = prove_item(sha, items, index)
        assert verify_item(sha, root, item, proof)
        assert not verify_item(sha, root, item + b"!", proof)
        if count > 1:
            other = (index + 1) % count
            moved = ListProof(index=other, count=count, path=proof.path)
            assert not verify_item(sha, root, item, moved)
        if proof.path:
            shortened = ListProof(index, count, proof.path[:-1])
            assert not verify_item(sha, root, item, shortened)


def test_malformed_proofs_are_false() -> None:
    items = [b"x", b"y"]
    root = list_root(sha, items)
    assert not verify_item(sha, root, b"x", ListProof(index=-1, count=2, path=[]))
    assert not verify_item(sha, root, b"x", ListProof(index=0, count=2, path=[b"\x00"] * 100))
    with pytest.raises(IndexError):
        prove_item(sha, items, 2)


def test_hasher_matches_the_algorithms() -> None:
    assert hasher_for(Algorithm.SHA256)(b"abc") == hashlib.sha256(b"abc").digest()
    assert hasher_for(Algorithm.SM3)(b"abc") == hashlib.new("sm3", b"abc").digest()
    with pytest.raises(ValueError, match="not a ledger hash"):
        hasher_for(Algorithm.ED25519)


def test_bottom_up_root_equals_the_recursive_definition() -> None:
    from jadechain.ledger.listroot import _root

    for count in range(1, 70):
        items = [bytes([i % 256, i // 256]) for i in range(count)]
        leaves = [sha(b"\x00" + item) for item in items]
        assert list_root(sha, items) == _root(sha, leaves), count
