"""`jadechain tx` and `jadechain query` as real processes against one `jadechain dev` process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jadechain import codec
from jadechain.api import BlockView, EventView, RoleView, SubmitResult, TransactionView, UserView
from jadechain.cli.query import query as query_group
from jadechain.cli.tx import tx as tx_group
from jadechain.crypto import KeyPair, algorithm_from_name, hash_data
from jadechain.ledger.model import TxCode
from jadechain.testing.processes import dev_process, free_port

TX_COMMANDS = [
    "authorize-user",
    "configure-role",
    "deploy-contract",
    "invoke-contract",
    "publish",
    "register-data-account",
    "register-event-account",
    "register-participant",
    "register-user",
    "set",
    "set-account-permission",
    "update-participant-state",
    "update-settings",
    "update-user-state",
]
QUERY_COMMANDS = [
    "account",
    "block",
    "block-txs",
    "certificate",
    "contract",
    "entries",
    "entry",
    "events",
    "history",
    "ledger",
    "ledgers",
    "proof",
    "role",
    "tx",
    "user",
]


@dataclass
class Dev:
    root: Path  # the working directory of every command: no ./.jadechain here
    keys: Path
    gateway: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JADECHAIN_")}
        env["JADECHAIN_HOME"] = str(self.root / "home")
        return subprocess.run(
            [sys.executable, "-m", "jadechain", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )

    def tx(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = self.run("tx", *args, "--gateway", self.gateway, "--dir", str(self.keys))
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    def query(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = self.run("query", *args, "--gateway", self.gateway)
        assert result.returncode == expect, result.stdout + result.stderr
        return result


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    root = tmp_path_factory.mktemp("cli")
    data, port = root / "dev", free_port()
    with dev_process(data, port):
        yield Dev(root, data / "keys", f"http://127.0.0.1:{port}")


@pytest.fixture(scope="module")
def account(dev: Dev) -> str:
    """A data account registered through the command line (its address is printed)."""
    output = dev.tx("register-data-account").stdout
    assert "committed success tx=" in output
    [address] = [line.split()[1] for line in output.splitlines() if line.startswith("address:")]
    return address


def test_set_twice_then_conflict_then_read_and_verify(dev: Dev, account: str) -> None:
    assert "committed success" in dev.tx("set", account, "lot-7", "harvested").stdout
    assert "committed success" in dev.tx("set", account, "lot-7", "shipped").stdout  # version 1
    conflict = dev.tx("set", account, "lot-7", "lost", "--version", "0", expect=1)
    assert "version_conflict" in conflict.stdout
    dev.tx("set", account, "weight", "1200", "--type", "int64")

    entry = dev.query("entry", account, "lot-7").stdout
    assert "version: 1" in entry
    assert "value:   text: shipped" in entry
    history = dev.query("history", account, "lot-7").stdout.splitlines()
    assert [line.split(None, 1) for line in history[1:]] == [
        ["0", "text: harvested"],
        ["1", "text: shipped"],
    ]
    entries = dev.query("entries", account).stdout
    assert "int64: 1200" in entries
    assert "text: shipped" in entries
    verified = dev.query("entry", account, "lot-7", "--verify").stdout
    assert "text: shipped" in verified
    assert "verified at block" in verified


def test_publish_two_events_then_read_them(dev: Dev) -> None:
    output = dev.tx("register-event-account").stdout
    [events] = [line.split()[1] for line in output.splitlines() if line.startswith("address:")]
    dev.tx("publish", events, "lots", '{"lot": 7}', "--type", "json")
    dev.tx("publish", events, "lots", "second")  # the next sequence, read from the gateway
    listed = codec.from_json(dev.query("events", events, "lots", "--json").stdout, list[EventView])
    assert [(e.sequence, e.content.value) for e in listed] == [(0, '{"lot":7}'), (1, "second")]


def test_configure_role_register_user_and_authorize(dev: Dev) -> None:
    user = KeyPair.generate(algorithm_from_name("ed25519"))
    dev.tx("configure-role", "auditor", "--ledger-permission", "write_data",
           "--tx-permission", "direct_operation")  # fmt: skip
    role = codec.from_json(dev.query("role", "auditor", "--json").stdout, RoleView)
    assert [p.value for p in role.ledger_permissions] == ["write_data"]
    dev.tx("register-user", user.public.to_base58())
    dev.tx("authorize-user", user.address, "--grant", "auditor", "--policy", "intersect")
    view = codec.from_json(dev.query("user", user.address, "--json").stdout, UserView)
    assert view.roles == ["AUDITOR"]
    assert view.policy.value == "intersect"


def test_block_latest_and_tx_hash_as_json_records(dev: Dev, account: str) -> None:
    submitted = dev.tx("set", account, "json-check", "yes", "--json").stdout
    result = codec.from_json(submitted, SubmitResult)
    tx_hash = result.tx_hash.to_base58()
    view = codec.from_json(dev.query("tx", tx_hash, "--json").stdout, TransactionView)
    assert view.hash == result.tx_hash
    assert view.result.code is TxCode.SUCCESS
    block = codec.from_json(dev.query("block", "latest", "--json").stdout, BlockView)
    assert block.header.height >= view.result.height
    assert "code:        success" in dev.query("tx", tx_hash).stdout


@pytest.mark.parametrize("case", ["unknown ledger", "malformed address", "int64", "unreachable"])
def test_bad_input_exits_2_with_one_line_reason(dev: Dev, account: str, case: str) -> None:
    if case == "unknown ledger":
        other = hash_data(algorithm_from_name("sha256"), b"another ledger").to_base58()
        result = dev.run("query", "ledger", "--gateway", dev.gateway, "--ledger", other)
        reason = f"error: no ledger {other} on the gateway"
    elif case == "malformed address":
        result = dev.run("query", "account", "B35U-not-an-address", "--gateway", dev.gateway)
        reason = "error: not an address: 'B35U-not-an-address'"
    elif case == "int64":
        result = dev.run("tx", "set", account, "n", "abc", "--type", "int64",
                         "--gateway", dev.gateway, "--dir", str(dev.keys))  # fmt: skip
        reason = "error: bad int64 value 'abc': not an integer"
    else:
        closed = f"http://127.0.0.1:{free_port()}"
        result = dev.run("query", "block", "--gateway", closed)
        reason = f"error: cannot reach the gateway at {closed}"
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(reason), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_the_groups_have_the_commands_listed_here() -> None:
    assert sorted(tx_group.commands) == TX_COMMANDS
    assert sorted(query_group.commands) == QUERY_COMMANDS


@pytest.mark.parametrize(
    "command",
    [("tx",), ("query",)]
    + [("tx", name) for name in TX_COMMANDS]
    + [("query", name) for name in QUERY_COMMANDS],
    ids=" ".join,
)
def test_every_command_has_help(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = Dev(tmp_path, tmp_path, "").run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    if len(command) == 2:
        assert "--gateway URL" in result.stdout
        assert "--ledger ID" in result.stdout
        assert "--json" in result.stdout
    if command[0] == "tx" and len(command) == 2:
        assert "--key NAME_OR_PATH" in result.stdout
        assert "--no-wait" in result.stdout
