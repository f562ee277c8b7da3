"""The README's main command (`jadechain net up`, four organisations) brings a network up, and its
SDK example runs as written against it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from jadechain.testing.processes import free_port

README = Path(__file__).parents[2] / "README.md"


def _sdk_example() -> str:
    text = README.read_text()
    section = text[text.index("## Write, read back and verify with the SDK") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its SDK example"
    return match.group(1)


def _jadechain(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jadechain", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_readme_main_command_and_sdk_example_run_as_written(tmp_path: Path) -> None:
    run_script = (README.parent / "scripts" / "run").read_text()
    assert "jadechain net up --orgs 4 --consensus bft" in run_script
    port = free_port()
    up = _jadechain("net", "up", "--orgs", "4", "--consensus", "bft", "--gateway-port", str(port),
                    cwd=tmp_path)  # fmt: skip
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"http://127.0.0.1:{port}" in up.stdout
        example = _sdk_example().replace("http://127.0.0.1:8080", f"http://127.0.0.1:{port}")
        result = subprocess.run(
            [sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    finally:
        down = _jadechain("net", "down", cwd=tmp_path)
    assert down.returncode == 0, down.stderr
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "committed"
    assert "harvested" in lines[1]
    assert lines[2].startswith("verified offline: 0")
    assert "harvested" in lines[2]


def test_readme_contract_example_runs_as_written() -> None:
    text = README.read_text()
    section = text[text.index("## Contracts") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its contract example"
    result = subprocess.run(
        [sys.executable, "-c", match.group(1)], cwd=README.parent, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    failure, balances = result.stdout.splitlines()
    assert failure.startswith("contract_error: ContractError at line")
    assert "insufficient balance" in failure
    balance, fuel = balances.split()
    assert balance == "30"
    assert int(fuel) > 0
