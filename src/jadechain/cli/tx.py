"""`jadechain tx`: submit one transaction per command through the SDK and report its outcome.

Accounts, entries, events and contracts are here; users, roles, participants and settings in
`tx_admin`. Every command signs with --key and waits for the block unless --no-wait.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import click

from jadechain.cli.client_options import (
    Session,
    check_address,
    reports_client_errors,
    transaction,
    tx_options,
)
from jadechain.cli.common import CommandError
from jadechain.cli.tx_admin import ADMIN_COMMANDS
from jadechain.crypto import KeyPair, PublicKey, address_of
from jadechain.ledger.values import Bool, Bytes, Int64, Json, Text, Timestamp, Value
from jadechain.sdk import NEW, to_value

VALUE_TYPES = ("text", "int64", "bytes", "bool", "json", "timestamp")
EVENTS_PAGE = 1000  # the gateway's largest page
_INTEGER = re.compile(r"[+-]?[0-9]+")
_PUBLIC_KEY_HELP = "The account's identity key (Base58). Default: a fresh key pair's."
_TYPE_HELP = (
    "Type of the value: int64 is an integer, bytes is hex, bool is true or false, json is "
    "JSON text, timestamp is epoch milliseconds or ISO 8601 with a zone."
)


@click.group()
def tx() -> None:
    """Submit transactions: one command, one operation, one transaction.

    Each command signs with --key (default: $JADECHAIN_KEY, else 'admin', found in
    ./.jadechain/keys when `jadechain dev` runs from here), submits to --gateway and waits
    until the transaction is in a block. It prints one line (status, code, tx hash, height), or
    the SubmitResult with --json.

    Exit status: 0 committed with code success (or queued, with --no-wait); 1 committed with a
    failure code (e.g. version_conflict), rejected, or not committed in time; 2 bad input or no
    answer from the gateway.
    """


for _command in ADMIN_COMMANDS:
    tx.add_command(_command)


def _identity(public_key: str | None, signer: KeyPair, notes: list[tuple[str, str]]) -> PublicKey:
    """The given public key, or a fresh key pair's (of the signer's algorithm); noted."""
    if public_key is not None:
        key = PublicKey.from_base58(public_key)
        notes.append(("address", address_of(key)))
    else:
        key = KeyPair.generate(signer.algorithm).public
        notes.extend([("address", address_of(key)), ("public key", key.to_base58())])
    return key


@tx.command("register-data-account")
@click.option("--public-key", metavar="B58", help=_PUBLIC_KEY_HELP)
@tx_options
@reports_client_errors
def register_data_account(public_key: str | None, as_json: bool) -> None:
    """Register a data account (versioned key-value entries) owned by the signer.

    Prints the account's address (on stderr with --json).
    """
    with transaction(as_json) as tx_:
        tx_.builder.register_data_account(_identity(public_key, tx_.signer, tx_.notes))


@tx.command("register-event-account")
@click.option("--public-key", metavar="B58", help=_PUBLIC_KEY_HELP)
@tx_options
@reports_client_errors
def register_event_account(public_key: str | None, as_json: bool) -> None:
    """Register an event account (topics of numbered events) owned by the signer.

    Prints the account's address (on stderr with --json).
    """
    with transaction(as_json) as tx_:
        tx_.builder.register_event_account(_identity(public_key, tx_.signer, tx_.notes))


@tx.command("set")
@click.argument("account")
@click.argument("key")
@click.argument("value")
@click.option(
    "--type",
    "value_type",
    type=click.Choice(VALUE_TYPES),
    default="text",
    show_default=True,
    help=_TYPE_HELP,
)
@click.option(
    "--version",
    type=click.IntRange(min=0),
    help="The key's current version: write only if it still is (else version_conflict).",
)
@click.option("--new", "new_key", is_flag=True, help="Write only if KEY does not exist yet.")
@tx_options
@reports_client_errors
def set_entry(
    account: str,
    key: str,
    value: str,
    value_type: str,
    version: int | None,
    new_key: bool,
    as_json: bool,
) -> None:
    """Write VALUE under KEY in data account ACCOUNT, as the key's next version.

    Without --version or --new, the key's current version is first read through the gateway
    and the next one written; should another writer get in between, the write fails with
    version_conflict (exit 1) and nothing is changed.
    """
    if version is not None and new_key:
        raise CommandError("give --version or --new, not both")
    check_address(account, "account address")
    typed = parse_value(value, value_type)
    with transaction(as_json) as tx_:
        expected = NEW if new_key else version
        if expected is None:
            current = tx_.session.client.entry(tx_.session.ledger, account, key)
            expected = NEW if current is None else current.version
        tx_.builder.set_entry(account, key, typed, expected)


@tx.command("publish")
@click.argument("account")
@click.argument("topic")
@click.argument("content")
@click.option(
    "--type",
    "value_type",
    type=click.Choice(VALUE_TYPES),
    default="text",
    show_default=True,
    help=_TYPE_HELP,
)
@click.option(
    "--sequence",
    type=click.IntRange(min=NEW),
    help="The topic's current sequence (its last event's; -1 for a new topic): publish only "
    "if it still is. Default: read it through the gateway and publish the next event.",
)
@tx_options
@reports_client_errors
def publish(
    account: str, topic: str, content: str, value_type: str, sequence: int | None, as_json: bool
) -> None:
    """Publish CONTENT as the next event of TOPIC in event account ACCOUNT."""
    check_address(account, "account address")
    typed = parse_value(content, value_type)
    with transaction(as_json) as tx_:
        expected = sequence if sequence is not None else _last_sequence(tx_.session, account, topic)
        tx_.builder.publish_event(account, topic, typed, expected)


def _last_sequence(session: Session, account: str, topic: str) -> int:
    """The topic's current sequence, paging through its events (-1 when it has none)."""
    last, start = NEW, 0
    while True:
        page = session.client.events(session.ledger, account, topic, start, EVENTS_PAGE)
        if page:
            last = page[-1].sequence
        if len(page) < EVENTS_PAGE:
            return last
        start = last + 1


@tx.command("deploy-contract")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    metavar="B58",
    help="The contract's identity key (Base58). Default for a new contract: a fresh key "
    "pair's; required with --upgrade-from.",
)
@click.option(
    "--upgrade-from",
    "upgrade_from",
    type=click.IntRange(min=0),
    metavar="VERSION",
    help="Upgrade the contract, whose current version this is, instead of deploying one.",
)
@tx_options
@reports_client_errors
def deploy_contract(
    file: Path, public_key: str | None, upgrade_from: int | None, as_json: bool
) -> None:
    """Deploy the contract whose Python source is FILE, or upgrade it with --upgrade-from."""
    if upgrade_from is not None and public_key is None:
        raise CommandError("--upgrade-from needs the contract's --public-key")
    code = file.read_text(encoding="utf-8")
    with transaction(as_json) as tx_:
        key = _identity(public_key, tx_.signer, tx_.notes)
        tx_.builder.deploy_contract(key, code, NEW if upgrade_from is None else upgrade_from)


@tx.command("invoke-contract")
@click.argument("address")
@click.argument("method")
@click.argument("args", nargs=-1)
@tx_options
@reports_client_errors
def invoke_contract(address: str, method: str, args: tuple[str, ...], as_json: bool) -> None:
    """Call METHOD of the contract at ADDRESS with ARGS, each a JSON literal.

    For example: 5 (int64), '"lot-7"' (text), true (bool), '{"a": 1}' (json). Prints the
    method's result after the summary.
    """
    values = [parse_literal(arg, position) for position, arg in enumerate(args, 1)]
    with transaction(as_json) as tx_:
        tx_.builder.invoke_contract(address, method, *values)


@tx.command("set-account-permission")
@click.argument("address")
@click.option("--add-owner", "add", multiple=True, metavar="ADDRESS", help="Add an owner.")
@click.option("--remove-owner", "remove", multiple=True, metavar="ADDRESS", help="Remove one.")
@click.option(
    "--writer-role",
    metavar="ROLE",
    help="Let holders of ROLE write to the account too ('' clears it).",
)
@tx_options
@reports_client_errors
def set_account_permission(
    address: str,
    add: tuple[str, ...],
    remove: tuple[str, ...],
    writer_role: str | None,
    as_json: bool,
) -> None:
    """Change the owners of the account at ADDRESS, or the role that may write to it."""
    if not add and not remove and writer_role is None:
        raise CommandError("nothing to change: give --add-owner, --remove-owner or --writer-role")
    with transaction(as_json) as tx_:
        tx_.builder.set_account_permission(address, add, remove, writer_role)


# --- typed values from the command line ----------------------------------------------------------


def parse_value(text: str, value_type: str) -> Value:
    """The typed value of command-line `text`; CommandError naming the type if it is not one."""
    try:
        return to_value(_parse(text, value_type))
    except ValueError as error:
        raise CommandError(f"bad {value_type} value {text[:80]!r}: {error}") from None


def _parse(text: str, value_type: str) -> Value:
    if value_type == "text":
        return Text(text)
    if value_type == "int64":
        if not _INTEGER.fullmatch(text.strip()):
            raise ValueError("not an integer")
        return Int64(int(text.strip()))
    if value_type == "bytes":
        try:
            return Bytes(bytes.fromhex(text.removeprefix("0x")))
        except ValueError:
            raise ValueError("not hex digits") from None
    if value_type == "bool":
        if text.strip().lower() not in {"true", "false"}:
            raise ValueError("give true or false")
        return Bool(text.strip().lower() == "true")
    if value_type == "json":
        try:
            return Json.of(json.loads(text))
        except json.JSONDecodeError as error:
            raise ValueError(str(error)) from None
    if value_type == "timestamp":
        return Timestamp(_milliseconds(text.strip()))
    raise ValueError(f"unknown type; one of {', '.join(VALUE_TYPES)}")


def _milliseconds(text: str) -> int:
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("neither epoch milliseconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError("an ISO 8601 time needs a zone, e.g. 2024-05-01T12:00:00Z")
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (moment - epoch) // datetime.timedelta(milliseconds=1)


def parse_literal(text: str, position: int) -> Value:
    """A contract argument from a JSON literal: 5, "x", true, [1, 2], {"a": 1}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise CommandError(
            f"argument {position} is not a JSON literal: {text[:80]!r} (quote text: '\"x\"')"
        ) from None
    try:
        return to_value(data)
    except ValueError as error:
        raise CommandError(f"argument {position}: {error}") from None
