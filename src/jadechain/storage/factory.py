"""Open a store from a URL: `memory://`, `rocksdb:///absolute/path`, `rocksdb:relative/path`.

Each engine is one entry of `_OPENERS`; engines are imported only when their scheme is used, so
`memory://` works without the RocksDB binding installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jadechain.storage.base import KVStore


def _open_memory(rest: str, url: str, create: bool) -> KVStore:
    if rest not in {"", "//"}:
        raise ValueError(f"a memory store takes no path or host: {url!r} (use 'memory://')")
    from jadechain.storage.memory import MemoryStore

    return MemoryStore()


def _open_rocksdb(rest: str, url: str, create: bool) -> KVStore:
    if rest.startswith("//"):
        # rocksdb:///abs/path has an empty authority; rocksdb://host/... is not a local path.
        path = rest[2:]
        if not path.startswith("/"):
            raise ValueError(
                f"bad RocksDB URL {url!r}: use rocksdb:///absolute/path or rocksdb:relative/path"
            )
    else:
        path = rest
    if not path:
        raise ValueError(f"RocksDB URL {url!r} names no directory")
    from jadechain.storage.rocksdb import RocksDBStore

    return RocksDBStore(Path(path), create=create)


_OPENERS: dict[str, Callable[[str, str, bool], KVStore]] = {
    "memory": _open_memory,
    "rocksdb": _open_rocksdb,
}


def open_store(url: str, create: bool = True) -> KVStore:
    """The store `url` names. Paths are taken literally (no percent-decoding). With
    `create=False` a persistent store that does not exist yet is refused (StorageError) and
    nothing is created on disk."""
    scheme, colon, rest = url.partition(":")
    opener = _OPENERS.get(scheme.lower()) if colon else None
    if opener is None:
        known = ", ".join(f"{name}:" for name in sorted(_OPENERS))
        raise ValueError(f"unknown storage URL {url!r}: known schemes are {known}")
    return opener(rest, url, create)
