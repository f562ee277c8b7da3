"""Offline checks: a header is trusted through a quorum of trusted signatures, then its proofs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import pytest

from jadechain import codec
from jadechain.crypto import Digest, KeyPair, PublicKey
from jadechain.ledger import model as m
from jadechain.ledger.proofs import EntryProof, TransactionProof, prove_entry, prove_transaction
from jadechain.ledger.values import Text
from jadechain.sdk import verify_entry, verify_header, verify_transaction
from jadechain.sdk.verify import block_hash
from jadechain.testing import LocalChain


def certify(
    chain: LocalChain, height: int, signers: Sequence[KeyPair] | None = None
) -> m.BlockCertificate:
    header = chain.ledger.header(height)
    assert header is not None
    digest = chain.ledger.digest(codec.encode(header))
    entries = [
        m.SignatureEntry(k.public, k.sign(digest.to_bytes())) for k in (signers or [chain.node])
    ]
    return m.BlockCertificate(height, digest, entries)


@pytest.fixture
def written(chain: LocalChain) -> tuple[str, m.TransactionResult]:
    account = chain.data_account()
    result = chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("harvested"), m.NEW)])])
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("shipped"), 0)])])
    return account, result


def test_block_hash_is_the_ledgers(chain: LocalChain) -> None:
    assert block_hash(chain.ledger.head) == chain.ledger.head_hash


def test_entry_proofs_verify(chain: LocalChain, written: tuple[str, m.TransactionResult]) -> None:
    account, _ = written
    head = chain.ledger.height
    trusted = [chain.node.public]
    latest = prove_entry(chain.ledger, account, "lot-7")
    assert verify_entry(latest, certify(chain, head), trusted)
    assert verify_entry(latest, certify(chain, head), trusted, ledger=chain.ledger.id)
    old = prove_entry(chain.ledger, account, "lot-7", version=0)
    assert old.value == Text("harvested")
    assert verify_entry(old, certify(chain, head), trusted)
    then = prove_entry(chain.ledger, account, "lot-7", height=head - 1)
    assert verify_entry(then, certify(chain, head - 1), trusted)
    absent = prove_entry(chain.ledger, account, "never")
    assert absent.version == -1
    assert verify_entry(absent, certify(chain, head), trusted)
    # As a client receives them: through JSON and msgpack.
    cert = codec.from_json(codec.to_json(certify(chain, head)), m.BlockCertificate)
    assert verify_entry(codec.from_json(codec.to_json(latest), EntryProof), cert, trusted)
    assert verify_entry(codec.decode(codec.encode(latest), EntryProof), cert, trusted)


def test_transaction_proof_verifies(
    chain: LocalChain, written: tuple[str, m.TransactionResult]
) -> None:
    _, result = written
    proof = prove_transaction(chain.ledger, result.tx_hash)
    certificate = certify(chain, result.height)
    assert verify_transaction(proof, certificate, [chain.node.public])
    received = codec.from_json(codec.to_json(proof), TransactionProof)
    assert verify_transaction(received, certificate, [chain.node.public], ledger=chain.ledger.id)
    assert not verify_transaction(proof, certify(chain, chain.ledger.height), [chain.node.public])


def test_quorum_of_distinct_trusted_signers(chain: LocalChain) -> None:
    second, stranger = chain.key(), chain.key()
    header = chain.ledger.head
    height = header.height
    both = certify(chain, height, [chain.node, second])
    trusted = [chain.node.public, second.public]
    assert verify_header(header, both, trusted, quorum=2)
    assert not verify_header(header, both, trusted, quorum=3)
    assert not verify_header(header, both, [chain.node.public], quorum=2)
    # The same signer twice, or trusted twice, is one signer.
    [entry] = certify(chain, height).signatures
    twice = msgspec.structs.replace(both, signatures=[entry, entry])
    assert not verify_header(header, twice, trusted, quorum=2)
    assert not verify_header(header, twice, [chain.node.public] * 2, quorum=2)
    # A stranger's signature does not count, even next to a trusted one.
    with_stranger = certify(chain, height, [chain.node, stranger])
    assert not verify_header(header, with_stranger, trusted, quorum=2)
    assert verify_header(header, with_stranger, [*trusted, stranger.public], quorum=2)


def test_failures(chain: LocalChain, written: tuple[str, m.TransactionResult]) -> None:
    account, _ = written
    head = chain.ledger.height
    proof = prove_entry(chain.ledger, account, "lot-7")
    good = certify(chain, head)
    trusted = [chain.node.public]
    other = chain.key()
    # Signed by a key that is not trusted.
    assert not verify_entry(proof, good, [other.public])
    assert not verify_entry(proof, certify(chain, head, [other]), trusted)
    # Quorum 2 with one signer.
    assert not verify_entry(proof, good, trusted, quorum=2)
    # A trusted key's entry carrying someone else's signature.
    [entry] = certify(chain, head, [other]).signatures
    forged = msgspec.structs.replace(
        good, signatures=[m.SignatureEntry(chain.node.public, entry.signature)]
    )
    assert not verify_entry(proof, forged, trusted)
    # A tampered value, version or key.
    assert not verify_entry(msgspec.structs.replace(proof, value=Text("lost")), good, trusted)
    assert not verify_entry(msgspec.structs.replace(proof, version=0), good, trusted)
    assert not verify_entry(msgspec.structs.replace(proof, key="lot-8"), good, trusted)
    # A certificate for another block, or one whose hash does not match its height.
    assert not verify_entry(proof, certify(chain, head - 1), trusted)
    assert not verify_entry(
        msgspec.structs.replace(proof, header=chain.ledger.header(head - 1)), good, trusted
    )
    assert not verify_entry(proof, msgspec.structs.replace(good, height=head - 1), trusted)
    # Another ledger.
    assert not verify_entry(proof, good, trusted, ledger=LocalChain().ledger.id)
    # No quorum at all is never enough.
    assert not verify_entry(proof, good, trusted, quorum=0)
    assert not verify_entry(proof, good, [], quorum=1)


@pytest.mark.parametrize(
    "arguments",
    [
        (None, None, None),
        ("proof", "certificate", ["key"]),
        ("PROOF", "CERT", [], 1.5),
        ("PROOF", "CERT", ["x"], True),
        ("PROOF", "BROKEN_CERT", "TRUSTED"),
        ("BROKEN_PROOF", "CERT", "TRUSTED"),
        ("PROOF", "CERT", "TRUSTED", -1),
        ("PROOF", "CERT", 42),
    ],
)
def test_malformed_input_never_raises(
    chain: LocalChain, written: tuple[str, m.TransactionResult], arguments: tuple[Any, ...]
) -> None:
    account, result = written
    head = chain.ledger.height
    entry_proof = prove_entry(chain.ledger, account, "lot-7")
    tx_proof = prove_transaction(chain.ledger, result.tx_hash)
    good = certify(chain, head)
    named: dict[str, Any] = {
        "PROOF": entry_proof,
        "BROKEN_PROOF": msgspec.structs.replace(entry_proof, value_proof="junk", version="1"),
        "CERT": good,
        "BROKEN_CERT": msgspec.structs.replace(good, block_hash="x", signatures=[1, None]),
        "TRUSTED": [chain.node.public],
    }
    resolved = [named.get(a, a) if isinstance(a, str) else a for a in arguments]
    assert verify_entry(*resolved) is False
    if resolved[0] is entry_proof:
        resolved[0] = tx_proof
    assert verify_transaction(*resolved) is False
    assert verify_header(*resolved) is False


def test_sm_suite() -> None:
    chain = LocalChain(suite="sm")
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("k", Text("v"), m.NEW)])])
    proof = prove_entry(chain.ledger, account, "k")
    certificate = certify(chain, chain.ledger.height)
    assert isinstance(certificate.block_hash, Digest)
    assert certificate.block_hash.algorithm.info.name == "sm3"
    trusted: list[PublicKey] = [chain.node.public]
    assert verify_entry(proof, certificate, trusted)
    assert not verify_entry(msgspec.structs.replace(proof, value=Text("w")), certificate, trusted)


def test_genesis_block_belongs_to_the_ledger_it_founds(chain: LocalChain) -> None:
    account = chain.data_account()
    proof = prove_entry(chain.ledger, account, "k", height=0)
    assert proof.header.ledger is None
    certificate = certify(chain, 0)
    trusted = [chain.node.public]
    assert verify_entry(proof, certificate, trusted, ledger=chain.ledger.id)
    assert not verify_entry(proof, certificate, trusted, ledger=LocalChain().ledger.id)
