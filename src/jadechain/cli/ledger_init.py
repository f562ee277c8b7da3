"""`jadechain ledger init draft|sign|combine|found` and `jadechain ledger verify`: the
multi-party ledger-init ceremony between organisations (see docs/operations.md)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from jadechain.cli.common import (
    CommandError,
    json_option,
    password_from_env,
    print_json,
    reports_errors,
)
from jadechain.crypto import KeyPair, PublicKey, address_of
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import genesis
from jadechain.ops import ceremony

P = ParamSpec("P")
R = TypeVar("R")

FILE = click.Path(dir_okay=False, path_type=Path)


def reports_ceremony_errors(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except ceremony.CeremonyError as error:
            raise CommandError(str(error)) from None

    return reports_errors(wrapper)


@click.group()
def ledger() -> None:
    """Found ledgers together with other organisations, and check what was founded."""


@ledger.group("init")
def init() -> None:
    """The ledger-init ceremony: draft, sign (each org), combine, found (each org)."""


# --- inputs --------------------------------------------------------------------------------------


def public_key_of(text: str) -> PublicKey:
    """A public key given as Base58 or as a key file (no password needed)."""
    if text.endswith(".json") or Path(text).is_file():
        return load(Path(text)).public
    return PublicKey.from_base58(text)


def parse_participant(text: str) -> genesis.ParticipantSpec:
    """NAME=KEY@HOST:PORT, KEY a Base58 public key or a key file."""
    name, equals, rest = text.partition("=")
    key, at, address = rest.rpartition("@")
    host, colon, port = address.rpartition(":")
    if not (equals and at and colon and name and key and host and port.isdigit()):
        raise CommandError(f"--participant must be NAME=KEY@HOST:PORT, got {text!r}")
    return genesis.ParticipantSpec(name, public_key_of(key), host, int(port))


def parse_settings(items: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CommandError(f"--setting must be KEY=VALUE, got {item!r}")
        settings[key] = value
    return settings


def open_signing_key(path: Path, password_env: str | None) -> KeyPair:
    keyfile = load(path)
    if not keyfile.encrypted:
        return open_key(keyfile, None)
    if password_env:
        return open_key(keyfile, password_from_env(password_env))
    if not sys.stdin.isatty():
        raise CommandError(f"{path} is encrypted: give --password-env VAR")
    return open_key(keyfile, str(click.prompt(f"Password for {path}", hide_input=True)))


def describe(document: genesis.InitDocument) -> None:
    click.echo(f"ledger:      {document.name} ({document.suite} suite)")
    settings = ", ".join(f"{k}={v}" for k, v in sorted(document.consensus_settings.items()))
    click.echo(f"consensus:   {document.consensus_provider} {settings}".rstrip())
    for spec in document.participants:
        address = address_of(spec.public_key)
        click.echo(f"participant: {spec.name} {address} p2p {spec.host}:{spec.port}")
    for user in document.users:
        click.echo(f"user:        {address_of(user.public_key)} roles {','.join(user.roles)}")
    click.echo(f"fingerprint: {ceremony.document_fingerprint(document)}")


# --- commands ------------------------------------------------------------------------------------


@init.command("draft")
@click.option("--name", required=True, help="The ledger's name.")
@click.option("--suite", type=click.Choice(["classic", "sm"]), default="classic", show_default=True)
@click.option("--consensus", type=click.Choice(["solo", "bft"]), default="bft", show_default=True)
@click.option(
    "--setting",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="A consensus setting, e.g. view_change_timeout_ms=1000 (repeatable).",
)
@click.option(
    "--participant",
    "participants",
    multiple=True,
    required=True,
    metavar="NAME=KEY@HOST:PORT",
    help="A founding organisation: its name, public key (Base58 or key file) and p2p "
    "address (repeatable, in order).",
)
@click.option(
    "--admin",
    required=True,
    metavar="KEY",
    help="The admin user's public key (Base58 or key file): ADMIN role, all permissions.",
)
@click.option("--out", type=FILE, default=Path("init.json"), show_default=True)
@reports_ceremony_errors
def draft(
    name: str,
    suite: str,
    consensus: str,
    settings: tuple[str, ...],
    participants: tuple[str, ...],
    admin: str,
    out: Path,
) -> None:
    """Draft the init document that every participant then signs."""
    specs = [parse_participant(text) for text in participants]
    document = ceremony.draft(
        name, suite, specs, public_key_of(admin), consensus, parse_settings(settings)
    )
    ceremony.write_file(out, document)
    describe(document)
    click.echo(f"wrote {out}: send it to every participant to sign")


@init.command("sign")
@click.argument("document_path", metavar="DOCUMENT", type=FILE)
@click.option(
    "--key", "key_path", type=FILE, required=True, help="This organisation's participant key file."
)
@click.option("--password-env", metavar="VAR", help="Read the key's password from VAR.")
@click.option("--out", type=FILE, help="Signature file. Default: PARTICIPANT.sig.json.")
@reports_ceremony_errors
def sign(document_path: Path, key_path: Path, password_env: str | None, out: Path | None) -> None:
    """Sign DOCUMENT as the participant holding --key (check what it says first)."""
    document = ceremony.read_document(document_path)
    keypair = open_signing_key(key_path, password_env)
    name = ceremony.participant_named(document, keypair.public)
    target = out or Path(f"{name}.sig.json")
    ceremony.write_file(target, ceremony.sign(document, keypair))
    describe(document)
    click.echo(f"signed as participant {name!r}: wrote {target}")


@init.command("combine")
@click.argument("document_path", metavar="DOCUMENT", type=FILE)
@click.argument("signature_paths", metavar="SIGNATURE...", type=FILE, nargs=-1, required=True)
@click.option("--out", type=FILE, default=Path("signed-init.json"), show_default=True)
@reports_ceremony_errors
def combine(document_path: Path, signature_paths: tuple[Path, ...], out: Path) -> None:
    """Combine DOCUMENT and every participant's signature file into the signed document."""
    document = ceremony.read_document(document_path)
    signatures = [ceremony.read_signature(path) for path in signature_paths]
    signed = ceremony.combine(document, signatures)
    ceremony.write_file(out, signed)
    click.echo(f"wrote {out}: signed by all {len(document.participants)} participants")
    click.echo(f"ledger id: {ceremony.ledger_id(signed).to_base58()}")


def _report(signed: genesis.SignedInitDocument, ledger_id: str, as_json: bool) -> None:
    if as_json:
        document = signed.document
        print_json(
            {
                "ledger": ledger_id,
                "name": document.name,
                "suite": document.suite,
                "consensus": document.consensus_provider,
                "fingerprint": ceremony.document_fingerprint(document),
                "participants": [spec.name for spec in document.participants],
            }
        )
    else:
        click.echo(f"ledger id: {ledger_id}")


@init.command("found")
@click.argument("signed_path", metavar="SIGNED", type=FILE)
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="New RocksDB directory for this organisation's ledger store.",
)
@json_option
@reports_ceremony_errors
def found(signed_path: Path, store: Path, as_json: bool) -> None:
    """Found this organisation's ledger store from the signed document; print the ledger id."""
    signed = ceremony.read_signed(signed_path)
    ledger_id = ceremony.found_store(signed, store)
    _report(signed, ledger_id.to_base58(), as_json)


@ledger.command("verify")
@click.argument("signed_path", metavar="SIGNED", type=FILE)
@json_option
@reports_ceremony_errors
def verify(signed_path: Path, as_json: bool) -> None:
    """Check a signed init document and print the ledger id it founds (nothing is stored)."""
    signed = ceremony.read_signed(signed_path)
    _report(signed, ceremony.ledger_id(signed).to_base58(), as_json)
