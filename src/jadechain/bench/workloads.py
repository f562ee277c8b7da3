"""Workloads of `jadechain bench run`: what each transaction does, and what it needs first.

A workload is registered by name in `WORKLOADS`. It gives:
- `setup(ledger_id, admin, account, time_ms)`: transactions committed (one at a time, waiting)
  before any load, e.g. registering the data account the load writes into;
- `operations(index, account)`: the operations of load transaction number `index` (0, 1, ...). It
  runs in the pre-signing worker processes, so it depends only on its fields and arguments.

Built-in:
- `kv-write` (YCSB-style writes): each transaction sets one key of a data account to a random value
  of `value_bytes`. Keys come uniformly from a key space of `keys` keys: transaction i writes key
  `perm(i mod keys)` (a fixed pseudo-random permutation) expecting version `i div keys - 1`, so
  every key is equally likely and each write expects the version the previous pass left. Two writes
  of one key are `keys` transactions apart: with a key space larger than the transactions in
  flight they commit in order and all succeed (a reordering would commit as VERSION_CONFLICT).
- `noop`: the cheapest transaction the ledger commits successfully. A transaction needs at least one
  operation, and every operation that succeeds writes state; the cheapest is an empty `Bytes`
  value under a short fresh key (no payload; still the two state-tree keys of any write). It
  measures intake, verification, consensus, execution and the store without a payload.

Contract workloads (`transfer`, `smallbank`, named in `PLANNED`) register here once contracts land:
subclass `Workload`, deploy the contract and create its accounts in `setup`, return
`InvokeContract` operations from `operations`, and add the class to `WORKLOADS`.
"""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass

from jadechain.crypto import Digest, KeyPair
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Bytes

KEY_SPACE_DEFAULT = 1_000_000
PLANNED = ("transfer", "smallbank")  # contract workloads, once contracts land


@dataclass(frozen=True)
class Workload:
    """A named transaction mix; subclasses define `operations` (and `setup` if they need more)."""

    value_bytes: int = 100
    keys: int = KEY_SPACE_DEFAULT
    multiplier: int = 1  # the key permutation: slot -> (slot * multiplier + offset) mod keys
    offset: int = 0

    name = "workload"

    def setup(
        self, ledger_id: Digest, admin: KeyPair, account: KeyPair, time_ms: int
    ) -> list[m.SignedTransaction]:
        """Register the data account (every built-in workload writes into one)."""
        content = new_content(ledger_id, [m.RegisterDataAccount(account.public)], time_ms)
        return [sign(content, [admin])]

    def operations(self, index: int, account: str) -> list[m.Operation]:
        raise NotImplementedError


@dataclass(frozen=True)
class KvWrite(Workload):
    name = "kv-write"

    def operations(self, index: int, account: str) -> list[m.Operation]:
        slot, version = index % self.keys, index // self.keys
        key = f"k{(slot * self.multiplier + self.offset) % self.keys}"
        value = Bytes(os.urandom(self.value_bytes))
        return [m.SetEntries(account, [m.EntryWrite(key, value, version - 1)])]


@dataclass(frozen=True)
class Noop(Workload):
    name = "noop"

    def operations(self, index: int, account: str) -> list[m.Operation]:
        return [m.SetEntries(account, [m.EntryWrite(f"n{index}", Bytes(b""), m.NEW)])]


WORKLOADS: dict[str, type[Workload]] = {"kv-write": KvWrite, "noop": Noop}


def workload_named(name: str, value_bytes: int = 100, keys: int = KEY_SPACE_DEFAULT) -> Workload:
    """The workload `name` with a fresh random key permutation; ValueError if there is none."""
    if name in PLANNED:
        raise ValueError(f"workload {name!r} needs contracts: not implemented yet")
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
    if keys < 1 or value_bytes < 0:
        raise ValueError("the key space needs at least one key and values are >= 0 bytes")
    multiplier = 1 + secrets.randbelow(keys - 1) if keys > 1 else 1
    while math.gcd(multiplier, keys) != 1:
        multiplier += 1
    return WORKLOADS[name](value_bytes, keys, multiplier, secrets.randbelow(keys))
