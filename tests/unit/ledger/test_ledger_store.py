"""The ledger store: headers are read without decoding their blocks."""

from __future__ import annotations

from jadechain import codec
from jadechain.ledger import model as m
from jadechain.ledger.store import HEADER_PREFIX, Ledger
from jadechain.ledger.values import Int64
from jadechain.testing import LocalChain


def test_headers_come_from_their_own_keys_and_match_the_blocks(chain: LocalChain) -> None:
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("k", Int64(1), m.NEW)])])
    ledger = chain.ledger
    for height in range(ledger.height + 1):
        block = ledger.block(height)
        assert block is not None
        assert ledger.header(height) == block.header
    stored = ledger.store.get(HEADER_PREFIX + (1).to_bytes(8, "big"))
    assert stored is not None
    assert codec.decode(stored, m.BlockHeader) == ledger.header(1)
    assert ledger.header(ledger.height + 1) is None
    assert ledger.header(-1) is None
    assert Ledger(ledger.store).header(1) == ledger.header(1)  # reopened
