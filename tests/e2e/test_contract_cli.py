"""`jadechain contract test|deploy|invoke` as real processes against one `jadechain dev`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jadechain.testing.processes import dev_process, free_port

ASSET = Path(__file__).parents[2] / "examples" / "asset.py"


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JADECHAIN_")}
    env["JADECHAIN_HOME"] = str(root / "home")
    return subprocess.run(
        [sys.executable, "-m", "jadechain", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def test_contract_test_checks_without_a_network(tmp_path: Path) -> None:
    ok = run(tmp_path, "contract", "test", str(ASSET))
    assert ok.returncode == 0, ok.stderr
    assert "contract Asset, methods: setup, issue, transfer, balance, supply" in ok.stdout
    bad = tmp_path / "bad.py"
    bad.write_text("from jadechain.contract import Contract\n\nimport os\n", encoding="utf-8")
    refused = run(tmp_path, "contract", "test", str(bad))
    assert refused.returncode == 2
    assert "line 3: import is not allowed" in refused.stderr


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    root = tmp_path_factory.mktemp("contract-cli")
    data, port = root / "dev", free_port()
    with dev_process(data, port):
        yield root, ["--gateway", f"http://127.0.0.1:{port}", "--dir", str(data / "keys")]


def test_deploy_then_invoke(dev: tuple[Path, list[str]]) -> None:
    root, options = dev
    deployed = run(root, "contract", "deploy", str(ASSET), *options)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "committed success" in deployed.stdout
    [address] = [line.split()[1] for line in deployed.stdout.splitlines() if "address:" in line]
    setup = run(root, "contract", "invoke", address, "setup", "JADE", *options)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    issued = run(root, "contract", "invoke", address, "issue", "B35Uholder", "25", *options)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    assert "25" in issued.stdout
    negative = ["--", address, "issue", "B35Uholder", "-1"]  # "--": -1 is no option
    refused = run(root, "contract", "invoke", *options, *negative)
    assert refused.returncode == 1
    assert "contract_error" in refused.stdout


def test_freeze_then_unfreeze(dev: tuple[Path, list[str]]) -> None:
    root, options = dev
    deployed = run(root, "contract", "deploy", str(ASSET), *options)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    [address] = [line.split()[1] for line in deployed.stdout.splitlines() if "address:" in line]
    frozen = run(root, "contract", "freeze", address, *options)
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    refused = run(root, "contract", "invoke", address, "setup", "JADE", *options)
    assert refused.returncode == 1
    assert "invalid_state" in refused.stdout
    thawed = run(root, "contract", "unfreeze", address, *options)
    assert thawed.returncode == 0, thawed.stdout + thawed.stderr
    setup = run(root, "contract", "invoke", address, "setup", "JADE", *options)
    assert setup.returncode == 0, setup.stdout + setup.stderr


def test_every_command_has_help() -> None:
    import click
    from click.testing import CliRunner

    from jadechain.cli.main import main

    def paths(group: click.Group, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = [prefix]
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += paths(command, (*prefix, name))
            else:
                found.append((*prefix, name))
        return found

    runner = CliRunner()
    for path in paths(main, ()):
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        assert len(result.output.splitlines()) > 3, path  # a description, not just the usage line
