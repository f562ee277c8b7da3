"""Entry and transaction proofs verify offline from a trusted block hash, and tampering fails."""

from __future__ import annotations

import msgspec

from jadechain import codec
from jadechain.ledger import model as m
from jadechain.ledger.proofs import (
    EntryProof,
    TransactionProof,
    prove_entry,
    prove_transaction,
    verify_entry_proof,
    verify_transaction_proof,
)
from jadechain.ledger.values import Int64, Text
from jadechain.testing import LocalChain


def _setup(chain: LocalChain) -> tuple[str, int]:
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("harvested"), m.NEW)])])
    height = chain.ledger.height
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("shipped"), 0)])])
    return account, height


def test_latest_entry_proof_verifies_against_the_block_hash(chain: LocalChain) -> None:
    account, _ = _setup(chain)
    proof = prove_entry(chain.ledger, account, "lot-7")
    assert (proof.version, proof.value) == (1, Text("shipped"))
    assert verify_entry_proof(proof, chain.ledger.head_hash)
    # Through the canonical encoding and back, as a client receives it.
    received = codec.decode(codec.encode(proof), EntryProof)
    assert verify_entry_proof(received, chain.ledger.head_hash)
    assert verify_entry_proof(
        codec.from_json(codec.to_json(proof), EntryProof), chain.ledger.head_hash
    )


def test_old_version_and_as_of_height(chain: LocalChain) -> None:
    account, height = _setup(chain)
    old = prove_entry(chain.ledger, account, "lot-7", version=0)
    assert old.value == Text("harvested")
    assert verify_entry_proof(old, chain.ledger.head_hash)
    then = prove_entry(chain.ledger, account, "lot-7", height=height)
    assert (then.version, then.value) == (0, Text("harvested"))
    block_hash = chain.ledger.digest(codec.encode(chain.ledger.header(height)))
    assert verify_entry_proof(then, block_hash)
    assert not verify_entry_proof(then, chain.ledger.head_hash)


def test_absent_key_is_proved_absent(chain: LocalChain) -> None:
    account, _ = _setup(chain)
    proof = prove_entry(chain.ledger, account, "never-written")
    assert proof.version == -1
    assert verify_entry_proof(proof, chain.ledger.head_hash)
    lie = msgspec.structs.replace(proof, key="lot-7")
    assert not verify_entry_proof(lie, chain.ledger.head_hash)


def test_tampered_entry_proofs_fail(chain: LocalChain) -> None:
    account, _ = _setup(chain)
    proof = prove_entry(chain.ledger, account, "lot-7")
    trusted = chain.ledger.head_hash
    forgeries = [
        msgspec.structs.replace(proof, value=Text("recalled")),
        msgspec.structs.replace(proof, value=Int64(1)),
        msgspec.structs.replace(proof, version=0),
        msgspec.structs.replace(proof, key="lot-8"),
        msgspec.structs.replace(proof, address=chain.key().address),
        msgspec.structs.replace(
            proof, latest_proof=prove_entry(chain.ledger, account, "lot-7", version=0).value_proof
        ),
        msgspec.structs.replace(proof, header=msgspec.structs.replace(proof.header, height=99)),
    ]
    for forged in forgeries:
        assert not verify_entry_proof(forged, trusted)
    stale = prove_entry(chain.ledger, account, "lot-7", version=0)
    assert not verify_entry_proof(
        msgspec.structs.replace(stale, latest_proof=proof.latest_proof), trusted
    )


def test_transaction_proof(chain: LocalChain) -> None:
    account = chain.data_account()
    txs = [
        chain.tx([m.SetEntries(account, [m.EntryWrite(f"k{i}", Int64(i), m.NEW)])])
        for i in range(5)
    ]
    outcome = chain.block(txs)
    for result in outcome.block.results:
        proof = prove_transaction(chain.ledger, result.tx_hash)
        assert verify_transaction_proof(proof, chain.ledger.head_hash)
        assert verify_transaction_proof(codec.decode(codec.encode(proof), TransactionProof))
    proof = prove_transaction(chain.ledger, outcome.block.results[2].tx_hash)
    wrong_code = msgspec.structs.replace(proof.result, code=m.TxCode.VERSION_CONFLICT)
    assert not verify_transaction_proof(msgspec.structs.replace(proof, result=wrong_code))
    other = txs[3]
    assert not verify_transaction_proof(msgspec.structs.replace(proof, transaction=other))
    moved = msgspec.structs.replace(proof.transaction_proof, index=1)
    assert not verify_transaction_proof(msgspec.structs.replace(proof, transaction_proof=moved))
    first = prove_transaction(chain.ledger, outcome.block.results[0].tx_hash)
    recount = msgspec.structs.replace(first.transaction_proof, count=8)
    assert not verify_transaction_proof(msgspec.structs.replace(first, transaction_proof=recount))
