"""Which implementation serves each algorithm.

Providers register lazily: the SM provider loads the system OpenSSL only when an SM2 key is first
used, so a machine without OpenSSL 3 can still run a classic ledger.
"""

from __future__ import annotations

from functools import cache

from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import UnknownAlgorithmError
from jadechain.crypto.schemes import CipherScheme, HashScheme, SignatureScheme


@cache
def _schemes() -> dict[Algorithm, SignatureScheme | HashScheme | CipherScheme]:
    from jadechain.crypto import classic, sm

    table: dict[Algorithm, SignatureScheme | HashScheme | CipherScheme] = {}
    for provider in (classic, sm):
        for scheme in provider.SCHEMES:
            table[scheme.algorithm] = scheme
    return table


def signature_scheme(algorithm: Algorithm) -> SignatureScheme:
    if not algorithm.is_signature:
        raise UnknownAlgorithmError(f"{algorithm.info.name} is not a signature algorithm")
    return _schemes()[algorithm]  # type: ignore[return-value]


def hash_scheme(algorithm: Algorithm) -> HashScheme:
    if not algorithm.is_hash:
        raise UnknownAlgorithmError(f"{algorithm.info.name} is not a hash algorithm")
    return _schemes()[algorithm]  # type: ignore[return-value]


def cipher_scheme(algorithm: Algorithm) -> CipherScheme:
    if not algorithm.is_symmetric_cipher:
        raise UnknownAlgorithmError(f"{algorithm.info.name} is not a symmetric cipher")
    return _schemes()[algorithm]  # type: ignore[return-value]
