"""`jadechain query` commands on ledger state: users, accounts, entries (with offline proof
checks), history, events, contracts, roles and proofs. `jadechain.cli.query` adds them to its
group.
"""

from __future__ import annotations

from typing import Any

import click

from jadechain.api import EntryView, ParticipantView
from jadechain.cli.client_options import (
    EXIT_FAILED,
    NotFound,
    Session,
    check_address,
    connect,
    format_value,
    print_fields,
    print_table,
    query_options,
    reports_client_errors,
)
from jadechain.cli.common import print_json
from jadechain.crypto import PublicKey
from jadechain.ledger.model import ParticipantState
from jadechain.sdk import verify_entry

LIMIT = click.IntRange(1, 1000)  # the gateway's largest page


class NotVerified(click.ClickException):
    """A proof that does not verify: `NOT VERIFIED: ...` on stderr, exit code 1."""

    exit_code = EXIT_FAILED

    def show(self, file: Any = None) -> None:
        click.echo(f"NOT VERIFIED: {self.format_message()}", err=True)


@click.command("user")
@click.argument("address")
@query_options
@reports_client_errors
def user(address: str, as_json: bool) -> None:
    """Show the user at ADDRESS: public key, state, roles and role policy."""
    with connect() as session:
        view = session.client.user(session.ledger, check_address(address))
    if as_json:
        print_json(view)
        return
    print_fields(
        [
            ("address", view.address),
            ("public key", view.public_key.to_base58()),
            ("state", view.state.value),
            ("roles", ", ".join(view.roles) or "none"),
            ("policy", view.policy.value),
        ]
    )


@click.command("account")
@click.argument("address")
@query_options
@reports_client_errors
def account(address: str, as_json: bool) -> None:
    """Show the account at ADDRESS: kind, identity key, owners and writer role."""
    with connect() as session:
        view = session.client.account(session.ledger, check_address(address))
    if as_json:
        print_json(view)
        return
    fields: list[tuple[str, object]] = [
        ("address", view.address),
        ("kind", view.kind.value),
        ("public key", view.public_key.to_base58()),
        ("owners", ", ".join(view.owners)),
        ("writer role", view.writer_role or "none"),
        ("frozen", "yes" if view.frozen else "no"),
    ]
    if view.contract_version >= 0:
        fields.append(("contract version", view.contract_version))
    print_fields(fields)


@click.command("entries")
@click.argument("account")
@click.option("--prefix", default="", help="Only keys that start with this text.")
@click.option("--limit", type=LIMIT, default=100, show_default=True, help="At most this many.")
@query_options
@reports_client_errors
def entries(account: str, prefix: str, limit: int, as_json: bool) -> None:
    """List the keys of data account ACCOUNT, in key order, with their latest versions."""
    with connect() as session:
        views = session.client.entries(session.ledger, check_address(account), prefix, limit)
    if as_json:
        print_json(views)
        return
    rows = [(v.key, v.version, format_value(v.value)) for v in views]
    print_table(("KEY", "VERSION", "VALUE"), rows, "no entries")


@click.command("entry")
@click.argument("account")
@click.argument("key")
@click.option("--version", type=click.IntRange(min=0), help="This version, not the latest.")
@click.option("--height", type=click.IntRange(min=0), help="As of the block at this height.")
@click.option(
    "--verify",
    is_flag=True,
    help="Fetch the entry's proof and its block's certificate and check them here, against "
    "the participants' keys (exit 1 if they do not verify).",
)
@click.option(
    "--trusted-key",
    "trusted_keys",
    multiple=True,
    metavar="B58",
    help="With --verify: trust this participant key (repeatable) instead of the keys of the "
    "ledger's active participants as the gateway reports them.",
)
@click.option(
    "--quorum",
    type=click.IntRange(min=1),
    help="With --verify: signatures needed. Default: 2f+1 of the n trusted keys, n = 3f+1.",
)
@query_options
@reports_client_errors
def entry(
    account: str,
    key: str,
    version: int | None,
    height: int | None,
    verify: bool,
    trusted_keys: tuple[str, ...],
    quorum: int | None,
    as_json: bool,
) -> None:
    """Show KEY of data account ACCOUNT: its latest version and value, or a given one."""
    check_address(account, "account address")
    trusted = [PublicKey.from_base58(text) for text in trusted_keys]
    with connect() as session:
        if verify:
            view, note = _verified(session, account, key, version, height, trusted, quorum)
        else:
            found = session.client.entry(session.ledger, account, key, version, height)
            if found is None:
                session.client.account(session.ledger, account)  # "no account" if that is why
                raise NotFound(_no_entry(account, key, version, height))
            view, note = found, ""
    if as_json:
        print_json(view)
        if note:
            click.echo(note, err=True)
        return
    print_fields(
        [("key", view.key), ("version", view.version), ("value", format_value(view.value))]
    )
    if note:
        click.echo(note)


def _no_entry(account: str, key: str, version: int | None, height: int | None) -> str:
    which = "" if version is None else f"version {version} of "
    when = "" if height is None else f" as of block {height}"
    return f"no {which}key {key!r} in account {account}{when}"


def _verified(
    session: Session,
    account: str,
    key: str,
    version: int | None,
    height: int | None,
    trusted: list[PublicKey],
    quorum: int | None,
) -> tuple[EntryView, str]:
    client, ledger_id = session.client, session.ledger
    proof = client.entry_proof(ledger_id, account, key, version, height)
    at = proof.header.height
    if not trusted:
        trusted = _participant_keys(client.ledger(ledger_id).participants)
    needed = quorum if quorum is not None else len(trusted) - (len(trusted) - 1) // 3
    if (proof.address, proof.key) != (account, key) or (
        version is not None and proof.version != version
    ):
        raise NotVerified(f"the gateway proved another entry than {key!r} of {account}")
    found = client.certificate(ledger_id, at)
    if not verify_entry(proof, found, trusted, needed, ledger=ledger_id):
        raise NotVerified(
            f"the proof of {key!r} in {account} at block {at} does not verify with "
            f"{needed} of {len(trusted)} trusted participant key(s)"
        )
    if proof.version < 0 or proof.value is None:
        raise NotFound(f"{_no_entry(account, key, version, height)} (absence verified)")
    note = f"verified at block {at} by {needed} of {len(trusted)} trusted participant key(s)"
    return EntryView(key, proof.version, proof.value), note


def _participant_keys(participants: list[ParticipantView]) -> list[PublicKey]:
    active = [p.public_key for p in participants if p.state is ParticipantState.ACTIVE]
    return active or [p.public_key for p in participants]


@click.command("history")
@click.argument("account")
@click.argument("key")
@click.option("--from", "start", type=click.IntRange(min=0), default=0, help="First version.")
@click.option("--limit", type=LIMIT, default=100, show_default=True, help="At most this many.")
@query_options
@reports_client_errors
def history(account: str, key: str, start: int, limit: int, as_json: bool) -> None:
    """List every version of KEY in data account ACCOUNT, oldest first."""
    with connect() as session:
        views = session.client.history(session.ledger, check_address(account), key, start, limit)
    if as_json:
        print_json(views)
        return
    rows = [(v.version, format_value(v.value)) for v in views]
    print_table(("VERSION", "VALUE"), rows, f"no versions of key {key!r}")


@click.command("events")
@click.argument("account")
@click.argument("topic")
@click.option("--from", "start", type=click.IntRange(min=0), default=0, help="First sequence.")
@click.option("--limit", type=LIMIT, default=100, show_default=True, help="At most this many.")
@query_options
@reports_client_errors
def events(account: str, topic: str, start: int, limit: int, as_json: bool) -> None:
    """List the events of TOPIC in event account ACCOUNT, from a sequence on."""
    with connect() as session:
        views = session.client.events(session.ledger, check_address(account), topic, start, limit)
    if as_json:
        print_json(views)
        return
    rows = [(v.sequence, format_value(v.content)) for v in views]
    print_table(("SEQUENCE", "CONTENT"), rows, f"no events on topic {topic!r}")


@click.command("contract")
@click.argument("address")
@query_options
@reports_client_errors
def contract(address: str, as_json: bool) -> None:
    """Show the contract at ADDRESS: its version and code."""
    with connect() as session:
        view = session.client.contract(session.ledger, check_address(address))
    if as_json:
        print_json(view)
        return
    frozen = "yes" if view.frozen else "no"
    print_fields([("address", view.address), ("version", view.version), ("frozen", frozen)])
    click.echo("code:")
    click.echo(view.code.rstrip("\n"))


@click.command("role")
@click.argument("name")
@query_options
@reports_client_errors
def role(name: str, as_json: bool) -> None:
    """Show role NAME and its permissions."""
    with connect() as session:
        view = session.client.role(session.ledger, name)
    if as_json:
        print_json(view)
        return
    print_fields(
        [
            ("name", view.name),
            ("ledger permissions", ", ".join(p.value for p in view.ledger_permissions) or "none"),
            ("tx permissions", ", ".join(p.value for p in view.transaction_permissions) or "none"),
        ]
    )


@click.command("proof")
@click.argument("account")
@click.argument("key")
@click.option("--version", type=click.IntRange(min=0), help="This version, not the latest.")
@click.option("--height", type=click.IntRange(min=0), help="As of the block at this height.")
@query_options
@reports_client_errors
def proof(account: str, key: str, version: int | None, height: int | None, as_json: bool) -> None:
    """Print the proof of KEY in ACCOUNT (or of its absence) as EntryProof JSON."""
    with connect() as session:
        found = session.client.entry_proof(
            session.ledger, check_address(account), key, version, height
        )
    print_json(found)  # JSON with or without --json: a proof is for machines


STATE_COMMANDS = (user, account, entries, entry, history, events, contract, role, proof)
