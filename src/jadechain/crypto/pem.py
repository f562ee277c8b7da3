"""PEM forms of keys, for interoperability with OpenSSL and other tools."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from jadechain.crypto import openssl_sm2
from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import MalformedSignatureError
from jadechain.crypto.types import PrivateKey, PublicKey, Signature

_PEM = serialization.Encoding.PEM
_CURVES: dict[Algorithm, ec.EllipticCurve] = {
    Algorithm.ECDSA_P256: ec.SECP256R1(),
    Algorithm.SECP256K1: ec.SECP256K1(),
}


def public_to_pem(public: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`)."""
    if public.algorithm is Algorithm.SM2:
        der = openssl_sm2.sm2_public_to_der(public.raw)
        return _wrap("PUBLIC KEY", der)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if public.algorithm is Algorithm.ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(public.raw).public_bytes(_PEM, spki)
    key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[public.algorithm], public.raw)
    return key.public_bytes(_PEM, spki)


def private_to_pem(private: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`): handle with care."""
    if private.algorithm is Algorithm.SM2:
        return openssl_sm2.sm2_private_to_pem(private.raw)
    pkcs8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    if private.algorithm is Algorithm.ED25519:
        key = ed25519.Ed25519PrivateKey.from_private_bytes(private.raw)
        return key.private_bytes(_PEM, pkcs8, none)
    scalar = int.from_bytes(private.raw, "big")
    ec_key = ec.derive_private_key(scalar, _CURVES[private.algorithm])
    return ec_key.private_bytes(_PEM, pkcs8, none)


def signature_to_der(signature: Signature) -> bytes:
    """The ASN.1 DER form (SEQUENCE of r and s) that OpenSSL reads, for ECDSA and SM2."""
    if signature.algorithm is Algorithm.SM2:
        return openssl_sm2.sm2_signature_to_der(signature.raw)
    if signature.algorithm in _CURVES:
        r = int.from_bytes(signature.raw[:32], "big")
        s = int.from_bytes(signature.raw[32:], "big")
        return encode_dss_signature(r, s)
    raise MalformedSignatureError(f"{signature.algorithm.info.name} signatures have no DER form")


def _wrap(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode()
    lines = [body[start : start + 64] for start in range(0, len(body), 64)]
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
    return text.encode()
