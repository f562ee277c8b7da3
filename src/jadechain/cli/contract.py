"""`jadechain contract`: check, deploy and invoke Python smart contracts.

`test` needs no network: it runs the sandbox's checks and lists the contract's methods. `deploy`
and `invoke` sign with --key and submit through the gateway, as `jadechain tx` commands do.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import click

from jadechain.cli.client_options import reports_client_errors, transaction, tx_options
from jadechain.cli.common import CommandError
from jadechain.contract.runtime import compile_contract
from jadechain.contract.sandbox import SandboxError, check_source
from jadechain.crypto import KeyPair, PublicKey, address_of
from jadechain.ledger.values import Text, Value
from jadechain.sdk import NEW, to_value

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def contract() -> None:
    """Python smart contracts: check locally (test), deploy, invoke.

    See docs/contracts.md for writing, testing and the sandbox rules.
    """


def _checked_source(file: Path) -> str:
    code = file.read_text(encoding="utf-8")
    try:
        compile_contract(code)
    except SandboxError as error:
        raise CommandError(f"{file}: {error}") from None
    return code


def contract_methods(code: str) -> dict[str, list[str]]:
    """Each class deriving from Contract and its @method names, from the source (checked)."""
    found: dict[str, list[str]] = {}
    for node in check_source(code).body:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(b, ast.Name) and b.id == "Contract" for b in node.bases):
            continue
        found[node.name] = [
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef)
            and any(isinstance(d, ast.Name) and d.id == "method" for d in item.decorator_list)
        ]
    return found


@contract.command("test")
@click.argument("file", type=_FILE)
def test_contract(file: Path) -> None:
    """Check FILE against the sandbox rules and list its methods (no network needed).

    Exit 0 if the contract would deploy; 2 with `FILE: line N: why` otherwise.
    """
    code = _checked_source(file)
    classes = contract_methods(code)
    if len(classes) != 1:
        raise CommandError(f"{file}: define one class deriving from Contract, found {len(classes)}")
    [(name, methods)] = classes.items()
    click.echo(f"ok {file}: contract {name}, methods: {', '.join(methods) or '(none)'}")


@contract.command("deploy")
@click.argument("file", type=_FILE)
@click.option("--public-key", metavar="B58", help="The contract's identity key (default: new).")
@click.option(
    "--upgrade-from",
    type=click.IntRange(min=0),
    metavar="VERSION",
    help="Upgrade the contract at --public-key, whose current version this is.",
)
@tx_options
@reports_client_errors
def deploy(file: Path, public_key: str | None, upgrade_from: int | None, as_json: bool) -> None:
    """Check FILE locally, then deploy it (or upgrade a contract with --upgrade-from)."""
    if upgrade_from is not None and public_key is None:
        raise CommandError("--upgrade-from needs the contract's --public-key")
    code = _checked_source(file)
    with transaction(as_json) as tx_:
        if public_key is not None:
            key = PublicKey.from_base58(public_key)
        else:
            key = KeyPair.generate(tx_.signer.algorithm).public
            tx_.notes.append(("public key", key.to_base58()))
        tx_.notes.append(("address", address_of(key)))
        tx_.builder.deploy_contract(key, code, NEW if upgrade_from is None else upgrade_from)


@contract.command("invoke")
@click.argument("address")
@click.argument("method")
@click.argument("args", nargs=-1)
@tx_options
@reports_client_errors
def invoke(address: str, method: str, args: tuple[str, ...], as_json: bool) -> None:
    """Call METHOD of the contract at ADDRESS with ARGS.

    Each argument is read as JSON when it parses (5, true, [1, 2], {"a": 1}, "quoted"), else
    as text: `invoke ADDR transfer BOB 30` passes the text BOB and the integer 30.
    """
    values = [parse_argument(arg, position) for position, arg in enumerate(args, 1)]
    with transaction(as_json) as tx_:
        tx_.builder.invoke_contract(address, method, *values)


@contract.command("freeze")
@click.argument("address")
@tx_options
@reports_client_errors
def freeze(address: str, as_json: bool) -> None:
    """Freeze the contract at ADDRESS: its invocations fail until it is unfrozen."""
    with transaction(as_json) as tx_:
        tx_.builder.freeze_contract(address)


@contract.command("unfreeze")
@click.argument("address")
@tx_options
@reports_client_errors
def unfreeze(address: str, as_json: bool) -> None:
    """Unfreeze the contract at ADDRESS."""
    with transaction(as_json) as tx_:
        tx_.builder.unfreeze_contract(address)


def parse_argument(text: str, position: int) -> Value:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return Text(text)
    try:
        return to_value(data)
    except ValueError as error:
        raise CommandError(f"argument {position}: {error}") from None
