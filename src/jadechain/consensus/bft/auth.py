"""Who signed a consensus message: the `MessageAuth` seam and its two implementations.

`KeyAuth` signs with the node's real key pair (`jadechain.crypto`) and checks peers' signatures
against their registered public keys. `SimAuth` is for the simulator: HMAC-SHA256 under a per-node
secret derived from a shared seed and the node id. A simulated adversary only ever calls its own
`sign`, so it cannot produce an honest node's tag: within the simulator that models unforgeable
signatures faithfully, at a fraction of the cost of Ed25519.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Protocol

from jadechain.crypto import CryptoError, KeyPair, PublicKey, Signature, verify


class MessageAuth(Protocol):
    def sign(self, data: bytes) -> bytes:
        """This node's signature of `data`."""
        ...

    def verify(self, node_id: str, data: bytes, signature: bytes) -> bool:
        """True when `signature` is `node_id`'s signature of `data`. Never raises."""
        ...


class KeyAuth:
    def __init__(self, keypair: KeyPair, public_keys: Mapping[str, PublicKey]) -> None:
        self.keypair = keypair
        self.public_keys = dict(public_keys)

    def sign(self, data: bytes) -> bytes:
        return self.keypair.sign(data).to_bytes()

    def verify(self, node_id: str, data: bytes, signature: bytes) -> bool:
        public_key = self.public_keys.get(node_id)
        if public_key is None:
            return False
        try:
            return verify(public_key, data, Signature.from_bytes(signature))
        except (CryptoError, ValueError):
            return False


class SimAuth:
    def __init__(self, node_id: str, secret_seed: bytes) -> None:
        self.node_id = node_id
        self.secret_seed = secret_seed
        self._secrets: dict[str, bytes] = {}

    def _secret(self, node_id: str) -> bytes:
        secret = self._secrets.get(node_id)
        if secret is None:
            secret = hmac.new(self.secret_seed, node_id.encode(), hashlib.sha256).digest()
            self._secrets[node_id] = secret
        return secret

    def sign(self, data: bytes) -> bytes:
        return hmac.new(self._secret(self.node_id), data, hashlib.sha256).digest()

    def verify(self, node_id: str, data: bytes, signature: bytes) -> bool:
        expected = hmac.new(self._secret(node_id), data, hashlib.sha256).digest()
        return hmac.compare_digest(expected, signature)
