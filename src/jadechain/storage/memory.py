"""An in-memory engine: for tests, `jadechain.testing` and benchmarks of the layers above.

A lock makes each batch atomic for readers in other threads too: `get_many` and `scan` see the
store before a `write` or after it, never half-way (a scan reads the store as of the call).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator, Sequence

from jadechain.storage.base import SCAN_LIMIT_MAX, StorageError, WriteBatch, prefix_end


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = []
        self._closed = False
        self._lock = threading.Lock()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("store is closed")

    def get(self, key: bytes) -> bytes | None:
        self._check_open()
        return self._data.get(key)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        self._check_open()
        with self._lock:
            return [self._data.get(key) for key in keys]

    def _keys(self) -> list[bytes]:
        if self._sorted is None:
            self._sorted = sorted(self._data)
        return self._sorted

    def scan(
        self,
        prefix: bytes = b"",
        start: bytes | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[tuple[bytes, bytes]]:
        self._check_open()
        limit = SCAN_LIMIT_MAX if limit is None else min(limit, SCAN_LIMIT_MAX)
        with self._lock:
            return iter(self._scan_locked(prefix, start, reverse, limit))

    def _scan_locked(
        self, prefix: bytes, start: bytes | None, reverse: bool, limit: int
    ) -> list[tuple[bytes, bytes]]:
        keys = self._keys()
        if reverse:
            upper = prefix_end(prefix)
            index = len(keys) if upper is None else bisect.bisect_left(keys, upper)
            if start is not None:
                index = min(index, bisect.bisect_right(keys, start))
            candidates = (keys[i] for i in range(index - 1, -1, -1))
        else:
            first = prefix if start is None else max(start, prefix)
            index = bisect.bisect_left(keys, first)
            candidates = (keys[i] for i in range(index, len(keys)))
        pairs: list[tuple[bytes, bytes]] = []
        for key in candidates:
            if len(pairs) >= limit:
                break
            if not key.startswith(prefix):
                break
            pairs.append((key, self._data[key]))
        return pairs

    def write(self, batch: WriteBatch) -> None:
        self._check_open()
        with self._lock:
            data = self._data
            inserts = any(k not in data for k, v in batch.operations.items() if v is not None)
            for key, value in batch.operations.items():
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
            if inserts or any(v is None for v in batch.operations.values()):
                self._sorted = None

    def close(self) -> None:
        self._closed = True
