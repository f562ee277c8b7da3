"""The base of every `jadechain bench run` workload (see `workloads.py` for the registry)."""

from __future__ import annotations

from dataclasses import dataclass

from jadechain.crypto import Digest, KeyPair
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign

KEY_SPACE_DEFAULT = 1_000_000


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

    def kind(self, index: int) -> str:
        """The operation transaction `index` performs (a mix's member; the workload's name if it
        has one kind), for the per-operation split of the results."""
        return self.name

    def parameters(self) -> dict[str, object]:
        """What the report records about this workload's data (key space, accounts, ...)."""
        return {"key_space": self.keys}
