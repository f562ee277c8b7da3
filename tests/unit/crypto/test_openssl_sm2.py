"""The ctypes SM2 binding: round trips, rejection of bad input, threads and the key caches."""

from __future__ import annotations

import ctypes.util
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from jadechain.crypto import _libcrypto as native
from jadechain.crypto import openssl_sm2 as sm2
from jadechain.crypto.errors import (
    CryptoError,
    DecryptionError,
    MalformedKeyError,
    MalformedSignatureError,
    ProviderUnavailableError,
)

N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
MESSAGE = b"transfer 10 jade from alice to bob"


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    return sm2.sm2_generate()


def _error_queue_is_empty() -> bool:
    return int(native.load().c.ERR_peek_error()) == 0


def test_available() -> None:
    assert sm2.available()


def test_generate_gives_consistent_sizes_and_public_key(pair: tuple[bytes, bytes]) -> None:
    private, public = pair
    assert len(private) == sm2.SM2_PRIVATE_KEY_BYTES
    assert len(public) == sm2.SM2_PUBLIC_KEY_BYTES
    assert public[0] == 0x04
    sm2.sm2_check_public(public)
    assert sm2.sm2_public_from_private(private) == public
    assert sm2.sm2_generate() != pair


def test_successful_calls_leave_the_error_queue_empty() -> None:
    sm2._PRIVATE_KEYS.clear()  # also go through a fresh private-key import
    private, public = sm2.sm2_generate()
    sm2._PRIVATE_KEYS.clear()
    assert sm2.sm2_verify(public, MESSAGE, sm2.sm2_sign(private, MESSAGE))
    assert sm2.sm2_public_from_der(sm2.sm2_public_to_der(public)) == public
    assert sm2.sm2_private_to_pem(private)
    assert sm2.sm2_decrypt(private, sm2.sm2_encrypt(public, b"x")) == b"x"
    assert _error_queue_is_empty()


def test_sign_verify_round_trip(pair: tuple[bytes, bytes]) -> None:
    private, public = pair
    first, second = sm2.sm2_sign(private, MESSAGE), sm2.sm2_sign(private, MESSAGE)
    assert len(first) == sm2.SM2_SIGNATURE_BYTES
    assert first != second  # SM2 signing is randomised
    assert sm2.sm2_verify(public, MESSAGE, first)
    assert sm2.sm2_verify(public, MESSAGE, second)


@pytest.mark.parametrize("message", [b"", b"x", bytes(range(256)) * 1000])
def test_sign_verify_any_message_length(pair: tuple[bytes, bytes], message: bytes) -> None:
    private, public = pair
    assert sm2.sm2_verify(public, message, sm2.sm2_sign(private, message))


@pytest.mark.parametrize("ident", [b"", b"alice@example.com", bytes(range(256)) * 4])
def test_distinguishing_id_is_part_of_the_signature(
    pair: tuple[bytes, bytes], ident: bytes
) -> None:
    private, public = pair
    signature = sm2.sm2_sign(private, MESSAGE, ident=ident)
    assert sm2.sm2_verify(public, MESSAGE, signature, ident=ident)
    assert not sm2.sm2_verify(public, MESSAGE, signature)


def test_too_long_distinguishing_id_is_rejected(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(CryptoError, match="at most 8191 bytes"):
        sm2.sm2_sign(pair[0], MESSAGE, ident=b"x" * 8192)


def test_verify_is_false_for_tampered_message_or_signature(pair: tuple[bytes, bytes]) -> None:
    private, public = pair
    signature = sm2.sm2_sign(private, MESSAGE)
    assert not sm2.sm2_verify(public, MESSAGE + b".", signature)
    for index in (0, 31, 32, 63):
        tampered = bytearray(signature)
        tampered[index] ^= 0x01
        assert not sm2.sm2_verify(public, MESSAGE, bytes(tampered))
    other_public = sm2.sm2_generate()[1]
    assert not sm2.sm2_verify(other_public, MESSAGE, signature)
    assert _error_queue_is_empty()


@pytest.mark.parametrize(
    ("r", "s"),
    [(0, 1), (1, 0), (0, 0), (N, 1), (1, N), (N + 1, 5), (2**256 - 1, 2**256 - 1)],
)
def test_verify_is_false_for_out_of_range_r_or_s(pair: tuple[bytes, bytes], r: int, s: int) -> None:
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sm2.sm2_verify(pair[1], MESSAGE, signature) is False
    assert _error_queue_is_empty()


def test_verify_rejects_wrong_length_signature(pair: tuple[bytes, bytes]) -> None:
    signature = sm2.sm2_sign(pair[0], MESSAGE)
    for bad in (signature[:63], signature + b"\x00", b""):
        with pytest.raises(MalformedSignatureError, match="must be 64 bytes"):
            sm2.sm2_verify(pair[1], MESSAGE, bad)


# --- key validation ------------------------------------------------------------------------------


def test_truncated_public_key_is_rejected(pair: tuple[bytes, bytes]) -> None:
    signature = sm2.sm2_sign(pair[0], MESSAGE)
    with pytest.raises(MalformedKeyError, match="must be 65 bytes"):
        sm2.sm2_check_public(pair[1][:64])
    with pytest.raises(MalformedKeyError, match="must be 65 bytes"):
        sm2.sm2_verify(pair[1][:64], MESSAGE, signature)
    with pytest.raises(MalformedKeyError, match="must be 65 bytes"):
        sm2.sm2_encrypt(pair[1][:-1], b"x")


def test_public_key_off_the_curve_is_rejected(pair: tuple[bytes, bytes]) -> None:
    public = pair[1]
    off_curve = public[:-1] + bytes([public[-1] ^ 0x01])
    signature = sm2.sm2_sign(pair[0], MESSAGE)
    with pytest.raises(MalformedKeyError, match="not a point on the SM2 curve"):
        sm2.sm2_check_public(off_curve)
    with pytest.raises(MalformedKeyError, match="not a point on the SM2 curve"):
        sm2.sm2_verify(off_curve, MESSAGE, signature)
    with pytest.raises(MalformedKeyError, match="not a point on the SM2 curve"):
        sm2.sm2_public_to_der(b"\x04" + b"\xff" * 64)  # coordinates >= p


def test_public_key_must_be_uncompressed(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(MalformedKeyError, match="start with 0x04"):
        sm2.sm2_check_public(b"\x02" + pair[1][1:])


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_private_key_of_wrong_size_is_rejected(size: int) -> None:
    with pytest.raises(MalformedKeyError, match="must be 32 bytes"):
        sm2.sm2_sign(b"\x01" * size, MESSAGE)
    with pytest.raises(MalformedKeyError, match="must be 32 bytes"):
        sm2.sm2_public_from_private(b"\x01" * size)


@pytest.mark.parametrize("value", [0, N - 1, N, N + 1, 2**256 - 1])
def test_private_key_out_of_range_is_rejected(value: int) -> None:
    private = value.to_bytes(32, "big")
    with pytest.raises(MalformedKeyError, match=r"in \[1, n-2\]"):
        sm2.sm2_public_from_private(private)
    with pytest.raises(MalformedKeyError, match=r"in \[1, n-2\]"):
        sm2.sm2_decrypt(private, b"\x30\x00")


@pytest.mark.parametrize("value", [1, 2, N - 2])
def test_private_key_range_edges_work(value: int) -> None:
    private = value.to_bytes(32, "big")
    public = sm2.sm2_public_from_private(private)
    assert sm2.sm2_verify(public, MESSAGE, sm2.sm2_sign(private, MESSAGE))


# --- signature DER -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        bytes(64),
        b"\xff" * 64,
        b"\x00" * 31 + b"\x80" + b"\x7f" + b"\x00" * 31,
        bytes(range(64)),
    ],
)
def test_signature_der_round_trip(raw: bytes) -> None:
    der = sm2.sm2_signature_to_der(raw)
    assert der[0] == 0x30
    assert len(der) <= 72
    assert sm2.sm2_signature_from_der(der) == raw


def test_signature_der_uses_minimal_integers() -> None:
    der = sm2.sm2_signature_to_der(bytes(31) + b"\x01" + bytes(31) + b"\x80")
    assert der == bytes.fromhex("3007020101020200 80".replace(" ", ""))


@pytest.mark.parametrize(
    "der",
    [
        b"",
        b"\x30",
        b"\x30\x00",
        b"\x31\x06\x02\x01\x01\x02\x01\x01",  # SET, not SEQUENCE
        b"\x30\x06\x02\x01\x01\x02\x01\x01\x00",  # trailing byte
        b"\x30\x07\x02\x01\x01\x02\x01\x01",  # length beyond the data
        b"\x30\x03\x02\x01\x01",  # only r
        b"\x30\x06\x02\x01\x01\x04\x01\x01",  # s is not an INTEGER
        b"\x30\x06\x02\x01\xff\x02\x01\x01",  # negative r
        b"\x30\x07\x02\x02\x00\x01\x02\x01\x01",  # non-minimal r
        b"\x30\x06\x02\x00\x02\x02\x01\x01",  # empty INTEGER
        b"\x30\x81\x06\x02\x01\x01\x02\x01\x01",  # long-form length for a short body
        b"\x30\x26\x02\x21\x01" + b"\x00" * 32 + b"\x02\x01\x01",  # r of 257 bits
        b"garbage that is not DER at all",
    ],
)
def test_garbage_signature_der_is_rejected(der: bytes) -> None:
    with pytest.raises(MalformedSignatureError, match="SM2 signature DER"):
        sm2.sm2_signature_from_der(der)


def test_signature_to_der_rejects_wrong_length() -> None:
    with pytest.raises(MalformedSignatureError, match="must be 64 bytes"):
        sm2.sm2_signature_to_der(bytes(63))


# --- key DER / PEM -------------------------------------------------------------------------------


def test_public_key_der_round_trip(pair: tuple[bytes, bytes]) -> None:
    der = sm2.sm2_public_to_der(pair[1])
    # SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 }, BIT STRING { 04 || X || Y } }
    assert der.startswith(bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200"))
    assert der.endswith(pair[1])
    assert sm2.sm2_public_from_der(der) == pair[1]


def test_public_key_der_with_compressed_point_is_read(pair: tuple[bytes, bytes]) -> None:
    public = pair[1]
    compressed = bytes([0x02 | (public[-1] & 1)]) + public[1:33]
    der = bytes.fromhex("3039301306072a8648ce3d020106082a811ccf5501822d032200") + compressed
    assert sm2.sm2_public_from_der(der) == public


@pytest.mark.parametrize(
    "der",
    [b"", b"\x30\x00", b"not der", bytes.fromhex("3059301306072a8648ce3d020106082a811ccf55")],
)
def test_garbage_public_key_der_is_rejected(der: bytes) -> None:
    with pytest.raises(MalformedKeyError, match="SubjectPublicKeyInfo"):
        sm2.sm2_public_from_der(der)
    assert _error_queue_is_empty()


def test_public_key_der_with_trailing_bytes_is_rejected(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(MalformedKeyError, match="trailing bytes"):
        sm2.sm2_public_from_der(sm2.sm2_public_to_der(pair[1]) + b"\x00")


def test_public_key_der_on_another_curve_is_rejected() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = p256.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(MalformedKeyError, match="prime256v1, not SM2"):
        sm2.sm2_public_from_der(der)


def test_private_key_pem_is_pkcs8(pair: tuple[bytes, bytes]) -> None:
    pem = sm2.sm2_private_to_pem(pair[0])
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert pem.endswith(b"-----END PRIVATE KEY-----\n")


# --- encryption ----------------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", [b"x", bytes(32), bytes(range(256)) * 40])
def test_encrypt_decrypt_round_trip(pair: tuple[bytes, bytes], plaintext: bytes) -> None:
    private, public = pair
    first, second = sm2.sm2_encrypt(public, plaintext), sm2.sm2_encrypt(public, plaintext)
    assert first != second  # a fresh ephemeral key each time
    assert first[0] == 0x30  # ASN.1 SEQUENCE { x, y, C3, C2 }
    assert sm2.sm2_decrypt(private, first) == plaintext
    assert sm2.sm2_decrypt(private, second) == plaintext


def test_encrypting_nothing_is_rejected(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(CryptoError, match="non-empty plaintext"):
        sm2.sm2_encrypt(pair[1], b"")


def test_tampered_ciphertext_is_rejected(pair: tuple[bytes, bytes]) -> None:
    private, public = pair
    ciphertext = sm2.sm2_encrypt(public, b"the launch code is 0000")
    for index in (len(ciphertext) - 1, len(ciphertext) - 30, 10, 40):
        tampered = bytearray(ciphertext)
        tampered[index] ^= 0x01
        with pytest.raises(DecryptionError, match="malformed or fails its check"):
            sm2.sm2_decrypt(private, bytes(tampered))
    for garbage in (ciphertext[:-1], ciphertext[:20], b"", b"\x30\x00", b"junk" * 30):
        with pytest.raises(DecryptionError, match="malformed or fails its check"):
            sm2.sm2_decrypt(private, garbage)
    other_private = sm2.sm2_generate()[0]
    with pytest.raises(DecryptionError):
        sm2.sm2_decrypt(other_private, ciphertext)
    assert _error_queue_is_empty()


# --- threads and caches --------------------------------------------------------------------------


def test_concurrent_verification_on_one_key(pair: tuple[bytes, bytes]) -> None:
    private, public = pair
    signature = sm2.sm2_sign(private, MESSAGE)
    start = threading.Barrier(4)

    def verify_many(_: int) -> list[bool]:
        start.wait()
        return [sm2.sm2_verify(public, MESSAGE, signature) for _ in range(200)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [ok for batch in pool.map(verify_many, range(4)) for ok in batch]
    assert len(results) == 800
    assert all(results)


@pytest.fixture
def small_caches() -> Iterator[None]:
    capacities = sm2._PUBLIC_KEYS.capacity, sm2._PRIVATE_KEYS.capacity
    sm2._PUBLIC_KEYS.capacity = sm2._PRIVATE_KEYS.capacity = 3
    sm2._PUBLIC_KEYS.clear()
    sm2._PRIVATE_KEYS.clear()
    yield
    sm2._PUBLIC_KEYS.capacity, sm2._PRIVATE_KEYS.capacity = capacities


@pytest.mark.usefixtures("small_caches")
def test_key_caches_stay_bounded() -> None:
    pairs = [sm2.sm2_generate() for _ in range(10)]
    for private, public in pairs:
        assert sm2.sm2_verify(public, MESSAGE, sm2.sm2_sign(private, MESSAGE))
        assert max(sm2._cache_sizes()) <= 3
    assert sm2._cache_sizes() == (3, 3)
    # Evicted keys are parsed again transparently.
    private, public = pairs[0]
    assert sm2.sm2_verify(public, MESSAGE, sm2.sm2_sign(private, MESSAGE))


def test_default_cache_capacity_is_bounded() -> None:
    assert sm2._PUBLIC_KEYS.capacity == sm2._PRIVATE_KEYS.capacity == 4096


@pytest.mark.usefixtures("small_caches")
def test_concurrent_use_while_keys_are_evicted() -> None:
    # More keys than cache slots: threads keep evicting keys that other threads are using.
    pairs = [sm2.sm2_generate() for _ in range(6)]
    signatures = [sm2.sm2_sign(private, MESSAGE) for private, _ in pairs]

    def churn(offset: int) -> bool:
        results = []
        for step in range(60):
            index = (offset + step) % len(pairs)
            private, public = pairs[index]
            results.append(sm2.sm2_verify(public, MESSAGE, signatures[index]))
            results.append(sm2.sm2_public_from_private(private) == public)
        return all(results)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(churn, range(4)))
    assert max(sm2._cache_sizes()) <= 3


# --- missing library -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nonexistent/libcrypto.so.3", "libc.so.6"])
def test_unloadable_library_is_reported(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda _: path)
    with pytest.raises(ProviderUnavailableError, match=r"OpenSSL 3 libcrypto \(Debian .*libssl3"):
        native._open()


def test_every_function_reports_an_unavailable_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "_loaded", None)
    monkeypatch.setattr(native, "_failure", "SM2 needs the system OpenSSL 3 libcrypto")
    assert not sm2.available()
    key = bytes(31) + b"\x01"
    calls: list[Callable[[], object]] = [
        sm2.sm2_generate,
        lambda: sm2.sm2_public_from_private(key),
        lambda: sm2.sm2_sign(key, MESSAGE),
        lambda: sm2.sm2_verify(b"\x04" + bytes(64), MESSAGE, bytes(64)),
        lambda: sm2.sm2_encrypt(b"\x04" + bytes(64), b"x"),
        lambda: sm2.sm2_decrypt(key, b"x"),
        lambda: sm2.sm2_public_to_der(b"\x04" + bytes(64)),
        lambda: sm2.sm2_private_to_pem(key),
        lambda: sm2.sm2_public_from_der(b"\x30\x00"),
        lambda: sm2.sm2_check_public(b"\x04" + bytes(64)),
        lambda: sm2.sm2_signature_to_der(bytes(64)),
        lambda: sm2.sm2_signature_from_der(b"\x30\x00"),
    ]
    for call in calls:
        with pytest.raises(ProviderUnavailableError, match="OpenSSL 3"):
            call()
