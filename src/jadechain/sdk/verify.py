"""Offline verification: trust a block header through its certificate, then a proof under it.

A gateway is not trusted. A client trusts a set of participant public keys (from the ledger's
init document or out of band) and a quorum; a block header is trusted when the certificate's
block hash is the hash of that header and at least `quorum` distinct trusted participants signed
that hash (over `block_hash.to_bytes()`). A proof is trusted when it verifies under such a header.

These functions never raise on malformed input: anything that does not verify gives False.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jadechain import codec
from jadechain.crypto import Digest, PublicKey, hash_data, verify
from jadechain.ledger import model as m

if TYPE_CHECKING:
    from jadechain.ledger.proofs import EntryProof, TransactionProof


def block_hash(header: m.BlockHeader) -> Digest:
    """H(encode(header)) with the ledger's hash algorithm (that of the header's roots)."""
    return hash_data(header.state_root.algorithm, codec.encode(header))


def verify_header(
    header: m.BlockHeader,
    certificate: m.BlockCertificate,
    trusted_participants: Sequence[PublicKey],
    quorum: int = 1,
) -> bool:
    """True iff `certificate` certifies `header` with `quorum` distinct trusted signatures.

    The certificate must be for this header (same height, block hash = hash of the header) and
    at least `quorum` distinct keys of `trusted_participants` must have signed the block hash.
    Signatures by other keys, bad signatures and repeated signers are ignored, never counted.
    A quorum below 1 never verifies.
    """
    try:
        return _certified(header, certificate, trusted_participants, quorum)
    except Exception:
        return False


def verify_entry(
    proof: EntryProof,
    certificate: m.BlockCertificate,
    trusted_participants: Sequence[PublicKey],
    quorum: int = 1,
    *,
    ledger: Digest | None = None,
) -> bool:
    """True iff the entry proof holds under a header certified as in `verify_header`.

    The proof then shows (account, key, version, value) in the state of that block (and, for a
    latest-version proof, that no later version existed then), or the key's absence (version
    -1). Give `ledger` to also require that the block belongs to that ledger.
    """
    try:
        from jadechain.ledger.proofs import verify_entry_proof

        return _trusted(proof.header, certificate, trusted_participants, quorum, ledger) and (
            verify_entry_proof(proof, certificate.block_hash)
        )
    except Exception:
        return False


def verify_transaction(
    proof: TransactionProof,
    certificate: m.BlockCertificate,
    trusted_participants: Sequence[PublicKey],
    quorum: int = 1,
    *,
    ledger: Digest | None = None,
) -> bool:
    """True iff the transaction and its result are proved in a block certified as above."""
    try:
        from jadechain.ledger.proofs import verify_transaction_proof

        return _trusted(proof.header, certificate, trusted_participants, quorum, ledger) and (
            verify_transaction_proof(proof, certificate.block_hash)
        )
    except Exception:
        return False


def _trusted(
    header: m.BlockHeader,
    certificate: m.BlockCertificate,
    trusted_participants: Sequence[PublicKey],
    quorum: int,
    ledger: Digest | None,
) -> bool:
    if ledger is not None:
        # The genesis header names no ledger: its own hash is the ledger id.
        named = block_hash(header) if header.ledger is None else header.ledger
        if named != ledger:
            return False
    return _certified(header, certificate, trusted_participants, quorum)


def _certified(
    header: m.BlockHeader,
    certificate: m.BlockCertificate,
    trusted_participants: Sequence[PublicKey],
    quorum: int,
) -> bool:
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
        return False
    if not isinstance(header, m.BlockHeader) or not isinstance(certificate, m.BlockCertificate):
        return False
    expected = block_hash(header)
    if certificate.block_hash != expected or certificate.height != header.height:
        return False
    trusted = {key for key in trusted_participants if isinstance(key, PublicKey)}
    message = expected.to_bytes()
    signers: set[PublicKey] = set()
    for entry in certificate.signatures:
        key = entry.public_key
        if key in trusted and key not in signers and verify(key, message, entry.signature):
            signers.add(key)
            if len(signers) >= quorum:
                return True
    return False
