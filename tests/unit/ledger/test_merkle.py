"""The state tree: semantics, persistence of old roots, canonical roots, batches, cache, reopen."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence

import pytest

from jadechain.crypto import Algorithm
from jadechain.crypto.registry import hash_scheme
from jadechain.ledger.merkle import (
    EMPTY_ROOT,
    MerkleProof,
    MerkleTree,
    MissingNodeError,
    verify_proof,
)
from jadechain.ledger.merkle.nodes import digest_function, hash_constructor
from jadechain.storage import MemoryStore, WriteBatch

HASHES = [Algorithm.SHA256, Algorithm.SM3]


@pytest.fixture(params=HASHES, ids=lambda a: a.info.name)
def algorithm(request: pytest.FixtureRequest) -> Algorithm:
    value: Algorithm = request.param
    return value


def _tree(
    algorithm: Algorithm, store: MemoryStore | None = None, cache_nodes_max: int = 200_000
) -> MerkleTree:
    store = MemoryStore() if store is None else store
    return MerkleTree(store, algorithm, cache_nodes_max=cache_nodes_max)


def _commit(tree: MerkleTree, store: MemoryStore, batch: WriteBatch) -> None:
    store.write(batch)
    tree.commit(batch)


def _apply(model: dict[bytes, bytes], changes: Mapping[bytes, bytes | None]) -> None:
    for key, value in changes.items():
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value


def _assert_state(
    tree: MerkleTree, root: bytes, model: Mapping[bytes, bytes], absent: Sequence[bytes] = ()
) -> None:
    algorithm = tree.hash_algorithm
    assert sorted(tree.iter_items(root)) == sorted(model.items())
    for key, value in model.items():
        assert tree.get(root, key) == value
        assert verify_proof(root, key, value, tree.prove(root, key), algorithm)
    for key in absent:
        if key not in model:
            assert tree.get(root, key) is None
            assert verify_proof(root, key, None, tree.prove(root, key), algorithm)


def _keys(count: int, seed: int = 0) -> list[bytes]:
    """`count` distinct keys of 1 to 11 bytes, in random order."""
    rng = random.Random(seed)
    keys: dict[bytes, None] = {}
    while len(keys) < count:
        keys[rng.randbytes(rng.randrange(1, 12))] = None
    return list(keys)


# --- hashing and the documented layout ---------------------------------------------------------


def test_hash_functions_equal_the_registry(algorithm: Algorithm) -> None:
    scheme = hash_scheme(algorithm)
    new = hash_constructor(algorithm)
    digest = digest_function(algorithm)
    for data in (b"", b"abc", bytes(range(256)) * 3):
        assert new(data).digest() == scheme.digest(data) == digest(data)


def test_hash_constructor_refuses_non_hash_algorithms() -> None:
    with pytest.raises(ValueError, match="not a hash"):
        hash_constructor(Algorithm.ED25519)


def test_roots_follow_the_documented_layout(algorithm: Algorithm) -> None:
    h = digest_function(algorithm)
    tree = _tree(algorithm)
    root, _ = tree.update(EMPTY_ROOT, {b"a": b"1"})
    leaf_a = h(b"\x00" + h(b"a") + h(b"1"))
    assert root == leaf_a  # a lone leaf is the root
    # Two keys whose hashes differ in the first nibble: one internal node over two leaves.
    keys = [k for k in (bytes([i]) for i in range(256)) if h(k)[0] >> 4 != h(b"a")[0] >> 4]
    other = keys[0]
    root2, _ = tree.update(root, {other: b"2"})
    leaf_other = h(b"\x00" + h(other) + h(b"2"))
    slots = sorted([(h(b"a")[0] >> 4, leaf_a), (h(other)[0] >> 4, leaf_other)])
    bitmap = (1 << slots[0][0]) | (1 << slots[1][0])
    assert root2 == h(b"\x01" + bitmap.to_bytes(2, "big") + slots[0][1] + slots[1][1])


def test_keys_sharing_a_first_nibble_go_one_level_down(algorithm: Algorithm) -> None:
    h = digest_function(algorithm)
    by_nibble: dict[int, list[bytes]] = {}
    for key in (i.to_bytes(2, "big") for i in range(200)):
        by_nibble.setdefault(h(key)[0] >> 4, []).append(key)
    first, second = next(keys for keys in by_nibble.values() if len(keys) >= 2)[:2]
    tree = _tree(algorithm)
    root, _ = tree.update(EMPTY_ROOT, {first: b"x", second: b"y"})
    proof = tree.prove(root, first)
    assert len(proof.levels) >= 2  # a chain node over the shared nibble, then the split
    assert proof.levels[0].bitmap == 1 << (h(first)[0] >> 4)
    assert proof.levels[0].siblings == []
    assert verify_proof(root, first, b"x", proof, algorithm)


# --- semantics ---------------------------------------------------------------------------------


def test_empty_tree(algorithm: Algorithm) -> None:
    assert bytes(32) == EMPTY_ROOT
    tree = _tree(algorithm)
    assert tree.get(EMPTY_ROOT, b"k") is None
    proof = tree.prove(EMPTY_ROOT, b"k")
    assert proof == MerkleProof(levels=[])
    assert verify_proof(EMPTY_ROOT, b"k", None, proof, algorithm)
    assert not verify_proof(EMPTY_ROOT, b"k", b"", proof, algorithm)
    assert list(tree.iter_items(EMPTY_ROOT)) == []
    root, batch = tree.update(EMPTY_ROOT, {})
    assert (root, len(batch)) == (EMPTY_ROOT, 0)
    root, batch = tree.update(EMPTY_ROOT, {b"k": None})
    assert (root, len(batch)) == (EMPTY_ROOT, 0)


def test_insert_update_delete(algorithm: Algorithm) -> None:
    tree = _tree(algorithm)
    r1, _ = tree.update(EMPTY_ROOT, {b"a": b"1", b"b": b"2", b"c": b""})
    _assert_state(tree, r1, {b"a": b"1", b"b": b"2", b"c": b""}, [b"d"])
    r2, _ = tree.update(r1, {b"a": b"one", b"d": b"4"})
    _assert_state(tree, r2, {b"a": b"one", b"b": b"2", b"c": b"", b"d": b"4"}, [b"e"])
    r3, _ = tree.update(r2, {b"b": None, b"zzz": None})
    _assert_state(tree, r3, {b"a": b"one", b"c": b"", b"d": b"4"}, [b"b", b"zzz"])
    assert tree.get(r3, b"c") == b""  # an empty value is present, not deleted


def test_no_op_updates_change_nothing(algorithm: Algorithm) -> None:
    tree = _tree(algorithm)
    root, _ = tree.update(EMPTY_ROOT, {b"a": b"1", b"b": b"2"})
    again, batch = tree.update(root, {b"a": b"1", b"missing": None})
    assert (again, len(batch)) == (root, 0)


def test_old_roots_keep_their_values(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    rng = random.Random(7)
    keys = _keys(60, seed=1)
    model: dict[bytes, bytes] = {}
    history: list[tuple[bytes, dict[bytes, bytes]]] = []
    root = EMPTY_ROOT
    for step in range(12):
        changes: dict[bytes, bytes | None] = {}
        for key in rng.sample(keys, 15):
            changes[key] = None if rng.random() < 0.25 else b"v%d" % step
        root, batch = tree.update(root, changes)
        if step % 3:  # some batches stay pending for a while: reads must not care
            _commit(tree, store, batch)
        else:
            store.write(batch)
        _apply(model, changes)
        history.append((root, dict(model)))
    for old_root, old_model in history:
        _assert_state(tree, old_root, old_model, keys)


def test_root_depends_only_on_the_final_set(algorithm: Algorithm) -> None:
    rng = random.Random(3)
    keys = _keys(300, seed=2)
    final = {key: rng.randbytes(rng.randrange(0, 20)) for key in keys[:200]}
    one_batch, _ = _tree(algorithm).update(EMPTY_ROOT, final)
    for trial in range(4):
        tree = _tree(algorithm)
        root = EMPTY_ROOT
        # Noise first (keys later deleted, values later overwritten), then the final set in a
        # random order and random batch splits.
        noise: dict[bytes, bytes | None] = dict.fromkeys(keys[150:], b"noise")
        root, _ = tree.update(root, noise)
        items = list(final.items())
        rng.shuffle(items)
        cuts = sorted(rng.sample(range(1, len(items)), 5 + trial))
        for lo, hi in zip([0, *cuts], [*cuts, len(items)], strict=True):
            root, _ = tree.update(root, dict(items[lo:hi]))
        root, _ = tree.update(root, dict.fromkeys(keys[200:]))
        assert root == one_batch
    # One key at a time, in reverse order.
    tree = _tree(algorithm)
    root = EMPTY_ROOT
    for key, value in reversed(list(final.items())):
        root, _ = tree.update(root, {key: value})
    assert root == one_batch


def test_deleting_everything_gives_the_empty_root(algorithm: Algorithm) -> None:
    tree = _tree(algorithm)
    keys = _keys(500, seed=4)
    root, _ = tree.update(EMPTY_ROOT, {key: key * 2 for key in keys})
    half, _ = tree.update(root, dict.fromkeys(keys[::2]))
    _assert_state(tree, half, {key: key * 2 for key in keys[1::2]}, keys[:20])
    for key in keys[1::2]:  # one by one: every collapse path
        half, _ = tree.update(half, {key: None})
    assert half == EMPTY_ROOT
    gone, batch = tree.update(root, dict.fromkeys(keys))
    assert (gone, len(batch)) == (EMPTY_ROOT, 0)


def test_values_of_any_size(algorithm: Algorithm) -> None:
    tree = _tree(algorithm)
    model = {b"": b"empty key", b"big": bytes(range(256)) * 400, b"k" * 500: b"long key"}
    root, _ = tree.update(EMPTY_ROOT, model)
    _assert_state(tree, root, model)


def test_bad_roots_are_refused(algorithm: Algorithm) -> None:
    tree = _tree(algorithm)
    with pytest.raises(ValueError, match="32 bytes"):
        tree.get(b"short", b"k")
    with pytest.raises(MissingNodeError):
        tree.get(b"\x01" * 32, b"k")
    with pytest.raises(MissingNodeError):
        tree.update(b"\x01" * 32, {b"k": b"v"})
    assert tree.pending_nodes == 0


# --- batches and the update / commit contract --------------------------------------------------


@pytest.mark.parametrize("deletes", [False, True])
def test_update_writes_nothing_and_batches_hold_only_new_nodes(
    algorithm: Algorithm, deletes: bool
) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store, cache_nodes_max=50)
    digest = digest_function(algorithm)
    rng = random.Random(5)
    keys = _keys(400, seed=5)
    root = EMPTY_ROOT
    for _ in range(8):
        before = dict(store.scan())
        changes: dict[bytes, bytes | None] = {
            key: (None if deletes and rng.random() < 0.2 else rng.randbytes(8))
            for key in rng.sample(keys, 60)
        }
        root, batch = tree.update(root, changes)
        assert dict(store.scan()) == before  # update() itself writes nothing
        for key, node in batch.operations.items():
            assert key.startswith(b"M/")
            assert len(key) == 34
            assert node is not None
            assert digest(node if node[0] == 1 else node[:65]) == key[2:]  # content-addressed
            if deletes:
                # A delete can bring back an earlier subtree; if its nodes are no longer cached,
                # the batch puts the same bytes again (idempotent), never different ones.
                assert before.get(key, node) == node
            else:
                assert key not in before
        _commit(tree, store, batch)
    # Everything reachable from the last root is stored: a cold tree reads it all.
    cold = _tree(algorithm, store, cache_nodes_max=0)
    assert sorted(cold.iter_items(root)) == sorted(tree.iter_items(root))


def test_setting_a_cached_old_value_again_writes_nothing_new(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    r1, b1 = tree.update(EMPTY_ROOT, {b"a": b"1", b"b": b"2", b"c": b"3"})
    _commit(tree, store, b1)
    r2, b2 = tree.update(r1, {b"a": b"changed"})
    _commit(tree, store, b2)
    r3, b3 = tree.update(r2, {b"a": b"1"})
    assert r3 == r1
    assert len(b3) == 0  # every node of r1 is cached, hence known to be stored


def test_chained_updates_before_any_write(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    keys = _keys(200, seed=6)
    r1, b1 = tree.update(EMPTY_ROOT, dict.fromkeys(keys, b"1"))
    r2, b2 = tree.update(r1, dict.fromkeys(keys[:50], b"2"))
    r3, b3 = tree.update(r2, dict.fromkeys(keys[150:]))
    assert next(store.scan(b"M/"), None) is None  # nothing written yet
    _assert_state(tree, r3, {**dict.fromkeys(keys[50:150], b"1"), **dict.fromkeys(keys[:50], b"2")})
    assert tree.pending_nodes > 0
    for batch in (b1, b2, b3):
        _commit(tree, store, batch)
    assert tree.pending_nodes == 0
    cold = _tree(algorithm, store)
    for root in (r1, r2, r3):
        assert sorted(cold.iter_items(root)) == sorted(tree.iter_items(root))


def test_commit_accepts_the_whole_block_batch(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    root, nodes = tree.update(EMPTY_ROOT, {b"a": b"1", b"b": b"2"})
    block = WriteBatch()
    block.put(b"b\x00\x00\x00\x00\x00\x00\x00\x01", b"block")
    block.update(nodes)
    block.put(b"M/" + b"\x00" * 31, b"not a node: wrong length")
    store.write(block)
    tree.commit(block)
    assert tree.pending_nodes == 0
    assert tree.get(root, b"a") == b"1"


def test_discard_releases_nodes_and_keeps_shared_ones(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    base, batch = tree.update(EMPTY_ROOT, dict.fromkeys(_keys(50, seed=8), b"base"))
    _commit(tree, store, batch)
    # Two competing blocks on the same parent create some of the same nodes.
    r1, b1 = tree.update(base, {b"x": b"1", b"shared": b"s"})
    r2, b2 = tree.update(base, {b"y": b"2", b"shared": b"s"})
    assert set(b1.operations) & set(b2.operations)  # at least the leaf of b"shared"
    tree.discard(b1)
    assert tree.get(r2, b"shared") == b"s"
    assert tree.get(r2, b"y") == b"2"
    with pytest.raises(MissingNodeError):
        tree.get(r1, b"x")
    tree.discard(b2)
    assert tree.pending_nodes == 0
    assert tree.get(base, b"x") is None


def test_a_failed_update_pins_nothing(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    keys = _keys(300, seed=9)
    root, batch = tree.update(EMPTY_ROOT, dict.fromkeys(keys, b"v"))
    _commit(tree, store, batch)
    # Lose one deep node, then update keys everywhere: the update fails half-way.
    victim = next(key for key, node in store.scan(b"M/") if node[0] == 0)
    store._data.pop(victim)
    store._sorted = None
    cold = _tree(algorithm, store)
    with pytest.raises(MissingNodeError):
        cold.update(root, dict.fromkeys(keys, b"w"))
    assert cold.pending_nodes == 0


def test_forgotten_commits_are_noticed(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store)
    tree._pending_check_at = 40  # the real threshold is >= 64Ki nodes
    root = EMPTY_ROOT
    for step in range(10):
        root, batch = tree.update(root, dict.fromkeys(_keys(30, seed=step), b"%d" % step))
        store.write(batch)  # but no commit()
    assert tree.pending_nodes <= 2 * 40 + 60
    assert tree.get(root, _keys(30, seed=9)[0]) == b"9"


# --- the cache ---------------------------------------------------------------------------------


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.get_manys = 0

    def get(self, key: bytes) -> bytes | None:
        self.gets += 1
        return super().get(key)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        self.get_manys += 1
        return super().get_many(keys)


@pytest.mark.parametrize("cache_max", [0, 1, 25])
def test_cache_stays_within_its_bound(algorithm: Algorithm, cache_max: int) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store, cache_nodes_max=cache_max)
    keys = _keys(300, seed=10)
    model: dict[bytes, bytes] = {}
    root = EMPTY_ROOT
    for step in range(5):
        changes: dict[bytes, bytes | None] = dict.fromkeys(keys[step * 40 :][:80], b"%d" % step)
        root, batch = tree.update(root, changes)
        _commit(tree, store, batch)
        _apply(model, changes)
        assert tree.cached_nodes <= cache_max
    _assert_state(tree, root, model, keys[-5:])
    assert tree.cached_nodes <= cache_max


@pytest.mark.parametrize("cache_max", [12, 200_000])
def test_reads_go_through_the_cache(algorithm: Algorithm, cache_max: int) -> None:
    store = CountingStore()
    writer = _tree(algorithm, store)
    keys = _keys(2000, seed=11)
    root, batch = writer.update(EMPTY_ROOT, dict.fromkeys(keys, b"v"))
    _commit(writer, store, batch)
    reader = _tree(algorithm, store, cache_nodes_max=cache_max)
    for key in keys[:50]:  # fill a small cache with other paths
        reader.get(root, key)
    assert reader.cached_nodes <= cache_max
    reader.get(root, keys[0])
    cold = store.gets
    for _ in range(3):
        assert reader.get(root, keys[0]) == b"v"
    assert store.gets == cold  # the path just used (4 or 5 nodes) stays cached
    # A batch update on a cold tree fetches the children it needs with get_many.
    fresh = _tree(algorithm, store)
    fresh.update(root, dict.fromkeys(keys[:500], b"w"))
    assert store.get_manys > 0


# --- reopening a store -------------------------------------------------------------------------


def test_reopen_reads_and_proves_every_root(algorithm: Algorithm) -> None:
    store = MemoryStore()
    tree = _tree(algorithm, store, cache_nodes_max=100)
    rng = random.Random(12)
    keys = _keys(250, seed=12)
    model: dict[bytes, bytes] = {}
    history: list[tuple[bytes, dict[bytes, bytes]]] = []
    root = EMPTY_ROOT
    for _ in range(6):
        changes: dict[bytes, bytes | None] = {
            key: (None if rng.random() < 0.3 else rng.randbytes(4)) for key in rng.sample(keys, 80)
        }
        root, batch = tree.update(root, changes)
        _commit(tree, store, batch)
        _apply(model, changes)
        history.append((root, dict(model)))
    reopened = _tree(algorithm, store, cache_nodes_max=100)
    for old_root, old_model in history:
        _assert_state(reopened, old_root, old_model, keys)
    # The reopened tree carries on from the last root.
    next_root, _ = reopened.update(root, {keys[0]: b"after reopen"})
    assert reopened.get(next_root, keys[0]) == b"after reopen"


def test_other_prefixes_are_independent(algorithm: Algorithm) -> None:
    store = MemoryStore()
    first = MerkleTree(store, algorithm, prefix=b"A/")
    second = MerkleTree(store, algorithm, prefix=b"B/")
    r1, b1 = first.update(EMPTY_ROOT, {b"k": b"1"})
    r2, b2 = second.update(EMPTY_ROOT, {b"k": b"2"})
    store.write(b1)
    store.write(b2)
    assert all(key.startswith(b"A/") for key in b1.operations)
    assert MerkleTree(store, algorithm, prefix=b"B/").get(r2, b"k") == b"2"
    with pytest.raises(MissingNodeError):
        MerkleTree(store, algorithm, prefix=b"B/").get(r1, b"k")


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_many_keys_against_a_model() -> None:
    store = MemoryStore()
    tree = MerkleTree(store, Algorithm.SHA256, cache_nodes_max=5_000)
    rng = random.Random(13)
    keys = [b"acct/%d" % i for i in range(6000)]
    model: dict[bytes, bytes] = {}
    root = EMPTY_ROOT
    for _ in range(5):
        changes: dict[bytes, bytes | None] = {
            key: (None if rng.random() < 0.2 else _sha256(key + rng.randbytes(2)))
            for key in rng.sample(keys, 2000)
        }
        root, batch = tree.update(root, changes)
        _commit(tree, store, batch)
        _apply(model, changes)
    expected, _ = MerkleTree(MemoryStore(), Algorithm.SHA256).update(EMPTY_ROOT, model)
    assert root == expected
    items = list(tree.iter_items(root))
    assert dict(items) == model
    assert [key for key, _ in items] == sorted(model, key=_sha256)  # in the order of H(key)
    for key in rng.sample(keys, 300):
        assert tree.get(root, key) == model.get(key)
        assert verify_proof(root, key, model.get(key), tree.prove(root, key), Algorithm.SHA256)


# --- the deepest paths -------------------------------------------------------------------------


class _Fixed:
    def __init__(self, digest: bytes) -> None:
        self._digest = digest

    def digest(self) -> bytes:
        return self._digest


def _weak_key_hash(data: bytes) -> _Fixed | hashlib._Hash:
    """SHA-256, except that keys b"K" + 2 bytes hash to 30 zero bytes and those 2 bytes: their
    paths share 60 nibbles, so leaves sit at depth 63 and 64 (impossible to find with SHA-256)."""
    if len(data) == 3 and data[:1] == b"K":
        return _Fixed(bytes(30) + data[1:])
    return hashlib.sha256(data)


def test_paths_as_deep_as_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    from jadechain.ledger.merkle import proof as proof_module

    monkeypatch.setattr(
        proof_module, "digest_function", lambda _: lambda data: _weak_key_hash(data).digest()
    )
    store = MemoryStore()
    tree = MerkleTree(store, Algorithm.SHA256)
    tree._new_hash = _weak_key_hash
    keys = [b"K" + i.to_bytes(2, "big") for i in (0, 1, 2, 17, 255, 256, 4096, 65535)]
    model = {key: b"v" + key for key in keys}
    root, batch = tree.update(EMPTY_ROOT, model)
    _commit(tree, store, batch)
    depths = {key: len(tree.prove(root, key).levels) for key in keys}
    assert depths[keys[0]] == depths[keys[1]] == 64  # they differ in the last nibble only
    assert depths[keys[3]] == 63
    _assert_state(tree, root, model, [b"K\x00\x03", b"K\x01\x01", b"other"])
    for key in keys:  # delete one by one: the chain above them collapses back
        root, batch = tree.update(root, {key: None})
        _commit(tree, store, batch)
        del model[key]
        _assert_state(tree, root, model, keys)
    assert root == EMPTY_ROOT
