"""Test helpers: an in-memory ledger driven by a small scenario language, with no network."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from jadechain.crypto import Algorithm, KeyPair
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.storage import KVStore, MemoryStore

__all__ = ["GENESIS_MS", "LocalChain", "init_document"]

GENESIS_MS = 1_700_000_000_000


def init_document(
    participants: Sequence[KeyPair], admin: KeyPair, suite: str = "classic"
) -> genesis.SignedInitDocument:
    labelled = [(f"org{i}", p) for i, p in enumerate(participants)]
    return genesis.local_ceremony("test ledger", GENESIS_MS, suite, labelled, admin.public)


class LocalChain:
    """An in-memory ledger with an admin key and a clock; helpers read like scenarios:

    chain = LocalChain()
    account = chain.data_account()
    chain.ok([SetEntries(account, [EntryWrite("k", Text("v"), NEW)])])
    """

    def __init__(self, store: KVStore | None = None, suite: str = "classic") -> None:
        algorithm = Algorithm.SM2 if suite == "sm" else Algorithm.ED25519
        self.algorithm = algorithm
        self.node = KeyPair.generate(algorithm)
        self.admin = KeyPair.generate(algorithm)
        self.ledger = Ledger.create(
            store or MemoryStore(), init_document([self.node], self.admin, suite)
        )
        self.clock = itertools.count(GENESIS_MS + 1000, 1000)

    def key(self) -> KeyPair:
        return KeyPair.generate(self.algorithm)

    def tx(
        self, operations: Sequence[m.Operation], by: Sequence[KeyPair] = ()
    ) -> m.SignedTransaction:
        content = new_content(self.ledger.id, operations, self.ledger.head.time_ms + 1000)
        return sign(content, list(by) or [self.admin])

    def block(self, transactions: Sequence[m.SignedTransaction]) -> BlockOutcome:
        return self.ledger.append(transactions, next(self.clock))

    def submit(
        self, operations: Sequence[m.Operation], by: Sequence[KeyPair] = ()
    ) -> m.TransactionResult:
        outcome = self.block([self.tx(operations, by)])
        assert not outcome.rejected, outcome.rejected
        [result] = outcome.block.results
        return result

    def ok(
        self, operations: Sequence[m.Operation], by: Sequence[KeyPair] = ()
    ) -> m.TransactionResult:
        result = self.submit(operations, by)
        assert result.code is m.TxCode.SUCCESS, result.message
        return result

    def user(self, roles: Sequence[str] = (genesis.ADMIN_ROLE,)) -> KeyPair:
        keypair = self.key()
        self.ok([m.RegisterUser(keypair.public, list(roles))])
        return keypair

    def data_account(self, by: Sequence[KeyPair] = ()) -> str:
        account = self.key()
        self.ok([m.RegisterDataAccount(account.public)], by)
        return account.address
