"""Proofs of inclusion and of absence, and their verification (pure: no store, bounded work).

A proof follows the path of H(key) from the root down (see `nodes` for the layout):

- `levels`: one `ProofLevel` per internal node on the path, root first: its bitmap and the hashes of
  its other children (the siblings) in slot order. Every level but the last has the path's slot
  set; the last level may lack it, which proves absence ("the path ends in an empty slot").
- `leaf`: the leaf where the path ends, as (H(key), H(value)), or None when it ends in an empty
  slot or the tree is empty.

The proof shows `key -> value` when `leaf` is (H(key), H(value)). It shows `key` absent when the
path ends in an empty slot, when the tree is empty (no levels, no leaf, root `EMPTY_ROOT`), or when
it ends in the leaf of another key whose hash shares the path so far (that leaf is alone in its
subtree, so no other key with that prefix exists). The verifier recomputes the root from the bottom
up with the same hashes as the tree and compares it with the trusted root; every field of a proof
is either hashed into that root or checked against the key and value.
"""

from __future__ import annotations

from collections.abc import Callable

from jadechain.codec import Record
from jadechain.crypto.algorithms import Algorithm
from jadechain.ledger.merkle.nodes import (
    DEPTH_MAX,
    EMPTY_ROOT,
    HASH_BYTES,
    INTERNAL_PREFIX,
    LEAF_PREFIX,
    NIBBLE,
    RADIX,
    digest_function,
)


class ProofLevel(Record, frozen=True):
    """An internal node on the key's path: which slots hold children, and the other children."""

    bitmap: int
    siblings: list[bytes]


class ProofLeaf(Record, frozen=True):
    """The leaf where the key's path ends: the hash of its key and the hash of its value."""

    key_hash: bytes
    value_hash: bytes


class MerkleProof(Record, frozen=True):
    """Inclusion or absence of one key under one root; verify with `verify_proof`."""

    levels: list[ProofLevel]
    leaf: ProofLeaf | None = None


def _is_hash(value: object) -> bool:
    return type(value) is bytes and len(value) == HASH_BYTES


def verify_proof(
    root: bytes,
    key: bytes,
    value: bytes | None,
    proof: MerkleProof,
    hash_algorithm: Algorithm,
) -> bool:
    """True iff `proof` shows `key -> value` under `root` (or `key` absent, when `value` is None).

    Never raises: a malformed proof (also one built in Python with wrong types, which msgspec does
    not check on construction) or an unusable algorithm gives False. Work is bounded: at most
    `DEPTH_MAX` levels of at most 15 siblings, so at most DEPTH_MAX + 3 hashes.
    """
    try:
        return _verify(root, key, value, proof, hash_algorithm)
    except Exception:
        return False


_FAIL = b""  # a bottom that no root equals


def _bottom(
    leaf: object, key_hash: bytes, value: bytes | None, depth: int, digest: Callable[[bytes], bytes]
) -> bytes | None:
    """The hash that the proof's leaf puts at the end of the path (None: an empty slot), or
    `_FAIL` when the leaf does not show `key -> value` (or `key` absent when `value` is None)."""
    if leaf is None:
        return None if value is None else _FAIL
    if not isinstance(leaf, ProofLeaf):
        return _FAIL
    other, value_hash = leaf.key_hash, leaf.value_hash
    if not (_is_hash(other) and _is_hash(value_hash)):
        return _FAIL
    if value is None:
        # Absent if the path ends in another key's leaf: it must be on the same path.
        if other == key_hash or other.hex()[:depth] != key_hash.hex()[:depth]:
            return _FAIL
    elif other != key_hash or value_hash != digest(value):
        return _FAIL
    return digest(LEAF_PREFIX + other + value_hash)


def _level(level: object, digit: str, node: bytes | None) -> bytes | None:
    """The preimage of one internal node of the path with `node` in its slot `digit` (None: that
    slot must be empty), or None when the level is malformed."""
    if not isinstance(level, ProofLevel):
        return None
    bitmap, siblings = level.bitmap, level.siblings
    if type(bitmap) is not int or not 0 < bitmap < 1 << RADIX or type(siblings) is not list:
        return None
    bit = 1 << NIBBLE[digit]
    if (node is None) == bool(bitmap & bit):  # the slot is empty iff the path ends here, empty
        return None
    expected = bitmap.bit_count() - (node is not None)
    if len(siblings) != expected or not all(_is_hash(sibling) for sibling in siblings):
        return None
    index = (bitmap & (bit - 1)).bit_count()
    children = siblings if node is None else [*siblings[:index], node, *siblings[index:]]
    return INTERNAL_PREFIX + bitmap.to_bytes(2, "big") + b"".join(children)


def _verify(
    root: bytes, key: bytes, value: bytes | None, proof: MerkleProof, hash_algorithm: Algorithm
) -> bool:
    if not isinstance(proof, MerkleProof) or not _is_hash(root):
        return False
    levels = proof.levels
    if type(levels) is not list or len(levels) > DEPTH_MAX:
        return False
    digest = digest_function(hash_algorithm)
    key_hash = digest(key)
    node = _bottom(proof.leaf, key_hash, value, len(levels), digest)
    if node == _FAIL:
        return False
    if node is None and not levels:
        return root == EMPTY_ROOT
    path = key_hash.hex()
    for depth in range(len(levels) - 1, -1, -1):
        preimage = _level(levels[depth], path[depth], node)
        if preimage is None:
            return False
        node = digest(preimage)
    return node == root
