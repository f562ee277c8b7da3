"""`jadechain peer run` and `jadechain gateway run`: a peer and a gateway as separate processes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from jadechain.cli.common import CommandError, reports_errors, run_server
from jadechain.node.config import (
    ConfigError,
    listen_address,
    load_gateway_config,
    load_peer_config,
    open_key_file,
    pipeline_settings,
    store_url,
)
from jadechain.storage import StorageError, StoreMissingError

if TYPE_CHECKING:
    from jadechain.crypto import KeyPair
    from jadechain.ledger.store import Ledger
    from jadechain.node.host import LedgerHost, PipelineSettings
    from jadechain.node.peering import Peering

CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="TOML configuration file (format: docs/architecture.md §12a and node/config.py).",
)


@click.group()
def peer() -> None:
    """Run a peer: it hosts ledgers and serves their API to gateways."""


@peer.command("run")
@CONFIG
@reports_errors
def peer_run(config_path: Path) -> None:
    """Host the configured ledgers and serve their API on `peer.listen`."""
    from jadechain.gateway.app import create_app
    from jadechain.gateway.hosting import HostedApp
    from jadechain.ledger.store import Ledger, LedgerError
    from jadechain.storage.factory import open_store

    try:
        config = load_peer_config(config_path)
        key = open_key_file(config_path, config.peer.key_file, config.peer.password_env)
        host_name, port = listen_address(config.peer.listen, config_path)
        urls = config.peer.ledgers
    except ConfigError as error:
        raise CommandError(str(error)) from None
    try:
        stores = [open_store(store_url(config_path, url), create=False) for url in urls]
        ledgers = [Ledger(store) for store in stores]
    except (StoreMissingError, LedgerError) as error:
        hint = "found the ledger there first: jadechain ledger init found SIGNED_INIT --store DIR"
        raise CommandError(f"{error}; {hint}") from None
    except (ConfigError, StorageError) as error:
        raise CommandError(str(error)) from None
    settings = pipeline_settings(config)
    try:
        hosts, peerings = _hosts(ledgers, key, settings)
    except ValueError as error:
        for store in stores:
            store.close()
        raise CommandError(str(error)) from None

    def stopped() -> None:
        for store in stores:
            store.close()
        click.echo("jadechain peer: stopped", err=True)

    from jadechain.node.peering import participants_of

    for host in hosts:
        others = len(participants_of(host.ledger)) - 1  # links connect once the server runs
        click.echo(
            f"jadechain peer: ledger {host.id.to_base58()} at height {host.ledger.height}, "
            f"consensus {host.network_status().provider}, {others} other participant(s)"
        )
    for peering in peerings:
        listen = peering.listen
        click.echo(f"  p2p: {listen[0]}:{listen[1]} as {peering.me}")
    click.echo(f"  peer API: http://{host_name}:{port}/api/v1 (for gateways)")
    app = HostedApp(create_app(hosts), hosts, on_stopped=stopped, services=peerings)
    run_server(app, host_name, port)


def _hosts(
    ledgers: list[Ledger], key: KeyPair, settings: PipelineSettings
) -> tuple[list[LedgerHost], list[Peering]]:
    """A host per ledger, with its consensus replica and, with other participants, its p2p."""
    from jadechain.node.consensus import make_replica
    from jadechain.node.host import LedgerHost
    from jadechain.node.peering import Peering, participants_of

    hosts: list[LedgerHost] = []
    peerings: list[Peering] = []
    for ledger in ledgers:
        participants = participants_of(ledger)
        replica = make_replica(ledger, key, participants)
        host = LedgerHost(ledger, key, settings, replica=replica)
        hosts.append(host)
        if len(participants) > 1:
            peerings.append(Peering(host, participants))
    return hosts, peerings


@click.group()
def gateway() -> None:
    """Run a gateway: the door for applications, in front of one or more peers."""


@gateway.command("run")
@CONFIG
@reports_errors
def gateway_run(config_path: Path) -> None:
    """Serve the REST API on `gateway.listen`, forwarding to the configured peers."""
    from jadechain.gateway.front import create_front

    try:
        config = load_gateway_config(config_path).gateway
        key = None
        if config.key_file:
            key = open_key_file(config_path, config.key_file, config.password_env)
        host_name, port = listen_address(config.listen, config_path)
    except ConfigError as error:
        raise CommandError(str(error)) from None
    app = create_front(
        config.peers,
        node_key=key,
        body_bytes_max=config.body_bytes_max,
        timeout_s=config.peer_timeout_s,
    )
    click.echo(
        f"jadechain gateway: http://{host_name}:{port}/ in front of {', '.join(config.peers)}"
    )
    run_server(app, host_name, port)
