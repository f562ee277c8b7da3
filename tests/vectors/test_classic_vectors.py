"""Published vectors for the classic provider, and cross-checks against the openssl command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jadechain.crypto import Algorithm, KeyPair, PrivateKey, PublicKey, Signature, verify
from jadechain.crypto.classic import Ed25519
from jadechain.crypto.pem import private_to_pem, public_to_pem, signature_to_der

# RFC 8032 section 7.1, TEST 1-3: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
        "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_rfc8032(secret: str, public: str, message: str, signature: str) -> None:
    scheme = Ed25519()
    assert scheme.public_from_private(bytes.fromhex(secret)).hex() == public
    assert scheme.sign(bytes.fromhex(secret), bytes.fromhex(message)).hex() == signature
    assert scheme.verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))
    tampered = bytes.fromhex(message) + b"\x00"
    assert not scheme.verify(bytes.fromhex(public), tampered, bytes.fromhex(signature))


def _openssl_verify(
    openssl: str, tmp_path: Path, public: PublicKey, message: bytes, der_signature: bytes
) -> subprocess.CompletedProcess[bytes]:
    (tmp_path / "pub.pem").write_bytes(public_to_pem(public))
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig.der").write_bytes(der_signature)
    command = [openssl, "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem")]
    command += ["-signature", str(tmp_path / "sig.der"), str(tmp_path / "msg")]
    return subprocess.run(command, capture_output=True, check=False)


@pytest.mark.parametrize("algorithm", [Algorithm.ECDSA_P256, Algorithm.SECP256K1])
def test_ecdsa_signed_here_verifies_in_openssl(
    algorithm: Algorithm, openssl: str, tmp_path: Path
) -> None:
    keypair = KeyPair.generate(algorithm)
    message = b"jadechain cross-check " + algorithm.info.name.encode()
    der = signature_to_der(keypair.sign(message))
    result = _openssl_verify(openssl, tmp_path, keypair.public, message, der)
    assert result.returncode == 0, result.stderr
    assert b"Verified OK" in result.stdout
    bad = _openssl_verify(openssl, tmp_path, keypair.public, message + b"!", der)
    assert bad.returncode != 0


@pytest.mark.parametrize("algorithm", [Algorithm.ECDSA_P256, Algorithm.SECP256K1])
def test_ecdsa_signed_in_openssl_verifies_here(
    algorithm: Algorithm, openssl: str, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    keypair = KeyPair.generate(algorithm)
    (tmp_path / "key.pem").write_bytes(private_to_pem(keypair.private))
    message = b"signed by openssl"
    (tmp_path / "msg").write_bytes(message)
    command = [openssl, "dgst", "-sha256", "-sign", str(tmp_path / "key.pem")]
    command += ["-out", str(tmp_path / "sig.der"), str(tmp_path / "msg")]
    subprocess.run(command, check=True, capture_output=True)
    r, s = decode_dss_signature((tmp_path / "sig.der").read_bytes())
    order = {
        Algorithm.ECDSA_P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        Algorithm.SECP256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    }[algorithm]
    s = min(s, order - s)  # jadechain accepts only the low-S form of a signature
    signature = Signature(algorithm, r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    assert verify(keypair.public, message, signature)
    assert not verify(keypair.public, message + b"!", signature)


def test_ecdsa_high_s_is_refused() -> None:
    keypair = KeyPair.generate(Algorithm.ECDSA_P256)
    signature = keypair.sign(b"m")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    s = int.from_bytes(signature.raw[32:], "big")
    high = Signature(signature.algorithm, signature.raw[:32] + (order - s).to_bytes(32, "big"))
    assert verify(keypair.public, b"m", signature)
    assert not verify(keypair.public, b"m", high)


def test_ed25519_pem_loads_in_openssl(openssl: str, tmp_path: Path) -> None:
    keypair = KeyPair.generate(Algorithm.ED25519)
    (tmp_path / "key.pem").write_bytes(private_to_pem(keypair.private))
    result = subprocess.run(
        [openssl, "pkey", "-in", str(tmp_path / "key.pem"), "-pubout", "-outform", "DER"],
        capture_output=True,
        check=True,
    )
    assert result.stdout.endswith(keypair.public.raw)
    assert PrivateKey.from_bytes(keypair.private.to_bytes()) == keypair.private
