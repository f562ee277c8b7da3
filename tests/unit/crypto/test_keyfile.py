"""Encrypted key files: round trips, wrong passwords, tampering and hostile files."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from jadechain.crypto import Algorithm, KeyPair, WrongPasswordError
from jadechain.crypto.keyfile import KeyFileError, KeyStore, load, open_key, save, seal

FAST_N = 2**10  # tests use a cheap scrypt; the default is 2**15


def test_round_trip_every_algorithm(keypair: KeyPair, tmp_path: Path) -> None:
    keyfile = seal(keypair, "k", "correct horse", FAST_N)
    expected_cipher = "sm4-gcm" if keypair.algorithm is Algorithm.SM2 else "aes-256-gcm"
    assert keyfile.encryption == expected_cipher
    save(tmp_path / "k.key.json", keyfile)
    loaded = load(tmp_path / "k.key.json")
    assert open_key(loaded, "correct horse") == keypair
    assert (tmp_path / "k.key.json").stat().st_mode & 0o777 == 0o600
    assert keypair.private.to_base58() not in (tmp_path / "k.key.json").read_text()


def test_wrong_password_is_refused_clearly() -> None:
    keyfile = seal(KeyPair.generate(Algorithm.ED25519), "k", "right", FAST_N)
    with pytest.raises(WrongPasswordError, match="wrong password for key 'k'"):
        open_key(keyfile, "wrong")
    with pytest.raises(WrongPasswordError, match="a password is needed"):
        open_key(keyfile, None)


def test_swapped_public_key_is_detected() -> None:
    keyfile = seal(KeyPair.generate(Algorithm.ED25519), "k", "pw", FAST_N)
    other = KeyPair.generate(Algorithm.ED25519)
    forged = msgspec.structs.replace(keyfile, public_key=other.public.to_base58())
    with pytest.raises(WrongPasswordError):
        open_key(forged, "pw")


def test_unencrypted_key_for_development() -> None:
    keypair = KeyPair.generate(Algorithm.SECP256K1)
    keyfile = seal(keypair, "dev", None)
    assert keyfile.encryption is None
    assert open_key(keyfile, None) == keypair


def test_hostile_kdf_parameters_are_refused() -> None:
    keyfile = seal(KeyPair.generate(Algorithm.ED25519), "k", "pw", FAST_N)
    assert keyfile.kdf is not None
    huge = msgspec.structs.replace(keyfile.kdf, n=2**30)
    with pytest.raises(KeyFileError, match="scrypt n"):
        open_key(msgspec.structs.replace(keyfile, kdf=huge), "pw")


def test_malformed_files_give_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.key.json"
    path.write_text("{not json")
    with pytest.raises(KeyFileError, match="not a jadechain key file"):
        load(path)
    path.write_text(json.dumps({"format": "jadechain-key/1"}))
    with pytest.raises(KeyFileError, match="missing required field"):
        load(path)
    with pytest.raises(KeyFileError, match="no key file"):
        load(tmp_path / "absent.key.json")
    path.write_bytes(b" " * 100_000)
    with pytest.raises(KeyFileError, match="more than a key file can be"):
        load(path)


def test_store_names_and_refuses_overwrite(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    assert store.names() == []
    store.create("alice", Algorithm.ED25519, "pw", FAST_N)
    store.create("bob", Algorithm.SM2, None)
    assert store.names() == ["alice", "bob"]
    with pytest.raises(KeyFileError, match="already exists"):
        store.create("alice", Algorithm.ED25519, "pw", FAST_N)
    with pytest.raises(KeyFileError, match="invalid key name"):
        store.path("../escape")
    with pytest.raises(KeyFileError, match="no key named 'carol'"):
        store.load("carol")
