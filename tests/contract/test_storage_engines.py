"""The storage contract: one suite that every `KVStore` engine passes.

Adding an engine is one line in `ENGINES` (how to open a fresh store in a scratch directory).
The last section tests what is particular to one engine (RocksDB's lock and lifecycle) and the
`open_store` URL factory.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jadechain.storage.base import (
    KEY_BYTES_MAX,
    KVStore,
    StorageError,
    StoreMissingError,
    WriteBatch,
)
from jadechain.storage.factory import open_store
from jadechain.storage.memory import MemoryStore
from jadechain.storage.rocksdb import RocksDBStore

MIB = 1024 * 1024


@dataclass(frozen=True)
class Engine:
    name: str
    open: Callable[[Path], KVStore]  # a store in `directory` (a fresh store if it is empty)
    persistent: bool  # does reopening the same directory give back the data?


ENGINES = [
    Engine("memory", lambda _directory: MemoryStore(), persistent=False),
    Engine("rocksdb", lambda directory: RocksDBStore(directory, cache_bytes=8 * MIB), True),
]
PERSISTENT_ENGINES = [engine for engine in ENGINES if engine.persistent]


@pytest.fixture(params=ENGINES, ids=lambda engine: engine.name)
def engine(request: pytest.FixtureRequest) -> Engine:
    chosen: Engine = request.param
    return chosen


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Iterator[KVStore]:
    opened = engine.open(tmp_path / "store")
    yield opened
    opened.close()


def put_all(store: KVStore, items: dict[bytes, bytes]) -> None:
    batch = WriteBatch()
    for key, value in items.items():
        batch.put(key, value)
    store.write(batch)


def model_scan(
    data: dict[bytes, bytes],
    prefix: bytes = b"",
    start: bytes | None = None,
    reverse: bool = False,
    limit: int | None = None,
) -> list[tuple[bytes, bytes]]:
    """What `scan` must return, computed the slow and obvious way."""
    keys = sorted((key for key in data if key.startswith(prefix)), reverse=reverse)
    if start is not None:
        keys = [key for key in keys if (key <= start if reverse else key >= start)]
    if limit is not None:
        keys = keys[: max(limit, 0)]
    return [(key, data[key]) for key in keys]


# -- point operations ----------------------------------------------------------------------------


def test_get_put_overwrite_delete(store: KVStore) -> None:
    assert store.get(b"k") is None
    put_all(store, {b"k": b"v1", b"empty": b""})
    assert store.get(b"k") == b"v1"
    assert store.get(b"empty") == b""  # an empty value is not a missing one
    put_all(store, {b"k": b"v2"})
    assert store.get(b"k") == b"v2"
    batch = WriteBatch()
    batch.delete(b"k")
    batch.delete(b"never-written")  # deleting a missing key is fine
    store.write(batch)
    assert store.get(b"k") is None
    assert store.get(b"empty") == b""


def test_get_many_keeps_order_and_reports_missing(store: KVStore) -> None:
    put_all(store, {b"a": b"1", b"b": b"2", b"c": b"3"})
    assert store.get_many([b"c", b"missing", b"a", b"c", b"b"]) == [b"3", None, b"1", b"3", b"2"]
    assert store.get_many([]) == []
    assert store.get_many([b"x", b"y"]) == [None, None]
    assert store.get_many((b"b",)) == [b"2"]  # any sequence


def test_binary_keys_with_zero_and_ff_bytes(store: KVStore) -> None:
    items = {
        b"": b"empty key",
        b"\x00": b"zero",
        b"\x00\x00": b"zero zero",
        b"a\x00b": b"embedded zero",
        b"a\xffb": b"embedded ff",
        b"\xff": b"ff",
        b"\xff\xff\xff": b"ff ff ff",
        bytes(range(256)): b"every byte",
    }
    put_all(store, items)
    for key, value in items.items():
        assert store.get(key) == value
    assert store.get(b"a") is None  # no confusion at a zero byte
    assert store.get_many(list(items)) == list(items.values())
    assert list(store.scan()) == sorted(items.items())


def test_values_up_to_one_mebibyte(store: KVStore) -> None:
    rng = random.Random(7)
    items = {b"big/%d" % size: rng.randbytes(size) for size in (MIB, MIB - 1, 300_000, 1)}
    put_all(store, items)
    for key, value in items.items():
        assert store.get(key) == value
    assert store.get_many(list(items)) == list(items.values())
    assert list(store.scan(b"big/")) == sorted(items.items())


def test_key_size_limit(store: KVStore) -> None:
    batch = WriteBatch()
    with pytest.raises(ValueError, match="exceeds"):
        batch.put(b"k" * (KEY_BYTES_MAX + 1), b"v")
    longest = b"\xfe" * KEY_BYTES_MAX
    batch.put(longest, b"v")
    store.write(batch)
    assert store.get(longest) == b"v"
    assert list(store.scan(b"\xfe")) == [(longest, b"v")]


# -- batches -------------------------------------------------------------------------------------


def test_last_write_in_a_batch_wins(store: KVStore) -> None:
    put_all(store, {b"deleted-then-put": b"old", b"put-then-deleted": b"old"})
    batch = WriteBatch()
    batch.put(b"twice", b"first")
    batch.put(b"twice", b"second")
    batch.delete(b"deleted-then-put")
    batch.put(b"deleted-then-put", b"new")
    batch.put(b"put-then-deleted", b"new")
    batch.delete(b"put-then-deleted")
    batch.put(b"fresh-then-deleted", b"new")
    batch.delete(b"fresh-then-deleted")
    store.write(batch)
    assert store.get(b"twice") == b"second"
    assert store.get(b"deleted-then-put") == b"new"
    assert store.get(b"put-then-deleted") is None
    assert store.get(b"fresh-then-deleted") is None
    assert [key for key, _ in store.scan()] == [b"deleted-then-put", b"twice"]


def test_batch_applies_puts_and_deletes_together(store: KVStore) -> None:
    put_all(store, {b"blk/%03d" % i: b"old" for i in range(100)})
    batch = WriteBatch()
    for i in range(0, 100, 2):
        batch.delete(b"blk/%03d" % i)
    for i in range(100, 150):
        batch.put(b"blk/%03d" % i, b"new")
    other = WriteBatch()
    other.put(b"height", b"1")
    batch.update(other)
    store.write(batch)
    keys = [key for key, _ in store.scan(b"blk/")]
    assert keys == [b"blk/%03d" % i for i in [*range(1, 100, 2), *range(100, 150)]]
    assert store.get(b"height") == b"1"


def test_empty_batch_is_a_no_op(store: KVStore) -> None:
    put_all(store, {b"a": b"1"})
    store.write(WriteBatch())
    assert list(store.scan()) == [(b"a", b"1")]


def test_readers_never_see_half_a_batch(store: KVStore) -> None:
    """While one thread writes batches that set ten keys to one number, readers in another
    thread always see the ten keys agree (through get_many and through scan)."""
    keys = [b"pair/%d" % i for i in range(10)]
    put_all(store, dict.fromkeys(keys, b"0"))
    stop = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not stop.is_set():
            values = store.get_many(keys)
            scanned = [value for _, value in store.scan(b"pair/")]
            for seen in (values, scanned):
                if len(set(seen)) != 1 or len(seen) != len(keys):
                    failures.append(repr(seen))
                    return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(1, 1500):
            put_all(store, dict.fromkeys(keys, b"%d" % n))
            if failures:
                break
    finally:
        stop.set()
        reader.join(timeout=30)
        sys.setswitchinterval(interval)
    assert not reader.is_alive()
    assert failures == []


@pytest.mark.parametrize("engine", PERSISTENT_ENGINES, ids=lambda engine: engine.name)
def test_persistent_engine_keeps_data_across_reopen(engine: Engine, tmp_path: Path) -> None:
    first = engine.open(tmp_path / "store")
    put_all(first, {b"a": b"1", b"b": b"2"})
    batch = WriteBatch()
    batch.delete(b"a")
    first.write(batch)
    first.close()
    second = engine.open(tmp_path / "store")
    try:
        assert list(second.scan()) == [(b"b", b"2")]
    finally:
        second.close()


# -- scans ---------------------------------------------------------------------------------------

SCAN_DATA = {
    key: b"value of " + key
    for key in [
        b"",
        b"\x00",
        b"\x00\x00",
        b"\x00\xff",
        b"a",
        b"a\x00",
        b"a\x00\x00",
        b"a\xff",
        b"ab",
        b"abc",
        b"ac",
        b"b",
        b"\xfe\xff",
        b"\xff",
        b"\xff\x00",
        b"\xff\xff",
        b"\xff\xff\x00",
        b"\xff\xff\xff",
    ]
}

SCAN_CASES: list[tuple[bytes, bytes | None, bool, int | None]] = [
    # (prefix, start, reverse, limit)
    (b"", None, False, None),
    (b"", None, True, None),
    (b"", b"", False, None),
    (b"", b"", True, None),
    (b"", b"ab", False, 3),
    (b"", b"ab", True, 3),
    (b"", b"aa", True, None),  # start between keys
    (b"", b"\xff\xff\xff\xff", True, 2),  # start after every key
    (b"a", None, False, None),
    (b"a", None, True, None),
    (b"a", b"0", False, None),  # start before the prefix range
    (b"a", b"0", True, None),
    (b"a", b"z", False, None),  # start after the prefix range
    (b"a", b"z", True, None),
    (b"a", b"a", True, None),  # start is the prefix itself
    (b"a", b"a\x00", False, None),
    (b"a", b"a\x00", True, None),
    (b"a", b"a\x01", True, None),
    (b"a", b"ab\x00", True, None),
    (b"a", b"b", True, 2),  # start is exactly the end of the prefix range
    (b"a", None, False, 0),
    (b"a", None, True, 0),
    (b"a", None, False, 1),
    (b"a", None, True, 1),
    (b"a", None, False, 1000),
    (b"a", None, False, -1),
    (b"\x00", None, False, None),
    (b"\x00", None, True, None),
    (b"\xff", None, False, None),  # prefixes of 0xff bytes have no upper bound
    (b"\xff", None, True, None),
    (b"\xff\xff", None, False, None),
    (b"\xff\xff", None, True, None),
    (b"\xff\xff", b"\xff\xff\x00", True, None),
    (b"\xff\xff", b"\xff", False, None),
    (b"\xff\xff", b"\xff", True, None),
    (b"\xff\xff\xff\xff", None, True, None),
    (b"\xfe", None, True, None),
    (b"c", None, False, None),  # nothing has the prefix
    (b"c", None, True, None),
    (b"c", b"c", True, None),
]


@pytest.mark.parametrize(("prefix", "start", "reverse", "limit"), SCAN_CASES)
def test_scan_matches_model(
    store: KVStore, prefix: bytes, start: bytes | None, reverse: bool, limit: int | None
) -> None:
    put_all(store, SCAN_DATA)
    expected = model_scan(SCAN_DATA, prefix, start, reverse, limit)
    assert list(store.scan(prefix, start, reverse, limit)) == expected
    assert list(store.scan(prefix=prefix, start=start, reverse=reverse, limit=limit)) == expected


def test_scan_hand_checked_cases(store: KVStore) -> None:
    """The model's answers spelled out, so the model itself is checked (0xff sorts after b)."""
    put_all(store, SCAN_DATA)

    def keys(
        prefix: bytes = b"",
        start: bytes | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> list[bytes]:
        return [key for key, _ in store.scan(prefix, start, reverse, limit)]

    assert keys(b"a") == [b"a", b"a\x00", b"a\x00\x00", b"ab", b"abc", b"ac", b"a\xff"]
    assert keys(b"a", reverse=True, limit=3) == [b"a\xff", b"ac", b"abc"]
    assert keys(b"a", start=b"ab") == [b"ab", b"abc", b"ac", b"a\xff"]
    assert keys(b"a", start=b"ab\x00", reverse=True) == [b"ab", b"a\x00\x00", b"a\x00", b"a"]
    assert keys(b"a", start=b"0", reverse=True) == []
    assert keys(b"a", start=b"z") == []
    assert keys(b"\xff\xff") == [b"\xff\xff", b"\xff\xff\x00", b"\xff\xff\xff"]
    assert keys(b"\xff\xff", reverse=True) == [b"\xff\xff\xff", b"\xff\xff\x00", b"\xff\xff"]
    assert keys(start=b"\xff\xff", reverse=True, limit=2) == [b"\xff\xff", b"\xff\x00"]
    assert keys(start=b"", reverse=True) == [b""]
    assert keys(limit=0) == []
    assert keys(start=b"ac\x00", limit=3) == [b"a\xff", b"b", b"\xfe\xff"]


def test_scan_of_empty_store(store: KVStore) -> None:
    assert list(store.scan()) == []
    assert list(store.scan(reverse=True)) == []
    assert list(store.scan(b"\xff", start=b"\xff", reverse=True)) == []


def test_scan_is_lazy_enough_to_stop_early(store: KVStore) -> None:
    put_all(store, {b"n/%05d" % i: b"x" * 100 for i in range(5000)})
    scan = store.scan(b"n/")
    first = [next(scan) for _ in range(3)]
    assert [key for key, _ in first] == [b"n/00000", b"n/00001", b"n/00002"]
    assert sum(1 for _ in scan) == 4997
    assert next(scan, None) is None  # exhausted stays exhausted


# -- closed stores -------------------------------------------------------------------------------


def test_closed_store_refuses_every_operation(store: KVStore) -> None:
    put_all(store, {b"a": b"1"})
    store.close()
    batch = WriteBatch()
    batch.put(b"b", b"2")
    with pytest.raises(StorageError, match="closed"):
        store.get(b"a")
    with pytest.raises(StorageError, match="closed"):
        store.get_many([b"a"])
    with pytest.raises(StorageError, match="closed"):
        store.scan()  # at the call, not at the first next()
    with pytest.raises(StorageError, match="closed"):
        store.scan(b"a", reverse=True, limit=0)
    with pytest.raises(StorageError, match="closed"):
        store.write(batch)
    with pytest.raises(StorageError, match="closed"):
        store.write(WriteBatch())
    store.close()  # closing twice is harmless


# -- random batches against a model --------------------------------------------------------------

model_keys = st.lists(st.sampled_from(b"\x00\x01a\xfe\xff"), max_size=4).map(bytes)
model_values = st.binary(max_size=8)


class StoreAgainstModel(RuleBasedStateMachine):
    """Random batches, reads and scans on an engine and on a dict; they must always agree."""

    def __init__(self, engine: Engine, directory: Path) -> None:
        super().__init__()
        self.engine = engine
        self.directory = directory
        self.store = engine.open(directory)
        self.model: dict[bytes, bytes] = {}

    @rule(
        operations=st.lists(st.tuples(model_keys, st.none() | model_values), max_size=12),
    )
    def write(self, operations: list[tuple[bytes, bytes | None]]) -> None:
        batch = WriteBatch()
        for key, value in operations:
            if value is None:
                batch.delete(key)
                self.model.pop(key, None)
            else:
                batch.put(key, value)
                self.model[key] = value
        self.store.write(batch)

    @rule(keys=st.lists(model_keys, max_size=6))
    def get_many(self, keys: list[bytes]) -> None:
        assert self.store.get_many(keys) == [self.model.get(key) for key in keys]
        for key in keys:
            assert self.store.get(key) == self.model.get(key)

    @rule(
        prefix=model_keys,
        start=st.none() | model_keys,
        reverse=st.booleans(),
        limit=st.none() | st.integers(min_value=0, max_value=6),
    )
    def scan(self, prefix: bytes, start: bytes | None, reverse: bool, limit: int | None) -> None:
        expected = model_scan(self.model, prefix, start, reverse, limit)
        assert list(self.store.scan(prefix, start, reverse, limit)) == expected

    @precondition(lambda self: self.engine.persistent)
    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = self.engine.open(self.directory)

    @invariant()
    def everything_matches(self) -> None:
        assert list(self.store.scan()) == sorted(self.model.items())

    def teardown(self) -> None:
        self.store.close()


def test_random_batches_and_scans_match_a_dict(engine: Engine, tmp_path: Path) -> None:
    runs = count()

    class FreshStore(StoreAgainstModel):
        def __init__(self) -> None:
            super().__init__(engine, tmp_path / f"run-{next(runs)}")

    run_state_machine_as_test(
        FreshStore,
        settings=settings(max_examples=40, stateful_step_count=25, deadline=None, database=None),
    )


# -- RocksDB in particular -----------------------------------------------------------------------


def test_rocksdb_refuses_a_second_open_in_the_same_process(tmp_path: Path) -> None:
    first = RocksDBStore(tmp_path / "db", cache_bytes=MIB)
    try:
        with pytest.raises(StorageError, match="already open") as raised:
            RocksDBStore(tmp_path / "db", cache_bytes=MIB)
        assert str(tmp_path / "db") in str(raised.value)
    finally:
        first.close()
    RocksDBStore(tmp_path / "db", cache_bytes=MIB).close()  # the lock went with the close


def test_rocksdb_close_ends_scans_in_progress(tmp_path: Path) -> None:
    store = RocksDBStore(tmp_path / "db", cache_bytes=MIB)
    put_all(store, {b"k%d" % i: b"v" for i in range(10)})
    running = store.scan()
    assert next(running) == (b"k0", b"v")
    finished = store.scan(limit=1)
    assert list(finished) == [(b"k0", b"v")]
    store.close()
    with pytest.raises(StorageError, match="closed during a scan"):
        next(running)
    assert next(finished, None) is None
    # The open iterator did not keep the database (and its lock) alive.
    reopened = RocksDBStore(tmp_path / "db", cache_bytes=MIB)
    assert reopened.get(b"k9") == b"v"
    reopened.close()


def test_rocksdb_errors_are_storage_errors_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(StoreMissingError, match="no RocksDB store") as missing_store:
        RocksDBStore(missing, create=False)
    assert str(missing) in str(missing_store.value)
    assert not missing.exists()
    not_a_directory = tmp_path / "file"
    not_a_directory.write_bytes(b"not a database")
    with pytest.raises(StorageError, match="cannot open") as raised:
        RocksDBStore(not_a_directory)
    assert str(not_a_directory) in str(raised.value)
    with pytest.raises(ValueError, match="cache_bytes"):
        RocksDBStore(tmp_path / "db", cache_bytes=0)


def test_rocksdb_wraps_engine_failures(tmp_path: Path) -> None:
    store = RocksDBStore(tmp_path / "db", cache_bytes=MIB)
    try:
        with pytest.raises(StorageError, match="get failed") as raised:
            store.get("not bytes")  # type: ignore[arg-type]
        assert str(tmp_path / "db") in str(raised.value)
        assert raised.value.__cause__ is not None
        with pytest.raises(StorageError, match="get_many failed"):
            store.get_many(["not bytes"])  # type: ignore[list-item]
        with pytest.raises(StorageError, match="scan failed"):
            store.scan(start="not bytes")  # type: ignore[arg-type]
    finally:
        store.close()


def test_rocksdb_create_false_opens_an_existing_store(tmp_path: Path) -> None:
    store = RocksDBStore(tmp_path / "db", cache_bytes=MIB)
    put_all(store, {b"a": b"1"})
    store.close()
    again = RocksDBStore(tmp_path / "db", cache_bytes=MIB, create=False)
    assert again.get(b"a") == b"1"
    assert "open" in repr(again)
    again.close()
    assert "closed" in repr(again)


# -- open_store ----------------------------------------------------------------------------------


def test_open_store_memory() -> None:
    store = open_store("memory://")
    assert isinstance(store, MemoryStore)
    store.close()
    with pytest.raises(ValueError, match="memory"):
        open_store("memory://somewhere")


def test_open_store_rocksdb_absolute_and_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absolute = open_store(f"rocksdb://{tmp_path / 'abs'}")
    assert isinstance(absolute, RocksDBStore)
    assert absolute.path == tmp_path / "abs"
    absolute.close()
    monkeypatch.chdir(tmp_path)
    relative = open_store("rocksdb:rel/db")
    assert isinstance(relative, RocksDBStore)
    assert relative.path == Path("rel/db")
    relative.close()
    assert (tmp_path / "rel" / "db" / "CURRENT").is_file()
    assert os.path.isabs(str(tmp_path / "abs"))


def test_open_store_without_create_refuses_a_missing_store_and_creates_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(StoreMissingError, match=str(missing)):
        open_store(f"rocksdb://{missing}", create=False)
    assert not missing.exists()
    open_store(f"rocksdb://{missing}").close()  # made here
    open_store(f"rocksdb://{missing}", create=False).close()  # now it exists


@pytest.mark.parametrize("url", ["rocksdb://host/db", "rocksdb:", "rocksdb://"])
def test_open_store_rejects_bad_rocksdb_urls(url: str) -> None:
    with pytest.raises(ValueError, match="rocksdb"):
        open_store(url)


@pytest.mark.parametrize("url", ["redis://localhost", "sqlite:///x", "", "/just/a/path"])
def test_open_store_unknown_scheme_lists_the_known_ones(url: str) -> None:
    with pytest.raises(ValueError, match="known schemes are memory:, rocksdb:"):
        open_store(url)
