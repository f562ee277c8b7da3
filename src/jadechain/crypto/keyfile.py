"""Encrypted key files and the key store directory.

A key file is a small JSON document (`NAME.key.json`):
- `format`, `name`, `algorithm`, `public_key` (Base58), `address`: readable without the password;
- `kdf`: scrypt with its parameters and salt; `encryption`: `sm4-gcm` for SM2 keys, `aes-256-gcm`
  for every other algorithm (the key's own suite protects it);
- `private_key`: hex of nonce || ciphertext || tag; the associated data binds the ciphertext to the
  format, algorithm and public key, so editing any of them makes opening fail.
A key saved with no password (`encryption` null) keeps the private key as Base58; that is meant for
development networks only, and the CLI asks for it explicitly.

Files are written atomically (temporary file, fsync, rename) with mode 0600, so a crash never leaves
half a key.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import msgspec

from jadechain.codec import CodecError, from_json, to_json
from jadechain.crypto.algorithms import Algorithm, algorithm_from_name
from jadechain.crypto.errors import CryptoError, DecryptionError, WrongPasswordError
from jadechain.crypto.keys import KeyPair
from jadechain.crypto.registry import cipher_scheme
from jadechain.crypto.suites import suite_for_signature
from jadechain.crypto.types import PrivateKey, PublicKey

FORMAT = "jadechain-key/1"
SCRYPT_N_DEFAULT = 2**15  # about 32 MiB and 0.1 s here: slow enough against guessing
SCRYPT_N_MAX = 2**20  # a hostile file must not make us allocate gigabytes
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_FILE_BYTES_MAX = 64 * 1024
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SUFFIX = ".key.json"


class KeyFileError(CryptoError):
    """A key file that is missing, malformed, or does not match its own public key."""


class Kdf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    n: int
    r: int
    p: int
    salt: str


class KeyFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: str
    name: str
    algorithm: str
    public_key: str
    address: str
    encryption: str | None
    kdf: Kdf | None
    private_key: str

    @property
    def public(self) -> PublicKey:
        return PublicKey.from_base58(self.public_key)

    @property
    def encrypted(self) -> bool:
        return self.encryption is not None


def _derive(password: str, kdf: Kdf, key_bytes: int) -> bytes:
    if kdf.name != "scrypt":
        raise KeyFileError(f"unsupported key derivation {kdf.name!r}")
    if not (2 <= kdf.n <= SCRYPT_N_MAX and kdf.n & (kdf.n - 1) == 0):
        raise KeyFileError(f"scrypt n must be a power of two in [2, {SCRYPT_N_MAX}]")
    if not (1 <= kdf.r <= 32 and 1 <= kdf.p <= 16):
        raise KeyFileError("scrypt r or p out of range")
    salt = bytes.fromhex(kdf.salt)
    memory_bytes = 128 * kdf.r * kdf.n * 2 + 1024 * 1024
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=kdf.n,
        r=kdf.r,
        p=kdf.p,
        maxmem=memory_bytes,
        dklen=key_bytes,
    )


def _associated(algorithm: str, public_key: str) -> bytes:
    return f"{FORMAT}\n{algorithm}\n{public_key}".encode()


def seal(
    keypair: KeyPair, name: str, password: str | None, scrypt_n: int = SCRYPT_N_DEFAULT
) -> KeyFile:
    """The key file of `keypair`, encrypted under `password` (None: stored in the clear)."""
    check_name(name)
    algorithm = keypair.algorithm.info.name
    public_key = keypair.public.to_base58()
    common = {"format": FORMAT, "name": name, "algorithm": algorithm, "public_key": public_key}
    if password is None:
        private = keypair.private.to_base58()
        return KeyFile(
            **common, address=keypair.address, encryption=None, kdf=None, private_key=private
        )
    if not password:
        raise KeyFileError("the password is empty")
    cipher = suite_for_signature(keypair.algorithm).cipher
    kdf = Kdf("scrypt", scrypt_n, SCRYPT_R, SCRYPT_P, os.urandom(SALT_BYTES).hex())
    key = _derive(password, kdf, cipher.info.key_bytes)
    sealed = cipher_scheme(cipher).encrypt(
        key, keypair.private.to_bytes(), _associated(algorithm, public_key)
    )
    return KeyFile(
        **common,
        address=keypair.address,
        encryption=cipher.info.name,
        kdf=kdf,
        private_key=sealed.hex(),
    )


def open_key(keyfile: KeyFile, password: str | None) -> KeyPair:
    """The key pair in `keyfile`; WrongPasswordError if `password` does not open it."""
    public = _checked_public(keyfile)
    if keyfile.encryption is None:
        private = PrivateKey.from_base58(keyfile.private_key)
    else:
        private = _decrypt(keyfile, password)
    keypair = KeyPair.from_private(private)
    if keypair.public != public:
        raise KeyFileError(f"key file {keyfile.name!r} is corrupted: keys do not match")
    return keypair


def _checked_public(keyfile: KeyFile) -> PublicKey:
    if keyfile.format != FORMAT:
        raise KeyFileError(f"unsupported key file format {keyfile.format!r}")
    public = keyfile.public
    if public.algorithm is not algorithm_from_name(keyfile.algorithm):
        raise KeyFileError("key file algorithm does not match its public key")
    return public


def _decrypt(keyfile: KeyFile, password: str | None) -> PrivateKey:
    if password is None:
        raise WrongPasswordError(f"key {keyfile.name!r} is encrypted: a password is needed")
    if keyfile.kdf is None:
        raise KeyFileError("encrypted key file has no kdf parameters")
    cipher: Algorithm = algorithm_from_name(keyfile.encryption or "")
    try:
        sealed = bytes.fromhex(keyfile.private_key)
    except ValueError:
        raise KeyFileError("private_key is not hex") from None
    key = _derive(password, keyfile.kdf, cipher.info.key_bytes)
    try:
        plain = cipher_scheme(cipher).decrypt(
            key, sealed, _associated(keyfile.algorithm, keyfile.public_key)
        )
    except DecryptionError:
        raise WrongPasswordError(
            f"wrong password for key {keyfile.name!r} (or the key file was altered)"
        ) from None
    return PrivateKey.from_bytes(plain)


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise KeyFileError(
            f"invalid key name {name!r}: use 1-64 letters, digits, '_', '.', '-' "
            "(starting with a letter or digit)"
        )
    return name


def save(path: Path, keyfile: KeyFile, *, overwrite: bool = False) -> None:
    """Write `keyfile` atomically with mode 0600; refuse to replace a key unless asked."""
    if path.exists() and not overwrite:
        raise KeyFileError(f"key file {path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(to_json(keyfile) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load(path: Path) -> KeyFile:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}") from None
    if size > KEY_FILE_BYTES_MAX:
        raise KeyFileError(f"{path} is {size} bytes, more than a key file can be")
    try:
        keyfile = from_json(path.read_bytes(), KeyFile)
    except CodecError as error:
        raise KeyFileError(f"{path} is not a jadechain key file: {error}") from None
    _checked_public(keyfile)
    return keyfile


class KeyStore:
    """A directory of key files, one per name."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / f"{check_name(name)}{SUFFIX}"

    def create(
        self,
        name: str,
        algorithm: Algorithm,
        password: str | None,
        scrypt_n: int = SCRYPT_N_DEFAULT,
    ) -> KeyFile:
        path = self.path(name)
        if path.exists():
            raise KeyFileError(f"a key named {name!r} already exists in {self.directory}")
        keyfile = seal(KeyPair.generate(algorithm), name, password, scrypt_n)
        save(path, keyfile)
        return keyfile

    def load(self, name: str) -> KeyFile:
        path = self.path(name)
        if not path.exists():
            raise KeyFileError(f"no key named {name!r} in {self.directory}")
        return load(path)

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name[: -len(SUFFIX)] for p in self.directory.glob(f"*{SUFFIX}"))


__all__ = [
    "KeyFile",
    "KeyFileError",
    "KeyStore",
    "load",
    "open_key",
    "save",
    "seal",
]
