"""`jadechain dev`: one process with a solo ledger, the REST gateway and the explorer."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import click

from jadechain.cli.common import CommandError, reports_errors, run_server
from jadechain.node.devnet import DevError, DevLedger, open_dev
from jadechain.storage import StorageError


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is in use: give another --port"
                ) from None
            raise CommandError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def _serve(dev_ledger: DevLedger, host: str, port: int) -> None:
    from jadechain.gateway.app import create_app
    from jadechain.gateway.hosting import HostedApp
    from jadechain.node.host import LedgerHost, PipelineSettings

    def stopped() -> None:
        dev_ledger.close()
        click.echo("jadechain dev: stopped", err=True)

    settings = PipelineSettings(crypto_workers="process")  # ADR 0008
    ledger_host = LedgerHost(dev_ledger.ledger, dev_ledger.node_key, settings)
    app = create_app([ledger_host], node_key=dev_ledger.node_key)
    hosted = HostedApp(app, [ledger_host], on_stopped=stopped)
    run_server(hosted, host, port)


@click.command()
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".jadechain"),
    show_default=True,
    help="Directory of the dev ledger, its keys and its store (created on the first run).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port."
)
@click.option(
    "--crypto",
    type=click.Choice(["classic", "sm"]),
    default="classic",
    show_default=True,
    help="Crypto suite of a new ledger: classic (Ed25519, SHA-256) or sm (SM2, SM3).",
)
@reports_errors
def dev(data: Path, host: str, port: int, crypto: str) -> None:
    """Run a one-node development ledger with the REST gateway and the explorer.

    The first run founds a ledger in --data with an admin key (unencrypted: for development
    only); later runs reopen the same ledger and continue from its last block.
    """
    _check_port_free(host, port)
    try:
        dev_ledger = open_dev(data, crypto)
    except (DevError, StorageError) as error:
        raise CommandError(str(error)) from None
    ledger = dev_ledger.ledger
    state = "founded" if dev_ledger.founded else f"reopened at height {ledger.height}"
    click.echo(f"jadechain dev: ledger {ledger.id.to_base58()} ({state}, {crypto} suite)")
    click.echo(f"  REST API:  http://{host}:{port}/api/v1/ledgers")
    click.echo(f"  explorer:  http://{host}:{port}/")
    click.echo(f"  admin key: {dev_ledger.admin_key_file}")
    click.echo("  press Ctrl-C to stop", err=True)
    _serve(dev_ledger, host, port)
