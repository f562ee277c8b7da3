"""The README's SDK example runs as written against a real `jadechain dev`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from jadechain.testing.processes import dev_process, free_port

README = Path(__file__).parents[2] / "README.md"


def _sdk_example() -> str:
    text = README.read_text()
    section = text[text.index("## Write, read back and verify with the SDK") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its SDK example"
    return match.group(1)


def test_readme_sdk_example_runs_as_written(tmp_path: Path) -> None:
    port = free_port()
    example = _sdk_example().replace("http://127.0.0.1:8080", f"http://127.0.0.1:{port}")
    with dev_process(tmp_path / ".jadechain", port):
        result = subprocess.run(
            [sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "committed"
    assert "harvested" in lines[1]
    assert lines[2].startswith("verified offline: 0")
    assert "harvested" in lines[2]
