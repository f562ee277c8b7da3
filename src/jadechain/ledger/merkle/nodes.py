"""Node layout and hashing of the state tree, shared by the tree and the proof verifier.

The tree is a 16-ary radix tree over the 64 hex digits ("nibbles") of H(key), with single-leaf
subtrees compressed as in Diem/Aptos' Jellyfish Merkle Tree: a leaf sits at the shallowest depth at
which no other key shares its path, so depth is about log16(number of keys).

Node bytes (what the store holds under `prefix + node hash`):

- leaf:     0x00 || H(key) || H(value) || len(key) as 4 bytes big-endian || key || value
- internal: 0x01 || bitmap as 2 bytes big-endian || the present children's hashes, in slot order

Bit n of the bitmap (value 1 << n) says whether slot n (nibble value n) holds a child. An internal
node has at least one child; it has exactly one only when that child is itself internal (two or more
keys share a longer path), never a lone leaf.

Hashes (H is the ledger's hash algorithm, SHA-256 or SM3, 32-byte digests):

- leaf hash     = H(0x00 || H(key) || H(value))           (the first 65 bytes of the leaf's bytes)
- internal hash = H(0x01 || bitmap || children's hashes)   (all of the internal node's bytes)

The tag byte separates the two domains, so no leaf can pass for an internal node or the reverse. A
leaf's hash does not depend on its depth, so moving a leaf up or down (after deletes or inserts next
to it) creates no new leaf node. The empty tree's root is `EMPTY_ROOT`, 32 zero bytes, for every
algorithm; no node hashes to it (that would be a preimage of zero).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.registry import hash_scheme

HASH_BYTES = 32
EMPTY_ROOT = bytes(HASH_BYTES)
RADIX = 16
DEPTH_MAX = 2 * HASH_BYTES  # nibbles in a path: at most this many internal nodes above a leaf
LEAF_TAG = 0x00
INTERNAL_TAG = 0x01
LEAF_HEAD_BYTES = 1 + 2 * HASH_BYTES  # tag, H(key), H(value): the leaf hash preimage
LEAF_KEY_OFFSET = LEAF_HEAD_BYTES + 4
INTERNAL_HEAD_BYTES = 3  # tag, bitmap

LEAF_PREFIX = bytes([LEAF_TAG])
INTERNAL_PREFIX = bytes([INTERNAL_TAG])

# Hex digit of a path -> slot number.
NIBBLE: dict[str, int] = {digit: int(digit, 16) for digit in "0123456789abcdef"}


class MerkleError(Exception):
    """The tree cannot do what was asked: an unknown root, or a store missing nodes."""


class MissingNodeError(MerkleError, LookupError):
    """A node is neither pending nor in the store: an unknown root, or its batch never written."""


class HashObject(Protocol):
    def digest(self) -> bytes: ...


HashConstructor = Callable[[bytes], HashObject]


class _Digested:
    __slots__ = ("_digest",)

    def __init__(self, digest: bytes) -> None:
        self._digest = digest

    def digest(self) -> bytes:
        return self._digest


def hash_constructor(algorithm: Algorithm) -> HashConstructor:
    """A callable `data -> object with .digest()` for `algorithm`, equal to its hash scheme.

    SHA-256 is `hashlib.sha256` itself and SM3 copies a prepared OpenSSL context (both avoid a
    Python frame or an algorithm fetch per hash on the hot path); anything else goes through
    `jadechain.crypto.registry.hash_scheme`.
    """
    if not algorithm.is_hash:
        raise ValueError(f"{algorithm.info.name} is not a hash algorithm")
    if algorithm.info.digest_bytes != HASH_BYTES:
        raise ValueError(f"the tree needs {HASH_BYTES}-byte digests, not {algorithm.info.name}")
    if algorithm is Algorithm.SHA256:
        return hashlib.sha256
    if algorithm is Algorithm.SM3:
        try:
            prepared = hashlib.new("sm3")
        except ValueError:  # no SM3 in this OpenSSL: let the registry explain
            pass
        else:
            copy = prepared.copy

            def sm3(data: bytes) -> HashObject:
                context = copy()
                context.update(data)
                return context

            return sm3
    digest = hash_scheme(algorithm).digest

    def generic(data: bytes) -> HashObject:
        return _Digested(digest(data))

    return generic


def digest_function(algorithm: Algorithm) -> Callable[[bytes], bytes]:
    """`data -> H(data)` for `algorithm`."""
    new = hash_constructor(algorithm)

    def digest(data: bytes) -> bytes:
        return new(data).digest()

    return digest


def encode_leaf(key_hash: bytes, value_hash: bytes, key: bytes, value: bytes) -> bytes:
    return b"".join((LEAF_PREFIX, key_hash, value_hash, len(key).to_bytes(4, "big"), key, value))


def leaf_key_hash(node: bytes) -> bytes:
    return node[1 : 1 + HASH_BYTES]


def leaf_value_hash(node: bytes) -> bytes:
    return node[1 + HASH_BYTES : LEAF_HEAD_BYTES]


def leaf_key(node: bytes) -> bytes:
    length = int.from_bytes(node[LEAF_HEAD_BYTES:LEAF_KEY_OFFSET], "big")
    return node[LEAF_KEY_OFFSET : LEAF_KEY_OFFSET + length]


def leaf_value(node: bytes) -> bytes:
    length = int.from_bytes(node[LEAF_HEAD_BYTES:LEAF_KEY_OFFSET], "big")
    return node[LEAF_KEY_OFFSET + length :]


def internal_bitmap(node: bytes) -> int:
    return node[1] << 8 | node[2]


def child_offset(bitmap: int, bit: int) -> int:
    """Where, in an internal node's bytes, the child of slot `bit` (1 << n) is or would go."""
    return INTERNAL_HEAD_BYTES + HASH_BYTES * (bitmap & (bit - 1)).bit_count()


def internal_children(node: bytes) -> list[bytes]:
    """The hashes of an internal node's children, in slot order."""
    return [node[offset : offset + HASH_BYTES] for offset in range(3, len(node), HASH_BYTES)]


def internal_node(bitmap: int, children: list[bytes]) -> bytes:
    return INTERNAL_PREFIX + bitmap.to_bytes(2, "big") + b"".join(children)
