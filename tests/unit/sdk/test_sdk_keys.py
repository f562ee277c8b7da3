"""load_keypair opens key files by path or by name in a key directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from jadechain.crypto import Algorithm, KeyPair, WrongPasswordError
from jadechain.crypto.keyfile import KeyFileError, KeyStore, save, seal
from jadechain.sdk import default_key_dir, load_keypair

SCRYPT_N = 2**4  # fast in tests


def test_by_name_in_a_key_directory(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    alice = store.create("alice", Algorithm.ED25519, "pw", scrypt_n=SCRYPT_N)
    dev = store.create("dev", Algorithm.SM2, None)
    opened = load_keypair("alice", "pw", store.directory)
    assert opened.public == alice.public
    assert load_keypair("dev", key_dir=str(store.directory)).public == dev.public


def test_by_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keypair = KeyPair.generate(Algorithm.ED25519)
    path = tmp_path / "somewhere" / "bob.key.json"
    path.parent.mkdir()
    save(path, seal(keypair, "bob", "secret", scrypt_n=SCRYPT_N))
    assert load_keypair(path, "secret") == keypair
    assert load_keypair(str(path), "secret") == keypair
    monkeypatch.chdir(path.parent)
    assert load_keypair("bob.key.json", "secret") == keypair
    assert load_keypair("./bob.key.json", "secret") == keypair


def test_default_directory_follows_jadechain_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JADECHAIN_HOME", str(tmp_path))
    assert default_key_dir() == tmp_path / "keys"
    keyfile = KeyStore(tmp_path / "keys").create("carol", Algorithm.ED25519, None)
    assert load_keypair("carol").public == keyfile.public
    monkeypatch.delenv("JADECHAIN_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_key_dir() == tmp_path / "home" / ".jadechain" / "keys"


def test_errors(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.create("alice", Algorithm.ED25519, "pw", scrypt_n=SCRYPT_N)
    with pytest.raises(WrongPasswordError, match="wrong password"):
        load_keypair("alice", "nope", tmp_path)
    with pytest.raises(WrongPasswordError, match="a password is needed"):
        load_keypair("alice", key_dir=tmp_path)
    with pytest.raises(KeyFileError, match="no key named 'bob'"):
        load_keypair("bob", key_dir=tmp_path)
    with pytest.raises(KeyFileError, match="no key file at"):
        load_keypair(tmp_path / "missing.key.json")
    with pytest.raises(KeyFileError, match="invalid key name"):
        load_keypair("bad name!", key_dir=tmp_path)
    (tmp_path / "junk.key.json").write_text("{}")
    with pytest.raises(KeyFileError, match="not a jadechain key file"):
        load_keypair(tmp_path / "junk.key.json")
