"""`jadechain query`: read ledgers, blocks, transactions and state through the SDK.

Human output is aligned `name: value` lines or small tables, values in their typed form
(`text: shipped`); --json prints the gateway's record as JSON (`codec.to_json`).
"""

from __future__ import annotations

import enum

import click
import msgspec

from jadechain.cli.client_options import (
    NotFound,
    connect,
    current_options,
    format_time,
    format_value,
    open_client,
    print_fields,
    print_table,
    query_options,
    reports_client_errors,
)
from jadechain.cli.common import print_json
from jadechain.cli.query_state import STATE_COMMANDS
from jadechain.crypto import Digest, PublicKey, address_of
from jadechain.ledger.values import Value
from jadechain.sdk.builder import ledger_digest

FIELD_CHARS_MAX = 64  # of one field in an operation's one-line description


@click.group()
def query() -> None:
    """Read a ledger through a gateway: blocks, transactions, users, accounts, entries, events.

    Exit status: 0 found; 1 not found (`not found: ...`), or a proof that does not verify;
    2 bad input or no answer from the gateway (`error: ...`).
    """


for _command in STATE_COMMANDS:
    query.add_command(_command)


@query.command("ledgers")
@query_options
@reports_client_errors
def ledgers(as_json: bool) -> None:
    """List the ledgers on the gateway (only the --ledger one if given)."""
    wanted = current_options().ledger
    with open_client() as client:
        found = client.ledgers()
    if wanted is not None:
        found = [s for s in found if s.id == ledger_digest(wanted)]
        if not found:
            raise NotFound(f"no ledger {wanted} on the gateway at {current_options().gateway}")
    if as_json:
        print_json(found)
        return
    rows = [(s.id.to_base58(), s.name, s.height) for s in found]
    print_table(("ID", "NAME", "HEIGHT"), rows, "no ledgers")


@query.command("ledger")
@query_options
@reports_client_errors
def ledger(as_json: bool) -> None:
    """Show the ledger: head, crypto suite, settings and participants."""
    with connect() as session:
        info = session.client.ledger(session.ledger)
    if as_json:
        print_json(info)
        return
    print_fields(
        [
            ("id", info.id.to_base58()),
            ("name", info.name),
            ("height", info.height),
            ("latest block", info.latest_block_hash.to_base58()),
            ("suite", info.suite),
            ("hash algorithm", info.hash_algorithm),
            ("signature algorithms", ", ".join(info.accepted_signature_algorithms)),
            ("consensus", info.consensus_provider),
            ("time window ms", info.time_window_ms),
        ]
    )
    click.echo("participants:")
    rows = [(p.name, p.state.value, p.address, p.public_key.to_base58()) for p in info.participants]
    print_table(("NAME", "STATE", "ADDRESS", "PUBLIC KEY"), rows, "none")


@query.command("block")
@click.argument("height", default="latest")
@query_options
@reports_client_errors
def block(height: str, as_json: bool) -> None:
    """Show the block at HEIGHT (default: latest): its header and transaction hashes."""
    number = None if height == "latest" else _height(height)
    with connect() as session:
        client = session.client
        view = (
            client.latest_block(session.ledger)
            if number is None
            else client.block(session.ledger, number)
        )
    if as_json:
        print_json(view)
        return
    header = view.header
    print_fields(
        [
            ("height", header.height),
            ("hash", view.hash.to_base58()),
            ("previous hash", _digest(header.previous_hash)),
            ("ledger", _digest(header.ledger)),
            ("time", format_time(header.time_ms)),
            ("transactions", f"{header.transaction_count} (total {header.total_transactions})"),
            ("transactions root", header.transactions_root.to_base58()),
            ("results root", header.results_root.to_base58()),
            ("state root", header.state_root.to_base58()),
            *[(f"tx {i}", h.to_base58()) for i, h in enumerate(view.transaction_hashes)],
        ]
    )


def _height(text: str) -> int:
    if not text.isdigit():
        raise click.BadParameter(f"{text!r} is neither a height nor 'latest'", param_hint="HEIGHT")
    return int(text)


def _digest(digest: Digest | None) -> str:
    return "none" if digest is None else digest.to_base58()


@query.command("block-txs")
@click.argument("height", type=click.IntRange(min=0))
@query_options
@reports_client_errors
def block_txs(height: int, as_json: bool) -> None:
    """List the transactions of the block at HEIGHT with their codes and operations."""
    with connect() as session:
        views = session.client.block_transactions(session.ledger, height)
    if as_json:
        print_json(views)
        return
    rows = [
        (
            v.result.index,
            v.hash.to_base58(),
            v.result.code.value,
            ", ".join(_tag(op) for op in v.transaction.content.operations),
        )
        for v in views
    ]
    print_table(("#", "HASH", "CODE", "OPERATIONS"), rows, f"no transactions in block {height}")


@query.command("certificate")
@click.argument("height", type=click.IntRange(min=0))
@query_options
@reports_client_errors
def certificate(height: int, as_json: bool) -> None:
    """Show the participants' signatures that certify the block at HEIGHT."""
    with connect() as session:
        found = session.client.certificate(session.ledger, height)
    if as_json:
        print_json(found)
        return
    print_fields([("height", found.height), ("block hash", found.block_hash.to_base58())])
    rows = [(address_of(s.public_key), s.public_key.to_base58()) for s in found.signatures]
    print_table(("SIGNER", "PUBLIC KEY"), rows, "no signatures")


@query.command("tx")
@click.argument("tx_hash", metavar="HASH")
@query_options
@reports_client_errors
def tx(tx_hash: str, as_json: bool) -> None:
    """Show the transaction HASH: its block, outcome, signers and operations."""
    with connect() as session:
        view = session.client.transaction(session.ledger, tx_hash)
    if as_json:
        print_json(view)
        return
    result, content = view.result, view.transaction.content
    fields: list[tuple[str, object]] = [
        ("hash", view.hash.to_base58()),
        ("block", f"{result.height} (index {result.index}, hash {view.block_hash.to_base58()})"),
        ("time", format_time(content.time_ms)),
        ("code", result.code.value),
    ]
    if result.message:
        fields.append(("message", result.message))
    signers = [address_of(s.public_key) for s in view.transaction.endpoint_signatures]
    fields.append(("signers", ", ".join(signers)))
    nodes = [address_of(s.public_key) for s in view.transaction.node_signatures]
    if nodes:
        fields.append(("endorsed by", ", ".join(nodes)))
    fields += [(f"operation {i}", _describe(op)) for i, op in enumerate(content.operations)]
    fields += [
        (f"result {i}", format_value(value))
        for i, value in enumerate(result.operation_results)
        if value is not None
    ]
    print_fields(fields)


# --- one-line descriptions of operations ---------------------------------------------------------


def _tag(record: msgspec.Struct) -> str:
    tag = type(record).__struct_config__.tag
    return str(tag) if tag is not None else type(record).__name__


def _describe(record: msgspec.Struct) -> str:
    """`set_entries account=... entries=[key=k value=(text: v) expected_version=-1]`."""
    parts = [_tag(record)] if type(record).__struct_config__.tag is not None else []
    for name in record.__struct_fields__:
        parts.append(f"{name}={_field(getattr(record, name))}")
    return " ".join(parts)


def _field(value: object) -> str:
    if isinstance(value, Value):
        return f"({format_value(value)})"
    if isinstance(value, list):
        return "[" + ", ".join(_field(item) for item in value) + "]"
    if isinstance(value, msgspec.Struct):
        return _describe(value)
    if isinstance(value, PublicKey | Digest):
        text = value.to_base58()
    elif isinstance(value, enum.Enum):
        text = str(value.value)
    else:
        text = "none" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= FIELD_CHARS_MAX else text[: FIELD_CHARS_MAX - 1] + "…"
