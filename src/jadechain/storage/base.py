"""The storage seam: a small ordered key-value interface with atomic batches.

Engines (`memory`, `rocksdb`; later `redis`, `postgres`) implement `KVStore` and all pass the same
suite (tests/contract/test_storage_engines.py). Keys and values are bytes; keys order bytewise.
A block is written as one `WriteBatch`, so after a crash a store holds all of a block or none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

KEY_BYTES_MAX = 1024  # longer keys are a bug in the caller, not data
VALUE_BYTES_MAX = 64 * 1024 * 1024
SCAN_LIMIT_MAX = 1_000_000


class StorageError(Exception):
    """The engine failed (I/O, corruption, server unreachable). Not caused by ledger input."""


class StoreMissingError(StorageError):
    """Opened without `create` where no store exists yet (nothing was created)."""


class WriteBatch:
    """Puts and deletes applied together, all or nothing; a later operation on a key wins."""

    __slots__ = ("operations",)

    def __init__(self) -> None:
        # key -> value, or None for a delete; dicts keep the last write per key.
        self.operations: dict[bytes, bytes | None] = {}

    def put(self, key: bytes, value: bytes) -> None:
        if len(key) > KEY_BYTES_MAX:
            raise ValueError(f"key of {len(key)} bytes exceeds {KEY_BYTES_MAX}")
        if len(value) > VALUE_BYTES_MAX:
            raise ValueError(f"value of {len(value)} bytes exceeds {VALUE_BYTES_MAX}")
        self.operations[bytes(key)] = bytes(value)

    def delete(self, key: bytes) -> None:
        self.operations[bytes(key)] = None

    def update(self, other: WriteBatch) -> None:
        self.operations.update(other.operations)

    def __len__(self) -> int:
        return len(self.operations)


class KVStore(Protocol):
    def get(self, key: bytes) -> bytes | None:
        """The value at `key`, or None."""
        ...

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Values in the order of `keys` (None where absent)."""
        ...

    def scan(
        self,
        prefix: bytes = b"",
        start: bytes | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs whose key starts with `prefix`, in key order (descending if
        `reverse`), beginning at `start` inclusive when given (in reverse: the greatest key <=
        `start`), at most `limit` pairs."""
        ...

    def write(self, batch: WriteBatch) -> None:
        """Apply the batch atomically and durably enough to survive a process crash."""
        ...

    def close(self) -> None: ...


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key that starts with `prefix` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])
