"""What every command shares: error reporting, JSON output, key directory and password options."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from jadechain.codec import CodecError, to_json
from jadechain.crypto.errors import CryptoError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2


class CommandError(click.ClickException):
    """A one-line reason for failing, printed as `error: ...` with exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def reports_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn input errors raised below the CLI into a one-line message and a non-zero exit."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (CryptoError, CodecError, OSError) as error:
            raise CommandError(str(error)) from None

    return wrapper


def default_home() -> Path:
    return Path(os.environ.get("JADECHAIN_HOME") or Path.home() / ".jadechain")


def key_dir_option(function: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--dir",
        "key_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Key directory (default: $JADECHAIN_HOME/keys, else ~/.jadechain/keys).",
    )(function)


def json_option(function: Callable[P, R]) -> Callable[P, R]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(
        function
    )


def resolve_key_dir(key_dir: Path | None) -> Path:
    return key_dir if key_dir is not None else default_home() / "keys"


def password_from_env(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise CommandError(f"environment variable {variable} is not set or empty")
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(to_json(value).decode() + "\n")


SHUTDOWN_GRACE_S = 5  # open streams get this long to end before a server stops


def run_server(app: Any, host: str, port: int) -> None:
    """Serve an ASGI app until SIGINT/SIGTERM; its lifespan shutdown runs on every clean exit."""
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )
