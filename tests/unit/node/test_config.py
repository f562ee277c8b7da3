"""Peer and gateway configuration files: defaults, paths relative to the file, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from jadechain.node.config import (
    ConfigError,
    load_gateway_config,
    load_peer_config,
    pipeline_settings,
    store_url,
)


def test_peer_config_defaults_and_relative_store(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "peer.toml"
    path.parent.mkdir()
    path.write_text('[peer]\nlisten = "127.0.0.1:7080"\nkey_file = "k.json"\nledgers = ["db"]\n')
    config = load_peer_config(path)
    assert pipeline_settings(config).block_transactions_max == 2000
    assert pipeline_settings(config).crypto_workers == "process"
    assert store_url(path, "db") == f"rocksdb://{(tmp_path / 'conf' / 'db').resolve()}"
    assert store_url(path, "memory://") == "memory://"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[peer\n", "not valid TOML"),
        ('[peer]\nlisten = "x:1"\nkey_file = "k"\nledgers = []\n', "names no ledger store"),
        ('[peer]\nlisten = "x"\nkey_file = "k"\nledgers = ["l"]\n', "listen must be HOST:PORT"),
        (
            '[peer]\nlisten = "x:1"\nkey_file = 5\nledgers = ["l"]\n',
            r"Expected `str`, got `int` - at `\$.peer.key_file`",
        ),
        (
            '[peer]\nlisten = "x:1"\nkey_file = "k"\nledgers = ["l"]\n'
            "[pipeline]\nblock_transactions_max = 0\n",
            "out of range",
        ),
        (
            '[peer]\nlisten = "x:1"\nkey_file = "k"\nledgers = ["l"]\n'
            '[pipeline]\ncrypto_workers = "gpu"\n',
            r"Invalid enum value 'gpu' - at `\$.pipeline.crypto_workers`",
        ),
    ],
)
def test_bad_peer_configs_say_why(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "peer.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=reason):
        load_peer_config(path)


def test_gateway_config(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[gateway]\nlisten = "127.0.0.1:8080"\npeers = ["http://127.0.0.1:7080"]\n')
    assert load_gateway_config(path).gateway.body_bytes_max == 16 * 1024 * 1024
    path.write_text('[gateway]\nlisten = "127.0.0.1:8080"\npeers = ["tcp://x"]\n')
    with pytest.raises(ConfigError, match="must be http"):
        load_gateway_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_gateway_config(tmp_path / "absent.toml")
