"""Workloads of `jadechain bench run`: what each transaction does, and what it needs first.

A workload is registered by name in `WORKLOADS`. It gives:
- `setup(ledger_id, admin, account, time_ms)`: transactions committed (one at a time, waiting)
  before any load, e.g. registering the data account the load writes into;
- `operations(index, account)`: the operations of load transaction number `index` (0, 1, ...). It
  runs in the pre-signing worker processes, so it depends only on its fields and arguments;
- `kind(index)`: the name of that transaction's operation, for the per-operation split of the
  results (base class: `workload_base.Workload`).

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

- `transfer` and `smallbank`: Caliper's "simple" and "smallbank" benchmarks through contracts
  (`contract_workloads.py`, contracts in `bench/contracts/`), over `accounts` accounts opened in
  the setup with `balance` each.
"""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass

from jadechain.bench.contract_workloads import ACCOUNTS_DEFAULT, SmallBank, Transfer
from jadechain.bench.workload_base import KEY_SPACE_DEFAULT, Workload
from jadechain.ledger import model as m
from jadechain.ledger.values import Bytes

__all__ = ["ACCOUNTS_DEFAULT", "KEY_SPACE_DEFAULT", "WORKLOADS", "Workload", "workload_named"]


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


WORKLOADS: dict[str, type[Workload]] = {
    "kv-write": KvWrite, "noop": Noop, "transfer": Transfer, "smallbank": SmallBank
}  # fmt: skip


def workload_named(
    name: str,
    value_bytes: int = 100,
    keys: int = KEY_SPACE_DEFAULT,
    accounts: int = ACCOUNTS_DEFAULT,
    balance: int = 0,
) -> Workload:
    """The workload `name` with fresh randomness (key permutation, or the seed of a contract mix);
    `balance` 0 means the workload's default opening balance. ValueError if there is none."""
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
    if keys < 1 or value_bytes < 0:
        raise ValueError("the key space needs at least one key and values are >= 0 bytes")
    if accounts < 2 or balance < 0:
        raise ValueError("contract workloads need at least two accounts and balances >= 0")
    if name == "transfer":
        return Transfer(accounts=accounts, balance=balance, seed=secrets.randbits(48))
    if name == "smallbank":
        return SmallBank(accounts=accounts, balance=balance, seed=secrets.randbits(48))
    multiplier = 1 + secrets.randbelow(keys - 1) if keys > 1 else 1
    while math.gcd(multiplier, keys) != 1:
        multiplier += 1
    return WORKLOADS[name](value_bytes, keys, multiplier, secrets.randbelow(keys))
