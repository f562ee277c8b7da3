"""The authenticated state map: a persistent, content-addressed 16-ary Merkle radix tree.

See `nodes` for the node layout and hashes and `proof` for the proof format.

Persistence: a node is stored under `prefix + its hash` and never changed or deleted, so every root
ever returned stays readable and provable as long as its nodes were written. The root depends only
on the set of (key, value) pairs: the shape is a function of the key hashes (a leaf at the
shallowest depth where it is alone), so insertion order and batching do not matter.

The update / commit contract:

1. `update(root, changes)` computes the new root and returns it with a `WriteBatch` of the nodes it
   created (minus those it knows are stored: in the cache); it writes nothing. The caller writes
   that batch, usually merged into its block's batch, in one atomic `store.write`.
2. Until then the batch is *open* and its nodes *pending*: pinned in memory, outside the bounded
   cache, so `get`, `prove` and further `update`s on the new root (say the next block, executed
   before this one is stored) work at once. A batch makes its root complete in the store only
   together with the batches of the roots it was built on: write them in order, as a ledger does.
   A node created by two open batches (competing blocks on one parent) is in both batches.
3. After the write the caller calls `commit(batch)`, with the batch `update` returned (more writes
   may have been added to it) or any batch holding all of its writes (the whole block's batch):
   the batch closes and its nodes move into the cache. If the block is abandoned instead,
   `discard(batch)` closes it and drops its nodes (those another open batch also holds stay
   pending); the root of a discarded batch must not be used afterwards.
4. Safety net: when the pending nodes outnumber a threshold (the larger of `cache_nodes_max` and
   64Ki, raised to twice what stays pending), open batches whose nodes the store already holds are
   closed as committed, so a caller that forgets `commit` costs a `get_many` now and then rather
   than unbounded memory. A caller that forgets `discard` does leak.

Re-creating a node that is stored but no longer cached (a key set back to an old value) puts the
same bytes again: harmless, as content-addressed writes are idempotent.

A `MerkleTree` is not thread-safe; one writer (the ledger's block pipeline) owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from jadechain.crypto.algorithms import Algorithm
from jadechain.ledger.merkle.nodes import (
    EMPTY_ROOT,
    HASH_BYTES,
    LEAF_PREFIX,
    LEAF_TAG,
    NIBBLE,
    MerkleError,
    MissingNodeError,
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
from jadechain.ledger.merkle.update import Entry, UpdatePass, by_path
from jadechain.storage.base import KEY_BYTES_MAX, VALUE_BYTES_MAX, KVStore, WriteBatch

_PENDING_CHECK_MIN = 1 << 16


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
        # self._remember({node_hash: node}), inlined
        if len(self._cache) >= self._generation:
            if not self._generation:
                return node
            self._old = self._cache if self._cache_max > 1 else {}
            self._cache = {}
        self._cache[node_hash] = node
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

    def _entries(self, changes: Mapping[bytes, bytes | None]) -> list[Entry]:
        new_hash = self._new_hash
        entries: list[Entry] = []
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
        entries.sort(key=by_path)
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
        new_root = UpdatePass(self, entries, created).apply(
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
