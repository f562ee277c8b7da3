"""Opening key pairs from the encrypted key files that `jadechain keys` writes."""

from __future__ import annotations

import os
from pathlib import Path

from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import SUFFIX, KeyStore, load, open_key


def default_key_dir() -> Path:
    """`$JADECHAIN_HOME/keys`, else `~/.jadechain/keys` (the same rule as the command line)."""
    home = os.environ.get("JADECHAIN_HOME")
    return (Path(home) if home else Path.home() / ".jadechain") / "keys"


def load_keypair(
    path_or_name: str | os.PathLike[str],
    password: str | None = None,
    key_dir: str | os.PathLike[str] | None = None,
) -> KeyPair:
    """The key pair in a key file, given its path or its name in a key directory.

    A `Path` (any `os.PathLike`), or a string holding a path separator or ending in `.key.json`,
    is a file path (write `./name.key.json` for a file in the working directory); any other
    string is a key name in `key_dir` (default: `default_key_dir()`).
    `password` opens an encrypted key; a key saved without one needs none.
    Raises `KeyFileError` for a missing or malformed file and `WrongPasswordError` when the
    password is missing or wrong (both are `jadechain.crypto.CryptoError`s).
    """
    if _is_path(path_or_name):
        keyfile = load(Path(path_or_name))
    else:
        store = KeyStore(Path(key_dir) if key_dir is not None else default_key_dir())
        keyfile = store.load(str(path_or_name))
    return open_key(keyfile, password)


def _is_path(path_or_name: str | os.PathLike[str]) -> bool:
    if not isinstance(path_or_name, str):
        return True
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return any(s in path_or_name for s in separators) or path_or_name.endswith(SUFFIX)
