"""Ledger state: the keys, the records, and a write overlay with per-transaction rollback.

State is one map from state keys to bytes, authenticated by the Merkle tree (`ledger.merkle`):
the tree's leaf for a key holds H(value); the values themselves are kept in the plain store.

Plain-store layout (prefix byte, then the state key):
- `s` + key -> value: the latest committed value of every key;
- `h` + H(value) -> value: values of *mutable* keys by hash, so a read "as of block h" goes
  tree(root_h).get(key) -> H(value) -> `h` record. Immutable keys (entry versions, events,
  contract code) never change once written, so their latest value is every block's value.

State keys: a one-byte kind, then parts separated by 0x00 (addresses are Base58 and keys, topics and
role names may not contain NUL), versions and sequences as 8-byte big-endian so they sort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from jadechain import codec
from jadechain.codec import Record
from jadechain.crypto import PublicKey
from jadechain.ledger import security
from jadechain.ledger.merkle import MerkleTree
from jadechain.ledger.model import (
    AccountKind,
    LedgerPermission,
    ParticipantState,
    TransactionPermission,
)
from jadechain.ledger.security import RoleRecord, UserRecord
from jadechain.storage import KVStore, WriteBatch

R = TypeVar("R", bound=Record)
Permission = LedgerPermission | TransactionPermission
Hasher = Callable[[bytes], bytes]

LATEST_PREFIX = b"s"
BY_HASH_PREFIX = b"h"
IMMUTABLE_KINDS = frozenset(b"ENC")
SEPARATOR = b"\x00"
ROLE_KIND = ord("R")
RECORDS_CACHED_MAX = 65536  # decoded records kept while one block executes


class AccountRecord(Record, frozen=True):
    kind: AccountKind
    public_key: PublicKey
    owners: list[str]
    writer_role: str | None = None
    contract_version: int = -1  # contracts: the current version (0, 1, ...)
    frozen: bool = False


class ParticipantRecord(Record, frozen=True):
    name: str
    public_key: PublicKey
    state: ParticipantState
    host: str = ""
    port: int = 0


class LedgerSettings(Record, frozen=True):
    suite: str
    hash_algorithm: str
    accepted_signature_algorithms: list[str]
    time_window_ms: int
    contract_fuel_max: int
    consensus_provider: str
    consensus_settings: dict[str, str]


# --- state keys ----------------------------------------------------------------------------------


def _part(text: str) -> bytes:
    data = text.encode()
    if SEPARATOR in data:
        raise ValueError("names, keys and topics may not contain the NUL character")
    return data


def user_key(address: str) -> bytes:
    return b"U" + _part(address)


def account_key(address: str) -> bytes:
    return b"A" + _part(address)


def latest_version_key(address: str, key: str) -> bytes:
    return b"V" + _part(address) + SEPARATOR + _part(key)


def entry_key(address: str, key: str, version: int) -> bytes:
    return b"E" + _part(address) + SEPARATOR + _part(key) + SEPARATOR + version.to_bytes(8, "big")


def entry_key_of_pointer(pointer: bytes, version: int) -> bytes:
    """`entry_key(a, k, version)` from `latest_version_key(a, k)`, without re-encoding a and k."""
    return b"E" + pointer[1:] + SEPARATOR + version.to_bytes(8, "big")


def topic_key(address: str, topic: str) -> bytes:
    return b"T" + _part(address) + SEPARATOR + _part(topic)


def event_key(address: str, topic: str, sequence: int) -> bytes:
    return (
        b"N" + _part(address) + SEPARATOR + _part(topic) + SEPARATOR + sequence.to_bytes(8, "big")
    )


def code_key(address: str, version: int) -> bytes:
    return b"C" + _part(address) + SEPARATOR + version.to_bytes(8, "big")


def participant_key(address: str) -> bytes:
    return b"P" + _part(address)


def role_key(name: str) -> bytes:
    return b"R" + _part(name)


SETTINGS_KEY = b"S"


def encode_counter(value: int) -> bytes:
    return value.to_bytes(8, "big")


def decode_counter(data: bytes) -> int:
    return int.from_bytes(data, "big")


# --- the overlay ---------------------------------------------------------------------------------


class State:
    """Committed state at `root`, plus the changes of the block being executed.

    Changes go to a transaction overlay; `commit_transaction` folds it into the block overlay and
    `rollback_transaction` drops it, so a failed transaction leaves no trace. `finish` turns the
    block overlay into the new state root and the store writes that go with the block.
    """

    def __init__(self, store: KVStore, tree: MerkleTree, root: bytes, hasher: Hasher) -> None:
        self.store = store
        self.tree = tree
        self.root = root
        self.hasher = hasher
        self._block: dict[bytes, bytes] = {}
        self._transaction: dict[bytes, bytes] = {}
        # Decoded records by key, with the bytes they came from: users, roles, accounts and the
        # settings are read by nearly every transaction, and decoding is most of a read's cost.
        self._records: dict[bytes, tuple[bytes, Record]] = {}
        # Permission sets by (state, roles, policy) of a user; cleared whenever a role changes.
        self._permissions: dict[tuple[object, ...], frozenset[Permission]] = {}

    def get(self, key: bytes) -> bytes | None:
        value = self._transaction.get(key)
        if value is None:
            value = self._block.get(key)
        if value is None:
            value = self.store.get(LATEST_PREFIX + key)
        return value

    def put(self, key: bytes, value: bytes) -> None:
        if key[0] == ROLE_KIND:
            self._permissions.clear()
        self._transaction[key] = value

    def permissions_of(self, user: UserRecord) -> frozenset[Permission]:
        """What `user` may do, given the roles in this state."""
        shape = (user.state, tuple(user.roles), user.policy)
        found = self._permissions.get(shape)
        if found is None:
            roles = {name: role for name in user.roles if (role := self.role(name)) is not None}
            found = self._permissions[shape] = security.permissions(user, roles)
        return found

    def load(self, key: bytes, type_: type[R]) -> R | None:
        data = self.get(key)
        if data is None:
            return None
        cached = self._records.get(key)
        if cached is not None and cached[0] == data and type(cached[1]) is type_:
            return cached[1]
        record = codec.decode(data, type_)
        if len(self._records) >= RECORDS_CACHED_MAX:
            self._records.clear()
        self._records[key] = (data, record)
        return record

    def save(self, key: bytes, record: Record) -> None:
        self.put(key, codec.encode(record))

    def commit_transaction(self) -> None:
        self._block.update(self._transaction)
        self._transaction = {}

    def rollback_transaction(self) -> None:
        if any(key[0] == ROLE_KIND for key in self._transaction):
            self._permissions.clear()
        self._transaction = {}

    def changes(self) -> dict[bytes, bytes]:
        return dict(self._block)

    def finish(self) -> tuple[bytes, WriteBatch]:
        """The new state root and the writes (tree nodes and values) to store with the block."""
        if self._transaction:
            raise RuntimeError("finish() with an open transaction overlay")
        hasher = self.hasher
        leaves = {key: hasher(value) for key, value in self._block.items()}
        root, batch = self.tree.update(self.root, leaves)
        put = batch.put
        for key, value in self._block.items():
            put(LATEST_PREFIX + key, value)
            if key[0] not in IMMUTABLE_KINDS:
                put(BY_HASH_PREFIX + leaves[key], value)
        return root, batch

    # Typed accessors used by the executor and the store's queries.
    def user(self, address: str) -> UserRecord | None:
        return self.load(user_key(address), UserRecord)

    def role(self, name: str) -> RoleRecord | None:
        return self.load(role_key(name), RoleRecord)

    def account(self, address: str) -> AccountRecord | None:
        return self.load(account_key(address), AccountRecord)

    def participant(self, address: str) -> ParticipantRecord | None:
        return self.load(participant_key(address), ParticipantRecord)

    def settings(self) -> LedgerSettings:
        settings = self.load(SETTINGS_KEY, LedgerSettings)
        if settings is None:
            raise RuntimeError("ledger state has no settings: not a ledger")
        return settings

    def counter(self, key: bytes) -> int | None:
        data = self.get(key)
        return None if data is None else decode_counter(data)


def read_as_of(store: KVStore, tree: MerkleTree, root: bytes, key: bytes) -> bytes | None:
    """The value of `key` in the state whose root is `root` (an earlier block's state)."""
    digest = tree.get(root, key)
    if digest is None:
        return None
    if key[0] in IMMUTABLE_KINDS:
        return store.get(LATEST_PREFIX + key)
    return store.get(BY_HASH_PREFIX + digest)


def scan_latest(
    store: KVStore, prefix: bytes, start: bytes | None = None, limit: int | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """Committed (state key, value) pairs under a state-key prefix, in key order."""
    begin = None if start is None else LATEST_PREFIX + start
    for key, value in store.scan(LATEST_PREFIX + prefix, begin, limit=limit):
        yield key[len(LATEST_PREFIX) :], value
