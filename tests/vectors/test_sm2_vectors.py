"""SM2 against GB/T 32918 and against the `openssl` command line.

The command line uses the same libcrypto but a different code path (its own key files, DER
signatures, `-pkeyopt distid`), so agreement checks our encodings and our ID handling. The
interop tests fail, never skip, when `openssl` is missing.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from jadechain.crypto import openssl_sm2 as sm2

# GB/T 32918.5-2017, Appendix A: signature example on the recommended curve.
GBT_PRIVATE = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
GBT_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
GBT_MESSAGE = b"message digest"
GBT_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
DEFAULT_ID = sm2.SM2_DEFAULT_ID.decode()


def test_gbt32918_signature_verifies() -> None:
    assert sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, GBT_SIGNATURE)
    assert sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, GBT_SIGNATURE, ident=b"1234567812345678")


def test_gbt32918_public_key_from_private() -> None:
    assert sm2.sm2_public_from_private(GBT_PRIVATE) == GBT_PUBLIC
    sm2.sm2_check_public(GBT_PUBLIC)


@pytest.mark.parametrize("bit", [0, 7, 255, 256, 300, 511])
def test_gbt32918_signature_with_a_flipped_bit_fails(bit: int) -> None:
    tampered = bytearray(GBT_SIGNATURE)
    tampered[bit // 8] ^= 0x80 >> (bit % 8)
    assert not sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, bytes(tampered))


def test_gbt32918_signature_under_another_id_fails() -> None:
    assert not sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, GBT_SIGNATURE, ident=b"1234567812345679")
    assert not sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, GBT_SIGNATURE, ident=b"")
    assert not sm2.sm2_verify(GBT_PUBLIC, b"message digesT", GBT_SIGNATURE)


def test_gbt32918_our_signature_of_the_example_verifies() -> None:
    # Signing is randomised, so only the verification of a fresh signature can be compared.
    signature = sm2.sm2_sign(GBT_PRIVATE, GBT_MESSAGE)
    assert signature != GBT_SIGNATURE
    assert sm2.sm2_verify(GBT_PUBLIC, GBT_MESSAGE, signature)


# --- the openssl command line --------------------------------------------------------------------

SIGN = "pkeyutl -sign -inkey {key} -rawin -digest sm3 -pkeyopt distid:{ident} -in {msg}"
VERIFY = (
    "pkeyutl -verify -pubin -inkey {pub} -keyform {form} -rawin -digest sm3"
    " -pkeyopt distid:{ident} -in {msg} -sigfile {sig}"
)
PUBOUT = "pkey -in {key} -pubout -outform DER"


@pytest.fixture(scope="module")
def openssl_bin() -> str:
    path = shutil.which("openssl")
    assert path, "the openssl command line is required (Debian package openssl)"
    return path


def _run(openssl_bin: str, command: str, **values: object) -> subprocess.CompletedProcess[bytes]:
    # Split first, then fill in: a path with spaces stays one argument.
    argv = [openssl_bin, *(token.format(**values) for token in command.split())]
    return subprocess.run(argv, capture_output=True, check=False)


def _ok(openssl_bin: str, command: str, **values: object) -> bytes:
    done = _run(openssl_bin, command, **values)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _pem(der: bytes, label: str) -> bytes:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


def _openssl_verifies(openssl_bin: str, **values: object) -> bool:
    done = _run(openssl_bin, VERIFY, ident=DEFAULT_ID, **values)
    return done.returncode == 0 and b"Verified Successfully" in done.stdout


@pytest.mark.parametrize("form", ["DER", "PEM"])
def test_signature_made_here_verifies_in_openssl(
    openssl_bin: str, tmp_path: Path, form: str
) -> None:
    private, public = sm2.sm2_generate()
    message = b"jadechain block header \x00\xff" * 7
    der = sm2.sm2_public_to_der(public)
    pub = tmp_path / "pub.key"
    pub.write_bytes(der if form == "DER" else _pem(der, "PUBLIC KEY"))
    msg = tmp_path / "msg"
    msg.write_bytes(message)
    sig = tmp_path / "sig.der"
    sig.write_bytes(sm2.sm2_signature_to_der(sm2.sm2_sign(private, message)))

    assert _openssl_verifies(openssl_bin, pub=pub, form=form, msg=msg, sig=sig)
    msg.write_bytes(message + b"!")  # the check must be able to fail
    assert not _openssl_verifies(openssl_bin, pub=pub, form=form, msg=msg, sig=sig)


def test_gbt32918_signature_verifies_in_openssl(openssl_bin: str, tmp_path: Path) -> None:
    pub, msg, sig = tmp_path / "pub.der", tmp_path / "msg", tmp_path / "sig.der"
    pub.write_bytes(sm2.sm2_public_to_der(GBT_PUBLIC))
    msg.write_bytes(GBT_MESSAGE)
    sig.write_bytes(sm2.sm2_signature_to_der(GBT_SIGNATURE))
    assert _openssl_verifies(openssl_bin, pub=pub, form="DER", msg=msg, sig=sig)


@pytest.mark.parametrize("ident", [sm2.SM2_DEFAULT_ID, b"alice@example.com"])
def test_openssl_key_and_signature_verify_here(
    openssl_bin: str, tmp_path: Path, ident: bytes
) -> None:
    key, msg = tmp_path / "key.pem", tmp_path / "msg"
    msg.write_bytes(b"signed by the openssl command line")
    _ok(openssl_bin, "genpkey -algorithm SM2 -out {key}", key=key)
    der_signature = _ok(openssl_bin, SIGN, key=key, ident=ident.decode(), msg=msg)
    public = sm2.sm2_public_from_der(_ok(openssl_bin, PUBOUT, key=key))

    signature = sm2.sm2_signature_from_der(der_signature)
    assert sm2.sm2_signature_to_der(signature) == der_signature
    assert sm2.sm2_verify(public, msg.read_bytes(), signature, ident=ident)
    assert not sm2.sm2_verify(public, msg.read_bytes(), signature, ident=ident + b"x")


def test_private_key_exported_here_signs_in_openssl(openssl_bin: str, tmp_path: Path) -> None:
    private, public = sm2.sm2_generate()
    key, msg = tmp_path / "key.pem", tmp_path / "msg"
    key.write_bytes(sm2.sm2_private_to_pem(private))
    msg.write_bytes(b"our key, their signer")

    assert _ok(openssl_bin, PUBOUT, key=key) == sm2.sm2_public_to_der(public)
    der_signature = _ok(openssl_bin, SIGN, key=key, ident=DEFAULT_ID, msg=msg)
    assert sm2.sm2_verify(public, msg.read_bytes(), sm2.sm2_signature_from_der(der_signature))


def test_gbt32918_private_key_round_trips_through_openssl(openssl_bin: str, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(sm2.sm2_private_to_pem(GBT_PRIVATE))
    assert sm2.sm2_public_from_der(_ok(openssl_bin, PUBOUT, key=key)) == GBT_PUBLIC


def test_encryption_interoperates_with_openssl(openssl_bin: str, tmp_path: Path) -> None:
    private, public = sm2.sm2_generate()
    key, pub = tmp_path / "key.pem", tmp_path / "pub.der"
    key.write_bytes(sm2.sm2_private_to_pem(private))
    pub.write_bytes(sm2.sm2_public_to_der(public))
    plaintext = bytes(range(256)) * 3

    ours, source = tmp_path / "ours.ct", tmp_path / "plain"
    ours.write_bytes(sm2.sm2_encrypt(public, plaintext))
    assert _ok(openssl_bin, "pkeyutl -decrypt -inkey {key} -in {ct}", key=key, ct=ours) == plaintext

    source.write_bytes(plaintext)
    encrypt = "pkeyutl -encrypt -pubin -inkey {pub} -keyform DER -in {src}"
    theirs = _ok(openssl_bin, encrypt, pub=pub, src=source)
    assert sm2.sm2_decrypt(private, theirs) == plaintext
