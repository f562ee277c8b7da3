"""TOML configuration of `jadechain peer run` and `jadechain gateway run`.

peer.toml:

    [peer]
    listen = "127.0.0.1:7080"          # the peer's API, for gateways (keep it private)
    key_file = "keys/node.key.json"    # this participant's key; relative paths: from this file
    password_env = ""                  # environment variable with the key's password, if any
    ledgers = ["ledger"]               # ledger stores: rocksdb directories (or memory://)

    [pipeline]                         # optional; defaults shown
    block_transactions_max = 2000
    block_delay_ms = 10
    mempool_transactions_max = 100000
    crypto_workers = "process"         # or "thread": where signatures are checked (ADR 0008)

gateway.toml:

    [gateway]
    listen = "127.0.0.1:8080"
    peers = ["http://127.0.0.1:7080"]  # tried in turn; the next one when one is unreachable
    key_file = ""                      # optional: endorse transactions with this key
    password_env = ""
    body_bytes_max = 16777216
    peer_timeout_s = 60.0

A bad file is refused with one line naming the file and the field (unknown fields included).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.node.host import PipelineSettings

T = TypeVar("T")
CONFIG_BYTES_MAX = 1024 * 1024


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the field."""


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class PeerSection(_Strict, frozen=True):
    listen: str
    key_file: str
    ledgers: list[str]
    password_env: str = ""


class PipelineSection(_Strict, frozen=True):
    block_transactions_max: int = 2000
    block_delay_ms: int = 10
    mempool_transactions_max: int = 100_000
    crypto_workers: Literal["thread", "process"] = "process"


class PeerConfig(_Strict, frozen=True):
    peer: PeerSection
    pipeline: PipelineSection = PipelineSection()


class GatewaySection(_Strict, frozen=True):
    listen: str
    peers: list[str]
    key_file: str = ""
    password_env: str = ""
    body_bytes_max: int = 16 * 1024 * 1024
    peer_timeout_s: float = 60.0


class GatewayConfig(_Strict, frozen=True):
    gateway: GatewaySection


def _load(path: Path, type_: type[T]) -> T:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    if len(data) > CONFIG_BYTES_MAX:
        raise ConfigError(f"{path} is larger than {CONFIG_BYTES_MAX} bytes")
    try:
        raw = tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    try:
        return msgspec.convert(raw, type_)
    except msgspec.ValidationError as error:
        raise ConfigError(f"{path}: {error}") from None


def load_peer_config(path: Path) -> PeerConfig:
    config = _load(path, PeerConfig)
    if not config.peer.ledgers:
        raise ConfigError(f"{path}: peer.ledgers names no ledger store")
    pipeline = config.pipeline
    if not (
        1 <= pipeline.block_transactions_max <= 100_000 and 0 <= pipeline.block_delay_ms <= 60_000
    ):
        raise ConfigError(f"{path}: pipeline limits out of range")
    listen_address(config.peer.listen, path)
    return config


def load_gateway_config(path: Path) -> GatewayConfig:
    config = _load(path, GatewayConfig)
    if not config.gateway.peers:
        raise ConfigError(f"{path}: gateway.peers names no peer")
    if not all(peer.startswith(("http://", "https://")) for peer in config.gateway.peers):
        raise ConfigError(f"{path}: gateway.peers must be http:// or https:// URLs")
    listen_address(config.gateway.listen, path)
    return config


def listen_address(text: str, path: Path) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{path}: listen must be HOST:PORT, got {text!r}")
    return host, int(port)


def resolve(base: Path, value: str) -> Path:
    """A path from a config file, relative to the file's directory."""
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base.parent / candidate


def store_url(base: Path, value: str) -> str:
    """A ledger store from a config: a URL (memory://, rocksdb://...) or a RocksDB directory."""
    if "://" in value or value.startswith("rocksdb:"):
        return value
    return f"rocksdb://{resolve(base, value).resolve()}"


def open_key_file(base: Path, key_file: str, password_env: str) -> KeyPair:
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise ConfigError(f"environment variable {password_env} is not set or empty")
    return open_key(load(resolve(base, key_file)), password)


def pipeline_settings(config: PeerConfig) -> PipelineSettings:
    section = config.pipeline
    return PipelineSettings(
        block_transactions_max=section.block_transactions_max,
        block_delay_ms=section.block_delay_ms,
        mempool_transactions_max=section.mempool_transactions_max,
        crypto_workers=section.crypto_workers,
    )
