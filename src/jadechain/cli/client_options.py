"""What `jadechain tx` and `jadechain query` share: gateway, ledger and key options, the client
session, error mapping (exit 2 for bad input, 1 for "not found"), submitting and output.

The options are remembered in the click context (`ClientOptions`) rather than passed to every
command function, so each command's signature holds only its own arguments.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from jadechain.api import SubmitResult, SubmitStatus
from jadechain.cli.common import CommandError, json_option, password_from_env, print_json
from jadechain.crypto import Digest, KeyPair, WrongPasswordError, is_address
from jadechain.ledger.model import TxCode
from jadechain.ledger.values import Bool, Bytes, Int64, Text, Timestamp, Value
from jadechain.sdk import (
    Client,
    GatewayUnreachableError,
    JadechainError,
    TxBuilder,
    default_key_dir,
    load_keypair,
)
from jadechain.sdk.builder import ledger_digest

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_GATEWAY = "http://127.0.0.1:8080"
DEFAULT_KEY = "admin"
DEV_KEY_DIR = Path(".jadechain") / "keys"  # the key directory of `jadechain dev`
NET_KEY_DIR = Path("jadechain-net") / "keys"  # the key directory of `jadechain net up`
TIMEOUT_SECONDS = 60.0  # above the gateway's own 30 s wait for a commit
EXIT_FAILED = 1
_META = "jadechain.cli.client_options"


class NotFound(click.ClickException):
    """The gateway has no such record: `not found: ...` on stderr, exit code 1."""

    exit_code = EXIT_FAILED

    def show(self, file: Any = None) -> None:
        click.echo(f"not found: {self.format_message()}", err=True)


@dataclass
class ClientOptions:
    gateway: str = DEFAULT_GATEWAY
    ledger: str | None = None
    signer_key: str = DEFAULT_KEY
    key_dir: Path | None = None
    password_env: str | None = None
    no_wait: bool = False


def current_options() -> ClientOptions:
    meta = click.get_current_context().meta
    options = meta.get(_META)
    if not isinstance(options, ClientOptions):
        options = meta[_META] = ClientOptions()
    return options


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    options = ctx.meta.get(_META)
    if not isinstance(options, ClientOptions):
        options = ctx.meta[_META] = ClientOptions()
    if value is not None and param.name is not None:
        setattr(options, param.name, value)
    return value


def _option(*names: str, **settings: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return click.option(*names, expose_value=False, callback=_remember, **settings)


def gateway_options(function: Callable[P, R]) -> Callable[P, R]:
    """--gateway and --ledger (the command reads them through `connect()`)."""
    function = _option(
        "--ledger",
        "ledger",
        metavar="ID",
        envvar="JADECHAIN_LEDGER",
        help="Ledger id (Base58). Default: $JADECHAIN_LEDGER, else the gateway's only ledger.",
    )(function)
    return _option(
        "--gateway",
        "gateway",
        metavar="URL",
        envvar="JADECHAIN_GATEWAY",
        default=DEFAULT_GATEWAY,
        help=f"Gateway URL. Default: $JADECHAIN_GATEWAY, else {DEFAULT_GATEWAY}.",
    )(function)


def signer_options(function: Callable[P, R]) -> Callable[P, R]:
    """--key, --dir, --password-env and --no-wait (read through `load_signer()`, `submit()`)."""
    function = _option(
        "--no-wait",
        "no_wait",
        is_flag=True,
        default=False,
        help="Return once the gateway has queued the transaction, not once it is in a block.",
    )(function)
    function = _option(
        "--password-env",
        "password_env",
        metavar="VAR",
        help="Read the key's password from environment variable VAR (else prompt on a terminal).",
    )(function)
    function = _option(
        "--dir",
        "key_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Key directory. Default: ./.jadechain/keys if it exists (the `jadechain dev` "
        "ledger's), else ./jadechain-net/keys (`jadechain net up`'s), else "
        "$JADECHAIN_HOME/keys (~/.jadechain/keys).",
    )(function)
    return _option(
        "--key",
        "signer_key",
        metavar="NAME_OR_PATH",
        envvar="JADECHAIN_KEY",
        default=DEFAULT_KEY,
        help=f"Signing key: a name in the key directory or a key file path. "
        f"Default: $JADECHAIN_KEY, else {DEFAULT_KEY!r}.",
    )(function)


def tx_options(function: Callable[P, R]) -> Callable[P, R]:
    """The options of every `tx` command: gateway, ledger, signing key, --no-wait, --json."""
    return gateway_options(signer_options(json_option(function)))


def query_options(function: Callable[P, R]) -> Callable[P, R]:
    """The options of every `query` command: --gateway, --ledger, --json."""
    return gateway_options(json_option(function))


# --- errors --------------------------------------------------------------------------------------


def reports_client_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Bad input and gateway errors as one line and an exit code: 2 (`error: ...`) for bad
    input and an unreachable or failing gateway, 1 (`not found: ...`) for a missing record."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except GatewayUnreachableError as error:
            reason = error.message.removeprefix(f"cannot reach the gateway at {error.url}: ")
            gateway = current_options().gateway
            raise CommandError(f"cannot reach the gateway at {gateway}: {reason}") from None
        except JadechainError as error:
            if error.status == 404:
                raise NotFound(error.message) from None
            if error.status == 400:
                raise CommandError(error.message) from None
            raise CommandError(
                f"the gateway answered {error.status} {error.code}: {error.message}"
            ) from None
        except (ValueError, OSError) as error:  # CryptoError and CodecError are ValueErrors
            raise CommandError(str(error) or type(error).__name__) from None

    return wrapper


# --- the session ---------------------------------------------------------------------------------


@dataclass
class Session:
    client: Client
    ledger: Digest
    gateway: str


@contextmanager
def open_client() -> Iterator[Client]:
    """A client of --gateway (closed at the end of the block)."""
    try:
        client = Client(current_options().gateway, timeout=TIMEOUT_SECONDS)
    except ValueError as error:
        raise CommandError(str(error)) from None
    with client:
        yield client


@contextmanager
def connect() -> Iterator[Session]:
    """A client of --gateway and the ledger chosen by --ledger (checked to be on the gateway)."""
    options = current_options()
    if options.ledger is not None:
        ledger_digest(options.ledger)  # a malformed id is bad input before any request
    with open_client() as client:
        yield Session(client, _ledger(client, options), options.gateway)


def _ledger(client: Client, options: ClientOptions) -> Digest:
    summaries = client.ledgers()
    ids = ", ".join(s.id.to_base58() for s in summaries)
    if options.ledger is None:
        if len(summaries) == 1:
            return summaries[0].id
        if not summaries:
            raise CommandError(f"the gateway at {options.gateway} hosts no ledger")
        raise CommandError(
            f"the gateway at {options.gateway} hosts {len(summaries)} ledgers: "
            f"give --ledger ID (or set JADECHAIN_LEDGER), one of {ids}"
        )
    wanted = ledger_digest(options.ledger)
    if any(s.id == wanted for s in summaries):
        return wanted
    raise CommandError(
        f"no ledger {options.ledger} on the gateway at {options.gateway} (it has: {ids or 'none'})"
    )


def key_dir() -> Path:
    options = current_options()
    if options.key_dir is not None:
        return options.key_dir
    for local in (DEV_KEY_DIR, NET_KEY_DIR):
        if local.is_dir():
            return local
    return default_key_dir()


def load_signer() -> KeyPair:
    """The --key key pair, opened with --password-env, or a prompt on a terminal."""
    options = current_options()
    password = password_from_env(options.password_env) if options.password_env else None
    try:
        return load_keypair(options.signer_key, password, key_dir())
    except WrongPasswordError as error:
        if password is not None:
            raise
        if not sys.stdin.isatty():
            raise CommandError(f"{error}: give --password-env VAR") from None
    password = str(click.prompt(f"Password for key {options.signer_key!r}", hide_input=True))
    return load_keypair(options.signer_key, password, key_dir())


@dataclass
class Transaction:
    """One transaction being put together by a `tx` command: add operations to `builder`;
    `notes` are printed before the summary (on stderr with --json)."""

    session: Session
    builder: TxBuilder
    signer: KeyPair
    notes: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def transaction(as_json: bool) -> Iterator[Transaction]:
    """Open the signing key and the session, let the command build, then sign and submit.

    Exit 0 when committed with code success (or queued, with --no-wait); exit 1 when committed
    with a failure code, rejected, or not yet committed when the gateway stopped waiting."""
    signer = load_signer()
    with connect() as session:
        tx = Transaction(session, TxBuilder(session.ledger), signer)
        yield tx
        signed = tx.builder.sign(signer)
        wait = not current_options().no_wait
        result = session.client.submit(session.ledger, signed, wait=wait)
    if as_json:
        for name, value in tx.notes:
            click.echo(f"{name}: {value}", err=True)
        print_json(result)
    else:
        print_fields(tx.notes)
        for line in summary(result):
            click.echo(line)
    committed = result.status is SubmitStatus.COMMITTED
    if committed and result.result is not None and result.result.code is TxCode.SUCCESS:
        return
    if result.status is SubmitStatus.ACCEPTED and not wait:
        return
    raise click.exceptions.Exit(EXIT_FAILED)


def summary(result: SubmitResult) -> list[str]:
    """`committed success tx=HASH height=N`, then any operation results."""
    tx_hash = result.tx_hash.to_base58()
    if result.status is SubmitStatus.REJECTED:
        return [f"rejected tx={tx_hash}: {result.reason}"]
    if result.status is SubmitStatus.ACCEPTED or result.result is None:
        return [f"accepted tx={tx_hash} (not in a block yet: see `jadechain query tx {tx_hash}`)"]
    outcome = result.result
    line = f"committed {outcome.code.value} tx={tx_hash} height={outcome.height}"
    lines = [f"{line}: {outcome.message}" if outcome.message else line]
    results = outcome.operation_results
    for index, value in enumerate(results):
        if value is not None:
            name = "result" if len(results) == 1 else f"result[{index}]"
            lines.append(f"{name}: {format_value(value)}")
    return lines


def check_address(text: str, what: str = "address") -> str:
    if not is_address(text):
        raise CommandError(f"not an {what}: {text[:80]!r}")
    return text


# --- output --------------------------------------------------------------------------------------


def format_time(ms: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return str(ms)
    return f"{ms} ({moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')})"


def format_value(value: Value | None) -> str:
    """A value as its type and content: `text: shipped`, `int64: 5`, `bytes: 00ff`."""
    if value is None:
        return "none"
    if isinstance(value, Bool):
        return f"bool: {'true' if value.value else 'false'}"
    if isinstance(value, Bytes):
        return f"bytes: {value.value.hex()}"
    if isinstance(value, Timestamp):
        return f"timestamp: {format_time(value.value)}"
    if isinstance(value, Text):
        return f"text: {value.value}"
    if isinstance(value, Int64):
        return f"int64: {value.value}"
    return f"json: {value.value}"


def print_fields(fields: Sequence[tuple[str, object]]) -> None:
    """Aligned `name: value` lines."""
    width = max((len(name) for name, _ in fields), default=0) + 1
    for name, value in fields:
        click.echo(f"{name + ':':<{width}} {value}")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> None:
    """A small table with aligned columns (the last one unpadded), or `empty` when no rows."""
    if not rows:
        click.echo(empty)
        return
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers) - 1)]
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*padded, row[-1]]).rstrip())
