"""`jadechain keys`: create, list, show, export keys, and sign or verify with them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from jadechain.cli.common import (
    CommandError,
    json_option,
    key_dir_option,
    password_from_env,
    print_json,
    reports_errors,
    resolve_key_dir,
)
from jadechain.crypto import (
    SIGNATURE_NAMES,
    KeyPair,
    PublicKey,
    Signature,
    algorithm_from_name,
    sign,
    verify,
)
from jadechain.crypto.keyfile import KeyFile, KeyStore, open_key
from jadechain.crypto.pem import private_to_pem, public_to_pem

P = ParamSpec("P")
R = TypeVar("R")

MESSAGE_BYTES_MAX = 64 * 1024 * 1024  # files signed from the command line


@click.group()
def keys() -> None:
    """Create and manage key pairs (Ed25519, SM2, ECDSA P-256, secp256k1)."""


def _password_options(function: Callable[P, R]) -> Callable[P, R]:
    function = click.option(
        "--no-password",
        is_flag=True,
        help="Store the private key unencrypted (development only).",
    )(function)
    return click.option(
        "--password-env",
        metavar="VAR",
        help="Read the password from environment variable VAR.",
    )(function)


def _new_password(password_env: str | None, no_password: bool) -> str | None:
    if password_env and no_password:
        raise CommandError("give either --password-env or --no-password, not both")
    if no_password:
        return None
    if password_env:
        return password_from_env(password_env)
    if not sys.stdin.isatty():
        raise CommandError("no password: give --password-env VAR or --no-password")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _open(keyfile: KeyFile, password_env: str | None) -> KeyPair:
    if not keyfile.encrypted:
        return open_key(keyfile, None)
    if password_env:
        return open_key(keyfile, password_from_env(password_env))
    if not sys.stdin.isatty():
        raise CommandError(f"key {keyfile.name!r} is encrypted: give --password-env VAR")
    return open_key(keyfile, str(click.prompt("Password", hide_input=True)))


def _summary(keyfile: KeyFile, store: KeyStore) -> dict[str, object]:
    return {
        "name": keyfile.name,
        "algorithm": keyfile.algorithm,
        "public_key": keyfile.public_key,
        "address": keyfile.address,
        "encrypted": keyfile.encrypted,
        "file": str(store.path(keyfile.name)),
    }


@keys.command("new")
@click.argument("name")
@click.option(
    "--algo",
    "algorithm",
    type=click.Choice(SIGNATURE_NAMES, case_sensitive=False),
    default="ed25519",
    show_default=True,
    help="Signature algorithm of the new key.",
)
@key_dir_option
@_password_options
@json_option
@reports_errors
def new(
    name: str,
    algorithm: str,
    key_dir: Path | None,
    password_env: str | None,
    no_password: bool,
    as_json: bool,
) -> None:
    """Create a key pair NAME and save it encrypted in the key directory."""
    store = KeyStore(resolve_key_dir(key_dir))
    store.path(name)  # validates the name before asking for a password
    password = _new_password(password_env, no_password)
    keyfile = store.create(name, algorithm_from_name(algorithm), password)
    summary = _summary(keyfile, store)
    if as_json:
        print_json(summary)
    else:
        click.echo(f"created {keyfile.algorithm} key {name!r}")
        click.echo(f"address: {keyfile.address}")
        click.echo(f"file:    {summary['file']}")


@keys.command("list")
@key_dir_option
@json_option
@reports_errors
def list_keys(key_dir: Path | None, as_json: bool) -> None:
    """List the keys in the key directory."""
    store = KeyStore(resolve_key_dir(key_dir))
    summaries = [_summary(store.load(name), store) for name in store.names()]
    if as_json:
        print_json(summaries)
        return
    if not summaries:
        click.echo(f"no keys in {store.directory}")
    for item in summaries:
        click.echo(f"{item['name']:<20} {item['algorithm']:<11} {item['address']}")


@keys.command("show")
@click.argument("name")
@key_dir_option
@json_option
@reports_errors
def show(name: str, key_dir: Path | None, as_json: bool) -> None:
    """Show a key's algorithm, public key and address (no password needed)."""
    store = KeyStore(resolve_key_dir(key_dir))
    summary = _summary(store.load(name), store)
    if as_json:
        print_json(summary)
        return
    for field, value in summary.items():
        click.echo(f"{field + ':':<12} {value}")


@keys.command("export")
@click.argument("name")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["base58", "pem"]),
    default="base58",
    show_default=True,
    help="base58 (jadechain's self-describing form) or PEM (for OpenSSL).",
)
@click.option("--private", is_flag=True, help="Export the private key (asks for the password).")
@click.option("--password-env", metavar="VAR", help="Read the password from environment VAR.")
@key_dir_option
@reports_errors
def export(
    name: str, output_format: str, private: bool, password_env: str | None, key_dir: Path | None
) -> None:
    """Print a key's public key, or with --private its private key, as base58 or PEM."""
    keyfile = KeyStore(resolve_key_dir(key_dir)).load(name)
    if not private:
        public = keyfile.public
        click.echo(public.to_base58() if output_format == "base58" else public_to_pem(public))
        return
    keypair = _open(keyfile, password_env)
    if output_format == "base58":
        click.echo(keypair.private.to_base58())
    else:
        click.echo(private_to_pem(keypair.private).decode(), nl=False)


def _read_message(path: Path) -> bytes:
    if path == Path("-"):
        data = sys.stdin.buffer.read(MESSAGE_BYTES_MAX + 1)
    else:
        with path.open("rb") as handle:
            data = handle.read(MESSAGE_BYTES_MAX + 1)
    if len(data) > MESSAGE_BYTES_MAX:
        raise CommandError(f"message larger than {MESSAGE_BYTES_MAX} bytes")
    return data


@keys.command("sign")
@click.argument("name")
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path),
    required=True,
    help="Message file ('-' for stdin).",
)
@click.option("--password-env", metavar="VAR", help="Read the password from environment VAR.")
@click.option(
    "--der", is_flag=True, help="Print the signature as hex DER (ECDSA and SM2 only), for OpenSSL."
)
@key_dir_option
@reports_errors
def sign_command(
    name: str, path: Path, password_env: str | None, der: bool, key_dir: Path | None
) -> None:
    """Sign a file's bytes with key NAME and print the signature (base58)."""
    keypair = _open(KeyStore(resolve_key_dir(key_dir)).load(name), password_env)
    signature = sign(keypair.private, _read_message(path))
    if der:
        from jadechain.crypto.pem import signature_to_der

        click.echo(signature_to_der(signature).hex())
    else:
        click.echo(signature.to_base58())


@keys.command("verify")
@click.option("--public-key", required=True, help="Signer's public key (base58).")
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path),
    required=True,
    help="Message file ('-' for stdin).",
)
@click.option("--signature", "signature_text", required=True, help="Signature (base58).")
@reports_errors
def verify_command(public_key: str, path: Path, signature_text: str) -> None:
    """Check a signature; exit 0 if valid, 1 if not."""
    public = PublicKey.from_base58(public_key)
    signature = Signature.from_base58(signature_text)
    if verify(public, _read_message(path), signature):
        click.echo("valid")
        return
    click.echo("INVALID", err=True)
    sys.exit(1)
