"""GB/T 32905 (SM3) and GB/T 32907 (SM4) examples, and the RFC 8998 SM4-GCM vector."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jadechain.crypto import Algorithm, hash_data
from jadechain.crypto.aead import Sm4Gcm

SM3_EXAMPLES = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]


def test_sm3_gbt32905_examples() -> None:
    for message, expected in SM3_EXAMPLES:
        digest = hash_data(Algorithm.SM3, message)
        assert digest.raw.hex() == expected
        assert digest.algorithm is Algorithm.SM3


def test_sha256_known_answer() -> None:
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_data(Algorithm.SHA256, b"abc").raw.hex() == expected


SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def _sm4_block(key: bytes, block: bytes) -> bytes:
    # The standard defines its examples on single blocks, which is ECB.
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(block) + encryptor.finalize()


def test_sm4_gbt32907_example_1() -> None:
    assert _sm4_block(SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gbt32907_example_2_million_rounds() -> None:
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()  # noqa: S305
    block = SM4_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_sm4_gcm_rfc8998() -> None:
    nonce = bytes.fromhex("00001234567800000000abcd")
    associated = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
        "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
    )
    expected = (
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
        "83de3541e4c2b58177e065a9bf7b62ec"
    )
    cipher = Sm4Gcm()
    sealed = cipher.encrypt_with_nonce(SM4_KEY, nonce, plaintext, associated)
    assert sealed.hex() == expected
    assert cipher.decrypt(SM4_KEY, nonce + sealed, associated) == plaintext
