"""One `MerkleTree.update` pass: the changes, sorted by path, applied in one walk of the tree.

Shared work: a node above several changes is read and rebuilt once (`apply`, recursive, used for
the upper levels, where a block's changes share nodes); a change alone in its subtree walks down
and back up without recursion (`single`, the hot path: most of a block's changes are alone below
the top two or three levels). A leaf that ends up alone in a subtree moves up to the subtree's top
(`internal`), and a leaf that meets another key's leaf moves down until their paths part (`build`),
so the shape never depends on the order of the changes.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING

from jadechain.ledger.merkle.nodes import (
    DEPTH_MAX,
    HASH_BYTES,
    INTERNAL_HEAD_BYTES,
    INTERNAL_PREFIX,
    LEAF_TAG,
    NIBBLE,
    MerkleError,
    leaf_key_hash,
)

if TYPE_CHECKING:
    from jadechain.ledger.merkle.tree import MerkleTree

# A change on its way into the tree:
# (path = H(key) in hex, H(key), leaf hash or None for a delete, leaf bytes or None).
# Leaf bytes are None for a leaf that is already stored (it creates no node).
Entry = tuple[str, bytes, bytes | None, bytes | None]
Step = tuple[bytes, int, int, int, bool]  # node bytes, child offset, bitmap, slot bit, present
by_path = itemgetter(0)


class UpdatePass:
    """One `update` pass: recursion over the sorted changes, sharing work per subtree.

    `apply` handles a subtree with several changes (the upper levels); `single` walks a lone change
    down and back up without recursion (the hot path). Every node of the new tree that this pass
    makes goes into `created`.
    """

    __slots__ = ("created", "entries", "load", "new_hash", "pending", "prefetch", "tree")

    def __init__(self, tree: MerkleTree, entries: list[Entry], created: dict[bytes, bytes]) -> None:
        self.entries = entries
        self.created = created
        self.load = tree._load
        self.prefetch = tree._prefetch
        self.new_hash = tree._new_hash
        self.tree = tree
        self.pending = tree._pending

    def is_leaf(self, node_hash: bytes) -> bool:
        node = self.created.get(node_hash)
        if node is None:
            node = self.load(node_hash)
        return node[0] == LEAF_TAG

    def internal(self, node: bytes) -> bytes | None:
        """The hash of a new internal node; its only child instead when that is a leaf (moved
        up); None for no children."""
        bitmap = node[1] << 8 | node[2]
        if not bitmap:
            return None
        if not bitmap & (bitmap - 1) and self.is_leaf(node[INTERNAL_HEAD_BYTES:]):
            return node[INTERNAL_HEAD_BYTES:]
        node_hash = self.new_hash(node).digest()
        self.created[node_hash] = node
        return node_hash

    def build(self, depth: int, items: list[Entry], lo: int, hi: int) -> bytes:
        """The subtree of the insertions `items[lo:hi]` (sorted, sharing `depth` nibbles)."""
        if hi - lo == 1:
            item = items[lo]
            leaf_hash, node = item[2], item[3]
            assert leaf_hash is not None
            if node is not None:
                self.created[leaf_hash] = node
            return leaf_hash
        if depth >= DEPTH_MAX:
            raise MerkleError("two keys with the same hash")
        bitmap = 0
        parts = [b""]
        i = lo
        while i < hi:
            digit = items[i][0][depth]
            j = i + 1
            while j < hi and items[j][0][depth] == digit:
                j += 1
            bitmap |= 1 << NIBBLE[digit]
            parts.append(self.build(depth + 1, items, i, j))
            i = j
        parts[0] = INTERNAL_PREFIX + bitmap.to_bytes(2, "big")
        node = b"".join(parts)
        node_hash = self.new_hash(node).digest()
        self.created[node_hash] = node
        return node_hash

    def merge_leaf(
        self, leaf_hash: bytes, leaf: bytes, depth: int, lo: int, hi: int
    ) -> bytes | None:
        """Several changes arriving at an existing leaf: rebuild that subtree."""
        key_hash = leaf_key_hash(leaf)
        items: list[Entry] = []
        found = False
        for entry in self.entries[lo:hi]:
            if entry[1] == key_hash:
                found = True
                if entry[2] == leaf_hash:  # same value again: the stored leaf
                    items.append((entry[0], key_hash, leaf_hash, None))
                elif entry[2] is not None:
                    items.append(entry)
            elif entry[2] is not None:
                items.append(entry)
        if not found:
            items.append((key_hash.hex(), key_hash, leaf_hash, None))
            items.sort(key=by_path)
        return self.build(depth, items, 0, len(items)) if items else None

    def groups(self, node: bytes, depth: int, lo: int, hi: int) -> list[tuple[int, int, int, int]]:
        """`entries[lo:hi]` split by their slot under the internal `node`: (bit, offset, lo, hi)."""
        if depth >= DEPTH_MAX:
            raise MerkleError("tree deeper than a hash path: the store is corrupt")
        entries = self.entries
        bitmap = node[1] << 8 | node[2]
        groups = []
        i = lo
        while i < hi:
            digit = entries[i][0][depth]
            j = i + 1
            while j < hi and entries[j][0][depth] == digit:
                j += 1
            bit = 1 << NIBBLE[digit]
            offset = INTERNAL_HEAD_BYTES + HASH_BYTES * (bitmap & (bit - 1)).bit_count()
            groups.append((bit, offset, i, j))
            i = j
        self.prefetch([node[o : o + HASH_BYTES] for bit, o, _, _ in groups if bitmap & bit])
        return groups

    def apply(self, node_hash: bytes | None, depth: int, lo: int, hi: int) -> bytes | None:
        """The new hash of the subtree at `node_hash` (None: empty) after `entries[lo:hi]`."""
        if hi - lo == 1:
            return self.single(node_hash, depth, self.entries[lo])
        if node_hash is None:
            items = [entry for entry in self.entries[lo:hi] if entry[2] is not None]
            return self.build(depth, items, 0, len(items)) if items else None
        node = self.load(node_hash)
        if node[0] == LEAF_TAG:
            return self.merge_leaf(node_hash, node, depth, lo, hi)
        bitmap = new_bitmap = node[1] << 8 | node[2]
        parts = [b""]
        cursor = INTERNAL_HEAD_BYTES
        apply = self.apply
        for bit, offset, i, j in self.groups(node, depth, lo, hi):
            if bitmap & bit:
                old = node[offset : offset + HASH_BYTES]
                new = apply(old, depth + 1, i, j)
                if new != old:
                    parts.append(node[cursor:offset])
                    if new is None:
                        new_bitmap ^= bit
                    else:
                        parts.append(new)
                    cursor = offset + HASH_BYTES
            else:
                new = apply(None, depth + 1, i, j)
                if new is not None:
                    parts.append(node[cursor:offset])
                    parts.append(new)
                    new_bitmap |= bit
                    cursor = offset
        if len(parts) == 1:
            return node_hash
        parts.append(node[cursor:])
        parts[0] = INTERNAL_PREFIX + new_bitmap.to_bytes(2, "big")
        return self.internal(b"".join(parts))

    def bottom(
        self, node_hash: bytes | None, node: bytes, depth: int, entry: Entry
    ) -> bytes | None:
        """What replaces the end of a lone change's path: an empty slot (`node_hash` None) or a
        leaf. Returns `node_hash` itself when nothing changes."""
        _, key_hash, leaf_hash, leaf = entry
        if node_hash is None or node[1 : 1 + HASH_BYTES] == key_hash:
            # An empty slot or the key's own leaf: the new leaf (or nothing) takes its place.
            if leaf_hash is not None and leaf_hash != node_hash:
                assert leaf is not None
                self.created[leaf_hash] = leaf
            return leaf_hash
        if leaf_hash is None:  # deleting a key that is absent
            return node_hash
        # Another key's leaf: both go one level further down.
        other = node[1 : 1 + HASH_BYTES]
        items: list[Entry] = [entry, (other.hex(), other, node_hash, None)]
        items.sort(key=by_path)
        return self.build(depth, items, 0, 2)

    def single(self, top: bytes | None, depth: int, entry: Entry) -> bytes | None:
        """The new hash of the subtree at `top` after one change: down, then back up."""
        path = entry[0]
        pending_get, cache_get = self.pending.get, self.tree._cache.get
        stack: list[Step] = []
        push = stack.append
        node_hash = top
        node = b""
        while node_hash is not None:
            found = pending_get(node_hash)  # self.load(node_hash), inlined
            if found is None:
                found = cache_get(node_hash)  # the young generation
                if found is None:
                    found = self.load(node_hash)
            node = found
            if node[0] == LEAF_TAG:
                break
            if depth >= DEPTH_MAX:
                raise MerkleError("tree deeper than a hash path: the store is corrupt")
            bitmap = node[1] << 8 | node[2]
            bit = 1 << NIBBLE[path[depth]]
            offset = INTERNAL_HEAD_BYTES + HASH_BYTES * (bitmap & (bit - 1)).bit_count()
            if bitmap & bit:
                push((node, offset, bitmap, bit, True))
                node_hash = node[offset : offset + HASH_BYTES]
                depth += 1
            else:
                push((node, offset, bitmap, bit, False))
                node_hash = None
        new = self.bottom(node_hash, node, depth, entry)
        return top if new == node_hash else self.ascend(stack, new)

    def ascend(self, stack: list[Step], new: bytes | None) -> bytes | None:
        """Rebuild the internal nodes `stack` (root first) around the new child `new` at the end."""
        new_hash, created = self.new_hash, self.created
        for parent, offset, bitmap, bit, present in reversed(stack):
            if new is not None and present:  # the child changed
                node = parent[:offset] + new + parent[offset + HASH_BYTES :]
                if bitmap & (bitmap - 1):
                    new = new_hash(node).digest()
                    created[new] = node
                else:
                    new = self.internal(node)
            elif new is not None:  # a new child in an empty slot
                node = b"".join(
                    (
                        INTERNAL_PREFIX,
                        (bitmap | bit).to_bytes(2, "big"),
                        parent[INTERNAL_HEAD_BYTES:offset],
                        new,
                        parent[offset:],
                    )
                )
                new = new_hash(node).digest()
                created[new] = node
            else:  # the child is gone
                new = self.internal(
                    b"".join(
                        (
                            INTERNAL_PREFIX,
                            (bitmap ^ bit).to_bytes(2, "big"),
                            parent[INTERNAL_HEAD_BYTES:offset],
                            parent[offset + HASH_BYTES :],
                        )
                    )
                )
        return new
