"""The authenticated state map: a persistent, content-addressed 16-ary Merkle radix tree.

See `nodes` for the node layout and hashes and `proof` for the proof format.

Persistence: a node is stored under `prefix + its hash` and never changed or deleted, so every root
ever returned stays readable and provable as long as its nodes were written. The root depends only
on the set of (key, value) pairs: the shape is a function of the key hashes (a leaf at the
shallowest depth where it is alone), so insertion order and batching do not matter.

The update / commit contract:

1. `update(root, changes)` computes the new root and returns it with a `WriteBatch` of the nodes it
   created (those not already known to be stored); it writes nothing. The caller writes that batch,
   usually merged into its block's batch, in one atomic `store.write`.
2. Until then the new nodes are *pending*: pinned in memory, outside the bounded cache, so `get`,
   `prove` and further `update`s on the new root (the next block, built before this one is stored)
   work at once. A batch only makes its root complete in the store together with the batches of
   the roots it was built on (write blocks in order, as a ledger does).
3. After writing, the caller calls `commit(batch)` (the batch written, or any batch containing it,
   such as the whole block batch): its nodes are unpinned into the cache. If the block is
   abandoned instead, `discard(batch)` unpins them (a node pending for several batches stays pinned
   until none still holds it); the root of a discarded batch must not be used afterwards.
4. Safety net: when the pending set grows past a threshold (the larger of `cache_nodes_max` and
   64Ki nodes, doubling while it stays that full), pending nodes that the store already holds are
   unpinned, so a caller that forgets `commit` costs a `get_many` now and then, not unbounded
   memory.

Re-creating a node that is already stored but not cached (a key set back to an old value) puts the
same bytes again: harmless, since content-addressed writes are idempotent.

A `MerkleTree` is not thread-safe; one writer (the ledger's block pipeline) owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter

from jadechain.crypto.algorithms import Algorithm
from jadechain.ledger.merkle.nodes import (
    DEPTH_MAX,
    EMPTY_ROOT,
    HASH_BYTES,
    INTERNAL_HEAD_BYTES,
    INTERNAL_PREFIX,
    LEAF_PREFIX,
    LEAF_TAG,
    NIBBLE,
    child_offset,
    internal_bitmap,
    internal_children,
    leaf_key,
    leaf_key_hash,
    leaf_value,
    leaf_value_hash,
)
from jadechain.ledger.merkle.nodes import hash_constructor as _hash_constructor
from jadechain.ledger.merkle.proof import MerkleProof, ProofLeaf, ProofLevel
from jadechain.storage.base import KEY_BYTES_MAX, VALUE_BYTES_MAX, KVStore, WriteBatch

# A change on its way into the tree, sorted by path:
# (path = H(key) in hex, H(key), leaf hash or None for a delete, leaf bytes or None).
# Leaf bytes are None for a leaf that is already stored (it creates no node).
_Entry = tuple[str, bytes, bytes | None, bytes | None]
_Step = tuple[bytes, int, int, int, bool]  # node bytes, child offset, bitmap, slot bit, present

_PENDING_CHECK_MIN = 1 << 16
_by_path = itemgetter(0)


class MerkleError(Exception):
    """The tree cannot do what was asked: an unknown root, or a store missing nodes."""


class MissingNodeError(MerkleError, LookupError):
    """A node is neither pending nor in the store: an unknown root, or its batch never written."""


class MerkleTree:
    """Many versions of one authenticated map from key bytes to value bytes, each named by a root.

    `update` derives a new root from an old one; `get` and `prove` read any root. Nodes are read
    through a bounded, approximately LRU cache of node bytes (at most `cache_nodes_max` nodes; see
    `_remember`; node bytes are parsed in place, so they are the decoded form) and through
    `store.get` / `store.get_many` on misses.
    """

    def __init__(
        self,
        store: KVStore,
        hash_algorithm: Algorithm,
        prefix: bytes = b"M/",
        cache_nodes_max: int = 200_000,
    ) -> None:
        if cache_nodes_max < 0:
            raise ValueError("cache_nodes_max must be >= 0")
        if len(prefix) + HASH_BYTES > KEY_BYTES_MAX:
            raise ValueError(f"a prefix of {len(prefix)} bytes makes node keys too long")
        self._store = store
        self._algorithm = hash_algorithm
        self._new_hash = _hash_constructor(hash_algorithm)
        self._prefix = bytes(prefix)
        self._cache_max = cache_nodes_max
        # The cache: two generations of at most `_generation` nodes each (see `_remember`).
        self._generation = max(1, cache_nodes_max // 2) if cache_nodes_max else 0
        self._cache: dict[bytes, bytes] = {}  # the young generation
        self._old: dict[bytes, bytes] = {}
        # Open batches (returned by update, neither committed nor discarded), oldest first, each
        # with its new nodes by hash; `_pending` is the union of those, for lookups.
        self._open: list[tuple[WriteBatch, dict[bytes, bytes]]] = []
        self._pending: dict[bytes, bytes] = {}
        self._pending_check_at = max(_PENDING_CHECK_MIN, cache_nodes_max)

    @property
    def hash_algorithm(self) -> Algorithm:
        return self._algorithm

    @property
    def prefix(self) -> bytes:
        return self._prefix

    @property
    def cached_nodes(self) -> int:
        """Nodes in the cache (at most `cache_nodes_max`)."""
        return len(self._cache) + len(self._old)

    @property
    def pending_nodes(self) -> int:
        """Nodes created by `update` whose batches are not yet committed or discarded."""
        return len(self._pending)

    # --- reading ------------------------------------------------------------------------------

    def _load(self, node_hash: bytes) -> bytes:
        node = self._pending.get(node_hash)
        if node is not None:
            return node
        node = self._cache.get(node_hash)
        if node is not None:
            return node
        node = self._old.get(node_hash)
        if node is None:
            node = self._store.get(self._prefix + node_hash)
            if node is None:
                raise MissingNodeError(f"tree node {node_hash.hex()} is not in the store")
        self._remember({node_hash: node})
        return node

    def _remember(self, nodes: dict[bytes, bytes]) -> None:
        """Cache stored nodes just used (read, or committed).

        The cache approximates LRU with two generations of plain dicts, which costs one dict
        operation per hit or insertion instead of an ordered dict's relinking: new and reused
        nodes go into the young generation; when it is full it becomes the old one and the old one
        is dropped whole; a hit in the old generation copies the node back into the young one. So
        a node used within the last `cache_nodes_max // 2` insertions is always cached, and the
        cache never holds more than `cache_nodes_max` nodes.
        """
        generation = self._generation
        if not generation:
            return
        if len(nodes) > generation:  # only the most recent ones can stay
            nodes = dict(list(nodes.items())[-generation:])
        if len(self._cache) + len(nodes) > generation:
            self._old = self._cache if self._cache_max > 1 else {}
            self._cache = {}
        self._cache.update(nodes)

    def _prefetch(self, node_hashes: Iterable[bytes]) -> None:
        """Read the nodes that are neither pending nor cached with one `get_many`."""
        pending, cache, old = self._pending, self._cache, self._old
        missing = [h for h in node_hashes if not (h in pending or h in cache or h in old)]
        if not missing:
            return
        prefix = self._prefix
        found = self._store.get_many([prefix + h for h in missing])
        self._remember(
            {h: node for h, node in zip(missing, found, strict=True) if node is not None}
        )

    @staticmethod
    def _check_root(root: bytes) -> bytes:
        if type(root) is not bytes or len(root) != HASH_BYTES:
            raise ValueError(f"a root is {HASH_BYTES} bytes")
        return root

    def get(self, root: bytes, key: bytes) -> bytes | None:
        """The value of `key` in the tree at `root`, or None."""
        if self._check_root(root) == EMPTY_ROOT:
            return None
        key_hash = self._new_hash(key).digest()
        path = key_hash.hex()
        load = self._load
        node = load(root)
        for digit in path:
            if node[0] == LEAF_TAG:
                break
            bitmap = node[1] << 8 | node[2]
            bit = 1 << NIBBLE[digit]
            if not bitmap & bit:
                return None
            offset = child_offset(bitmap, bit)
            node = load(node[offset : offset + HASH_BYTES])
        if node[0] != LEAF_TAG:  # a leaf may sit at depth 64, an internal node may not
            raise MerkleError("tree deeper than a hash path: the store is corrupt")
        return leaf_value(node) if leaf_key_hash(node) == key_hash else None

    def prove(self, root: bytes, key: bytes) -> MerkleProof:
        """A proof that `key` has its value at `root`, or that it is absent there."""
        if self._check_root(root) == EMPTY_ROOT:
            return MerkleProof(levels=[])
        path = self._new_hash(key).digest().hex()
        levels: list[ProofLevel] = []
        node = self._load(root)
        for digit in path:
            if node[0] == LEAF_TAG:
                break
            bitmap = internal_bitmap(node)
            bit = 1 << NIBBLE[digit]
            offset = child_offset(bitmap, bit)
            if not bitmap & bit:
                levels.append(ProofLevel(bitmap=bitmap, siblings=internal_children(node)))
                return MerkleProof(levels=levels)
            siblings = internal_children(node[:offset] + node[offset + HASH_BYTES :])
            levels.append(ProofLevel(bitmap=bitmap, siblings=siblings))
            node = self._load(node[offset : offset + HASH_BYTES])
        if node[0] != LEAF_TAG:  # a leaf may sit at depth 64, an internal node may not
            raise MerkleError("tree deeper than a hash path: the store is corrupt")
        leaf = ProofLeaf(key_hash=leaf_key_hash(node), value_hash=leaf_value_hash(node))
        return MerkleProof(levels=levels, leaf=leaf)

    def iter_items(self, root: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) at `root`, in the order of H(key) (for snapshots and audits)."""
        if self._check_root(root) == EMPTY_ROOT:
            return
        stack = [root]
        while stack:
            node = self._load(stack.pop())
            if node[0] == LEAF_TAG:
                yield leaf_key(node), leaf_value(node)
            else:
                stack.extend(reversed(internal_children(node)))

    # --- writing ------------------------------------------------------------------------------

    def _entries(self, changes: Mapping[bytes, bytes | None]) -> list[_Entry]:
        new_hash = self._new_hash
        entries: list[_Entry] = []
        append = entries.append
        value_max = VALUE_BYTES_MAX - 69
        for key, value in changes.items():
            key_hash = new_hash(key).digest()
            if value is None:
                append((key_hash.hex(), key_hash, None, None))
                continue
            if len(key) + len(value) > value_max:
                raise ValueError(f"key and value of {len(key) + len(value)} bytes: too large")
            head = LEAF_PREFIX + key_hash + new_hash(value).digest()
            node = b"".join((head, len(key).to_bytes(4, "big"), key, value))
            append((key_hash.hex(), key_hash, new_hash(head).digest(), node))
        entries.sort(key=_by_path)
        return entries

    def update(
        self, root: bytes, changes: Mapping[bytes, bytes | None]
    ) -> tuple[bytes, WriteBatch]:
        """Apply `changes` (key -> new value, None to delete) to the tree at `root`.

        Returns the new root and a batch of the new nodes, which are pending until `commit` or
        `discard` (see the module docstring). Deleting an absent key or setting a key to its
        current value changes nothing. Cost: O(k x depth) hashes and node reads for k changes,
        shared between keys in the same subtree (one pass over the changes sorted by path).
        """
        self._check_root(root)
        batch = WriteBatch()
        entries = self._entries(changes)
        if not entries:
            return root, batch
        created: dict[bytes, bytes] = {}
        new_root = _Update(self, entries, created).apply(
            None if root == EMPTY_ROOT else root, 0, 0, len(entries)
        )
        if created:
            cache, old = self._cache, self._old  # cached: read from the store or committed
            nodes = {h: node for h, node in created.items() if not (h in cache or h in old)}
            if nodes:
                prefix = self._prefix
                batch.operations.update({prefix + h: node for h, node in nodes.items()})
                self._open.append((batch, nodes))
                self._pending.update(nodes)
                if len(self._pending) > self._pending_check_at:
                    self._release_stored()
        return (EMPTY_ROOT if new_root is None else new_root), batch

    def _matching(self, batch: WriteBatch) -> list[int]:
        """Indexes of the open batches that `batch` is (first choice) or contains entirely."""
        open_batches = self._open
        same = [i for i, (owner, _) in enumerate(open_batches) if owner is batch]
        if same:
            return same
        operations, prefix = batch.operations, self._prefix
        return [
            i
            for i, (_, nodes) in enumerate(open_batches)
            if all(prefix + h in operations for h in nodes)
        ]

    def _release(self, indexes: list[int], stored: bool) -> None:
        """Close the open batches at `indexes`; their nodes go to the cache if `stored`."""
        if not indexes:
            return
        closing = set(indexes)
        remaining = [entry for i, entry in enumerate(self._open) if i not in closing]
        if stored:
            for i in indexes:
                self._remember(self._open[i][1])
        self._open = remaining
        if len(remaining) == 1:
            self._pending = dict(remaining[0][1])
        else:
            self._pending = {}
            for _, nodes in remaining:
                self._pending.update(nodes)

    def commit(self, batch: WriteBatch) -> None:
        """Tell the tree that `batch` is now stored: the batch from `update` (also with more writes
        added to it), or a batch containing all of its writes, such as the whole block's batch.
        Its nodes move from the pending set to the cache."""
        self._release(self._matching(batch), stored=True)

    def discard(self, batch: WriteBatch) -> None:
        """Tell the tree that `batch` (from `update`) will never be stored: release its nodes.
        Nodes that another open batch also created stay pending for that batch."""
        self._release(self._matching(batch), stored=False)

    def _release_stored(self) -> None:
        """Close the open batches whose nodes the store already holds (a forgotten `commit`)."""
        prefix = self._prefix
        stored = []
        for i, (_, nodes) in enumerate(self._open):
            found = self._store.get_many([prefix + h for h in nodes])
            if all(node is not None for node in found):
                stored.append(i)
        self._release(stored, stored=True)
        self._pending_check_at = max(self._pending_check_at, 2 * len(self._pending))


class _Update:
    """One `update` pass: recursion over the sorted changes, sharing work per subtree.

    `apply` handles a subtree with several changes (the upper levels); `single` walks a lone change
    down and back up without recursion (the hot path). Every node of the new tree that this pass
    makes goes into `created`.
    """

    __slots__ = ("cache", "created", "entries", "load", "new_hash", "pending", "prefetch")

    def __init__(
        self, tree: MerkleTree, entries: list[_Entry], created: dict[bytes, bytes]
    ) -> None:
        self.entries = entries
        self.created = created
        self.load = tree._load
        self.prefetch = tree._prefetch
        self.new_hash = tree._new_hash
        self.cache = tree._cache
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

    def build(self, depth: int, items: list[_Entry], lo: int, hi: int) -> bytes:
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
        items: list[_Entry] = []
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
            items.sort(key=_by_path)
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
        self, node_hash: bytes | None, node: bytes, depth: int, entry: _Entry
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
        items: list[_Entry] = [entry, (other.hex(), other, node_hash, None)]
        items.sort(key=_by_path)
        return self.build(depth, items, 0, 2)

    def single(self, top: bytes | None, depth: int, entry: _Entry) -> bytes | None:
        """The new hash of the subtree at `top` after one change: down, then back up."""
        path = entry[0]
        pending_get, cache_get = self.pending.get, self.cache.get
        stack: list[_Step] = []
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

    def ascend(self, stack: list[_Step], new: bytes | None) -> bytes | None:
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
