"""A Merkle root over an ordered list, with inclusion proofs (transactions and results of a block).

Shape as in RFC 6962 (Certificate Transparency): leaf = H(0x00 || item), node = H(0x01 || left ||
right); a list of n > 1 items splits at the largest power of two below n. The empty list's root is
H(b""). A proof is the audit path: sibling hashes from the leaf up, with the leaf index and the list
size, which together fix left/right at every level. Verification is pure and bounded. As in RFC
6962, the size must come from a trusted source (the block header's transaction count): a proof
for an early index can also verify under a larger claimed size, because the left subtrees match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from jadechain.codec import Record
from jadechain.crypto import Algorithm

Hasher = Callable[[bytes], bytes]
PROOF_DEPTH_MAX = 64


def hasher_for(algorithm: Algorithm) -> Hasher:
    """The raw hash function of a ledger hash algorithm (hashlib, no object per hash)."""
    if algorithm is Algorithm.SHA256:
        return lambda data: hashlib.sha256(data).digest()
    if algorithm is Algorithm.SM3:
        return lambda data: hashlib.new("sm3", data).digest()
    raise ValueError(f"{algorithm.info.name} is not a ledger hash algorithm")


class ListProof(Record, frozen=True):
    index: int
    count: int
    path: list[bytes]


def _split(count: int) -> int:
    split = 1
    while split * 2 < count:
        split *= 2
    return split


def _root(hasher: Hasher, leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = _split(len(leaves))
    return hasher(b"\x01" + _root(hasher, leaves[:split]) + _root(hasher, leaves[split:]))


def list_root(hasher: Hasher, items: Sequence[bytes]) -> bytes:
    """The root, computed bottom-up: pairing left to right and carrying an odd last node up a
    level gives exactly the split-at-a-power-of-two shape of `_root`, without recursion."""
    if not items:
        return hasher(b"")
    level = [hasher(b"\x00" + item) for item in items]
    while len(level) > 1:
        paired = [hasher(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _path(hasher: Hasher, leaves: Sequence[bytes], index: int) -> list[bytes]:
    if len(leaves) == 1:
        return []
    split = _split(len(leaves))
    if index < split:
        return [*_path(hasher, leaves[:split], index), _root(hasher, leaves[split:])]
    return [*_path(hasher, leaves[split:], index - split), _root(hasher, leaves[:split])]


def prove_item(hasher: Hasher, items: Sequence[bytes], index: int) -> ListProof:
    if not 0 <= index < len(items):
        raise IndexError(f"no item {index} in a list of {len(items)}")
    leaves = [hasher(b"\x00" + item) for item in items]
    return ListProof(index=index, count=len(items), path=_path(hasher, leaves, index))


def _fold(hasher: Hasher, node: bytes, index: int, count: int, path: list[bytes]) -> bytes | None:
    """The root implied by `node` at `index` of `count` leaves and the audit `path`."""
    if count == 1:
        return node if not path else None
    if not path:
        return None
    split = _split(count)
    sibling = path[-1]
    if index < split:
        below = _fold(hasher, node, index, split, path[:-1])
        return None if below is None else hasher(b"\x01" + below + sibling)
    below = _fold(hasher, node, index - split, count - split, path[:-1])
    return None if below is None else hasher(b"\x01" + sibling + below)


def verify_item(hasher: Hasher, root: bytes, item: bytes, proof: ListProof) -> bool:
    if not 0 <= proof.index < proof.count or len(proof.path) > PROOF_DEPTH_MAX:
        return False
    implied = _fold(hasher, hasher(b"\x00" + item), proof.index, proof.count, list(proof.path))
    return implied == root
