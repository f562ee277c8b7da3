"""Stateful property test: the ledger's entries behave like a plain dict of version lists."""

from __future__ import annotations

import itertools

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jadechain.crypto import Algorithm, KeyPair
from jadechain.ledger import genesis, queries
from jadechain.ledger import model as m
from jadechain.ledger.proofs import prove_entry, verify_entry_proof
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.storage import MemoryStore

KEYS = st.sampled_from(["a", "b", "c", "d/1", "d/2"])


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def found(self) -> None:
        self.admin = KeyPair.generate(Algorithm.ED25519)
        node = KeyPair.generate(Algorithm.ED25519)
        participants = [("n", node)]
        signed = genesis.local_ceremony(
            "model", 1_000_000, "classic", participants, self.admin.public
        )
        self.ledger = Ledger.create(MemoryStore(), signed)
        self.clock = itertools.count(1_001_000, 10)
        account = KeyPair.generate(Algorithm.ED25519)
        self.account = account.address
        self.model: dict[str, list[int]] = {}
        self.pending: list[m.SignedTransaction] = []
        self.pending_model: dict[str, list[int]] = {}
        self._commit([self._tx([m.RegisterDataAccount(account.public)])])

    def _tx(self, ops: list[m.Operation]) -> m.SignedTransaction:
        return sign(new_content(self.ledger.id, ops, self.ledger.head.time_ms), [self.admin])

    def _commit(self, txs: list[m.SignedTransaction]) -> m.Block:
        outcome = self.ledger.append(txs, self.ledger.head.time_ms + 1)
        assert not outcome.rejected
        return outcome.block

    @rule(key=KEYS, value=st.integers(-(2**63), 2**63 - 1), stale=st.booleans())
    def write(self, key: str, value: int, stale: bool) -> None:
        history = self.pending_model.get(key, self.model.get(key, []))
        current = len(history) - 1
        expected = current - 1 if stale and current >= 0 else current
        op = m.SetEntries(self.account, [m.EntryWrite(key, Int64(value), expected)])
        self.pending.append(self._tx([op]))
        if expected == current:
            self.pending_model[key] = [*history, value]

    @rule()
    def commit_block(self) -> None:
        block = self._commit(self.pending)
        successes = sum(r.code is m.TxCode.SUCCESS for r in block.results)
        assert successes == sum(len(v) for v in self.pending_model.values()) - sum(
            len(self.model.get(k, [])) for k in self.pending_model
        )
        self.model.update(self.pending_model)
        self.pending, self.pending_model = [], {}

    @invariant()
    def committed_state_matches_the_model(self) -> None:
        for key, values in self.model.items():
            found = queries.history(self.ledger, self.account, key)
            assert [(v, Int64(x)) for v, x in enumerate(values)] == found
            assert queries.entry(self.ledger, self.account, key) == (
                len(values) - 1,
                Int64(values[-1]),
            )

    @rule(key=KEYS)
    def proof_of_latest_verifies(self, key: str) -> None:
        proof = prove_entry(self.ledger, self.account, key)
        assert verify_entry_proof(proof, self.ledger.head_hash)
        assert proof.version == len(self.model.get(key, [])) - 1


LedgerMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestLedgerState = LedgerMachine.TestCase
