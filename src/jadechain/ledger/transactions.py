"""Building, hashing and signing transactions (used by the SDK, the CLI and tests)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from jadechain import codec
from jadechain.crypto import Digest, KeyPair, hash_data
from jadechain.ledger import model as m

NONCE_BYTES = 16


def transaction_hash(content: m.TransactionContent) -> Digest:
    """H(encode(content)) with the ledger's hash algorithm (the ledger id's)."""
    return hash_data(content.ledger.algorithm, codec.encode(content))


def new_content(
    ledger: Digest,
    operations: Sequence[m.Operation],
    time_ms: int,
    nonce: bytes | None = None,
) -> m.TransactionContent:
    """Content with a random nonce unless one is given, so identical requests stay distinct."""
    return m.TransactionContent(
        ledger, list(operations), time_ms, os.urandom(NONCE_BYTES) if nonce is None else nonce
    )


def sign(
    content: m.TransactionContent,
    endpoints: Sequence[KeyPair],
    nodes: Sequence[KeyPair] = (),
) -> m.SignedTransaction:
    message = transaction_hash(content).to_bytes()
    return m.SignedTransaction(
        content,
        [m.SignatureEntry(k.public, k.sign(message)) for k in endpoints],
        [m.SignatureEntry(k.public, k.sign(message)) for k in nodes],
    )
