"""`jadechain ledger init draft|sign|combine|found` and `ledger verify` with real key files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ORGS = ("org1", "org2", "org3")
PASSWORD = "a long passphrase for the tests"


def _run(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ORG_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "jadechain", *arguments],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _ok(cwd: Path, *arguments: str) -> str:
    result = _run(cwd, *arguments)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _keys(tmp_path: Path) -> None:
    for name in ORGS:  # each organisation's own, encrypted participant key
        _ok(tmp_path, "keys", "new", name, "--algo", "sm2", "--dir", f"{name}/keys",
            "--password-env", "ORG_PASSWORD")  # fmt: skip
    _ok(tmp_path, "keys", "new", "admin", "--algo", "sm2", "--dir", "admin", "--no-password")


def _draft(tmp_path: Path) -> None:
    participants = []
    for port, name in enumerate(ORGS, start=7101):
        participants += ["--participant", f"{name}={name}/keys/{name}.key.json@127.0.0.1:{port}"]
    out = _ok(tmp_path, "ledger", "init", "draft", "--name", "trade", "--suite", "sm",
              "--consensus", "bft", "--setting", "view_change_timeout_ms=1000", *participants,
              "--admin", "admin/admin.key.json", "--out", "init.json")  # fmt: skip
    assert "participant: org3" in out
    assert "consensus:   bft view_change_timeout_ms=1000" in out


def test_three_organisations_found_one_ledger_from_the_command_line(tmp_path: Path) -> None:
    _keys(tmp_path)
    _draft(tmp_path)
    for name in ORGS:
        out = _ok(tmp_path, "ledger", "init", "sign", "init.json", "--key",
                  f"{name}/keys/{name}.key.json", "--password-env", "ORG_PASSWORD")  # fmt: skip
        assert f"signed as participant {name!r}: wrote {name}.sig.json" in out
    missing = _run(tmp_path, "ledger", "init", "combine", "init.json", "org1.sig.json",
                   "org3.sig.json")  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr == "error: participant 'org2' has not signed the init document\n"
    signatures = [f"{name}.sig.json" for name in ORGS]
    combined = _ok(tmp_path, "ledger", "init", "combine", "init.json", *signatures)
    ids = {combined.splitlines()[-1].removeprefix("ledger id: ")}
    for name in ORGS:  # each organisation founds its own store
        found = _ok(tmp_path, "ledger", "init", "found", "signed-init.json", "--store",
                    f"{name}/ledger", "--json")  # fmt: skip
        ids.add(json.loads(found)["ledger"])
        assert (tmp_path / name / "ledger" / "CURRENT").is_file()
    verified = json.loads(_ok(tmp_path, "ledger", "verify", "signed-init.json", "--json"))
    assert verified["participants"] == list(ORGS)
    assert verified["suite"] == "sm"
    assert ids == {verified["ledger"]}
    again = _run(tmp_path, "ledger", "init", "found", "signed-init.json", "--store", "org1/ledger")
    assert again.returncode == 2
    assert "is not empty" in again.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    _ok(tmp_path, "keys", "new", "stranger", "--dir", "keys", "--no-password")
    bad = _run(tmp_path, "ledger", "init", "draft", "--name", "x", "--participant", "org1",
               "--admin", "keys/stranger.key.json")  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr == "error: --participant must be NAME=KEY@HOST:PORT, got 'org1'\n"
    _ok(tmp_path, "keys", "new", "org1", "--dir", "keys", "--no-password")
    _ok(tmp_path, "ledger", "init", "draft", "--name", "x", "--consensus", "solo", "--participant",
        "org1=keys/org1.key.json@127.0.0.1:7001", "--admin", "keys/stranger.key.json")  # fmt: skip
    stranger = _run(tmp_path, "ledger", "init", "sign", "init.json", "--key",
                    "keys/stranger.key.json")  # fmt: skip
    assert stranger.returncode == 2
    assert stranger.stderr.startswith("error: key ")
    assert "is not a participant of ledger 'x'" in stranger.stderr
    for arguments in (("ledger", "verify", "init.json"), ("ledger", "init", "found", "--help")):
        result = _run(tmp_path, *arguments)
        assert "Traceback" not in result.stderr
    assert "is not a signed init document" in _run(tmp_path, "ledger", "verify", "init.json").stderr
