"""A bounded pool of verified transactions waiting for a block, first in first out.

Duplicates (same tx hash) are refused while pending; a full pool refuses new transactions with a
reason the client sees, instead of growing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from jadechain.crypto import Digest
from jadechain.ledger import model as m

MEMPOOL_TRANSACTIONS_MAX = 100_000


@dataclass(frozen=True, slots=True)
class Pending:
    tx_hash: bytes
    transaction: m.SignedTransaction
    digest: Digest  # the same hash, typed (carried to the block: not rebuilt)


class Mempool:
    def __init__(self, transactions_max: int = MEMPOOL_TRANSACTIONS_MAX) -> None:
        self.transactions_max = transactions_max
        self._pending: OrderedDict[bytes, Pending] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._pending

    def add(self, item: Pending) -> str | None:
        """None when added; otherwise why not."""
        if item.tx_hash in self._pending:
            return "duplicate transaction"
        if len(self._pending) >= self.transactions_max:
            return f"mempool full ({self.transactions_max} transactions): retry later"
        self._pending[item.tx_hash] = item
        return None

    def take(self, count: int) -> list[Pending]:
        """Remove and return up to `count` of the oldest transactions."""
        taken: list[Pending] = []
        while self._pending and len(taken) < count:
            taken.append(self._pending.popitem(last=False)[1])
        return taken
