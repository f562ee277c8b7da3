"""The key-value seam every ledger store stands on, and its engines."""

from jadechain.storage.base import KVStore, StorageError, StoreMissingError, WriteBatch
from jadechain.storage.memory import MemoryStore

__all__ = ["KVStore", "MemoryStore", "StorageError", "StoreMissingError", "WriteBatch"]
