"""Reads over a ledger's committed state: entries, their history, events, accounts."""

from __future__ import annotations

from jadechain import codec
from jadechain.ledger.state import (
    SEPARATOR,
    AccountRecord,
    ParticipantRecord,
    decode_counter,
    entry_key,
    event_key,
    latest_version_key,
    scan_latest,
    topic_key,
)
from jadechain.ledger.store import Ledger
from jadechain.ledger.values import Value, decode_value

QUERY_LIMIT_MAX = 1000


def _limit(limit: int) -> int:
    if not 1 <= limit <= QUERY_LIMIT_MAX:
        raise ValueError(f"limit must be 1-{QUERY_LIMIT_MAX}, got {limit}")
    return limit


def entry(
    ledger: Ledger, address: str, key: str, version: int | None = None, height: int | None = None
) -> tuple[int, Value] | None:
    """(version, value) of a key: the latest, or a given version, as of the head or a block."""
    if version is None:
        pointer = ledger.read(latest_version_key(address, key), height)
        if pointer is None:
            return None
        version = decode_counter(pointer)
    data = ledger.read(entry_key(address, key, version), height)
    return None if data is None else (version, decode_value(data))


def _numbered(ledger: Ledger, first_key: bytes, limit: int) -> list[tuple[int, Value]]:
    """(number, value) of the keys that share `first_key` but its last 8 bytes, from it on."""
    pairs = scan_latest(ledger.store, first_key[:-8], first_key, _limit(limit))
    return [(decode_counter(k[-8:]), decode_value(v)) for k, v in pairs]


def history(
    ledger: Ledger, address: str, key: str, start_version: int = 0, limit: int = 100
) -> list[tuple[int, Value]]:
    """Every version of a key from `start_version`, oldest first."""
    return _numbered(ledger, entry_key(address, key, max(0, start_version)), limit)


def entries(
    ledger: Ledger, address: str, prefix: str = "", limit: int = 100
) -> list[tuple[str, int, Value]]:
    """The latest version of each key of an account whose name starts with `prefix`."""
    scan_prefix = latest_version_key(address, "x")[:-1] + prefix.encode()
    head = len(latest_version_key(address, "x")) - 1
    found = []
    for state_key, pointer in scan_latest(ledger.store, scan_prefix, limit=_limit(limit)):
        name = state_key[head:].decode()
        version = decode_counter(pointer)
        value = ledger.read(entry_key(address, name, version))
        assert value is not None, "a version pointer without its entry"
        found.append((name, version, decode_value(value)))
    return found


def events(
    ledger: Ledger, address: str, topic: str, from_sequence: int = 0, limit: int = 100
) -> list[tuple[int, Value]]:
    return _numbered(ledger, event_key(address, topic, max(0, from_sequence)), limit)


def topic_sequence(ledger: Ledger, address: str, topic: str) -> int:
    data = ledger.read(topic_key(address, topic))
    return -1 if data is None else decode_counter(data)


def account(ledger: Ledger, address: str) -> AccountRecord | None:
    return ledger.state().account(address)


def participants(ledger: Ledger) -> list[tuple[str, ParticipantRecord]]:
    found = []
    for state_key, value in scan_latest(ledger.store, b"P", limit=QUERY_LIMIT_MAX):
        found.append((state_key[1:].decode(), codec.decode(value, ParticipantRecord)))
    return found


__all__ = ["SEPARATOR", "account", "entries", "entry", "events", "history", "participants"]
