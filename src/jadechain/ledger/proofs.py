"""Proofs a client verifies offline, from a block header it trusts (through its certificate).

- `EntryProof`: (account, key, version, value) in the state of a block, and, when asked for the
  latest version, that this version is the key's latest as of that block; or that the key is absent.
- `TransactionProof`: a transaction and its result in a block, against the header's transactions
  and results roots.
Verification functions are pure, never raise on malformed proofs, and need no store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jadechain import codec
from jadechain.codec import Record
from jadechain.crypto import Digest
from jadechain.ledger import model as m
from jadechain.ledger.listroot import ListProof, hasher_for, prove_item, verify_item
from jadechain.ledger.merkle import MerkleProof, verify_proof
from jadechain.ledger.state import decode_counter, encode_counter, entry_key, latest_version_key
from jadechain.ledger.values import Value, decode_value

if TYPE_CHECKING:  # verification (used by the SDK) must not load the store and the executor
    from jadechain.ledger.store import Ledger


class EntryProof(Record, frozen=True):
    header: m.BlockHeader
    address: str
    key: str
    version: int  # -1: the key does not exist as of this block
    value: Value | None
    value_proof: MerkleProof | None  # the entry (address, key, version) -> H(value)
    latest_proof: MerkleProof | None  # the key's latest-version pointer (absent when version -1)


class TransactionProof(Record, frozen=True):
    header: m.BlockHeader
    transaction: m.SignedTransaction
    result: m.TransactionResult
    transaction_proof: ListProof
    result_proof: ListProof


def prove_entry(
    ledger: Ledger, address: str, key: str, version: int | None = None, height: int | None = None
) -> EntryProof:
    """Proof of a version of a key (the latest when `version` is None) as of block `height`."""
    from jadechain.ledger.store import LedgerError

    header = ledger.header(ledger.height if height is None else height)
    if header is None:
        raise LedgerError(f"no block at height {height}")
    root = header.state_root.raw
    pointer_key = latest_version_key(address, key)
    latest_proof = None
    if version is None:
        latest_proof = ledger.tree.prove(root, pointer_key)
        pointer = ledger.read(pointer_key, header.height)
        if pointer is None:
            return EntryProof(header, address, key, -1, None, None, latest_proof)
        version = decode_counter(pointer)
    state_key = entry_key(address, key, version)
    data = ledger.read(state_key, header.height)
    value = None if data is None else decode_value(data)
    value_proof = ledger.tree.prove(root, state_key)
    return EntryProof(header, address, key, version, value, value_proof, latest_proof)


def verify_entry_proof(proof: EntryProof, trusted_block_hash: Digest | None = None) -> bool:
    """True iff the proof holds under its header (and the header hashes to the trusted hash)."""
    try:
        return _verify_entry(proof, trusted_block_hash)
    except Exception:
        return False


def _trusted(header: m.BlockHeader, trusted_block_hash: Digest | None) -> bool:
    if trusted_block_hash is None:
        return True
    hasher = hasher_for(trusted_block_hash.algorithm)
    return hasher(codec.encode(header)) == trusted_block_hash.raw


def _verify_entry(proof: EntryProof, trusted_block_hash: Digest | None) -> bool:
    if not _trusted(proof.header, trusted_block_hash):
        return False
    algorithm = proof.header.state_root.algorithm
    hasher = hasher_for(algorithm)
    root = proof.header.state_root.raw
    pointer_key = latest_version_key(proof.address, proof.key)
    if proof.version == -1:
        return (
            proof.value is None
            and proof.latest_proof is not None
            and verify_proof(root, pointer_key, None, proof.latest_proof, algorithm)
        )
    if proof.value_proof is None or proof.value is None or proof.version < 0:
        return False
    leaf = hasher(codec.encode(proof.value))
    state_key = entry_key(proof.address, proof.key, proof.version)
    if not verify_proof(root, state_key, leaf, proof.value_proof, algorithm):
        return False
    if proof.latest_proof is None:
        return True
    pointer_leaf = hasher(encode_counter(proof.version))
    return verify_proof(root, pointer_key, pointer_leaf, proof.latest_proof, algorithm)


def prove_transaction(ledger: Ledger, tx_hash: Digest) -> TransactionProof:
    from jadechain.ledger.store import LedgerError

    found = ledger.transaction(tx_hash)
    if found is None:
        raise LedgerError(f"no transaction {tx_hash.to_base58()}")
    transaction, result, header = found
    block = ledger.block(header.height)
    assert block is not None
    hasher = ledger.hasher
    hashes = [r.tx_hash.raw for r in block.results]
    encoded_results = [codec.encode(r) for r in block.results]
    return TransactionProof(
        header,
        transaction,
        result,
        prove_item(hasher, hashes, result.index),
        prove_item(hasher, encoded_results, result.index),
    )


def verify_transaction_proof(
    proof: TransactionProof, trusted_block_hash: Digest | None = None
) -> bool:
    try:
        if not _trusted(proof.header, trusted_block_hash):
            return False
        hasher = hasher_for(proof.header.transactions_root.algorithm)
        tx_hash = hasher(codec.encode(proof.transaction.content))
        count = proof.header.transaction_count  # list proofs bind the size only through this
        return (
            proof.result.tx_hash.raw == tx_hash
            and proof.result.height == proof.header.height
            and proof.transaction_proof.count == count
            and proof.result_proof.count == count
            and proof.result.index == proof.transaction_proof.index == proof.result_proof.index
            and verify_item(
                hasher, proof.header.transactions_root.raw, tx_hash, proof.transaction_proof
            )
            and verify_item(
                hasher,
                proof.header.results_root.raw,
                codec.encode(proof.result),
                proof.result_proof,
            )
        )
    except Exception:
        return False
