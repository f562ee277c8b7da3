"""`jadechain net up|status|down`: a local dev/test network of N organisations on 127.0.0.1
(process management lives in `jadechain.ops`; the layout of DIR: docs/operations.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from jadechain.cli.client_options import print_table
from jadechain.cli.common import CommandError, json_option, print_json, reports_errors
from jadechain.ops.ceremony import CeremonyError
from jadechain.ops.manifest import NetError

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_DIR = Path("jadechain-net")
EXIT_FAILED = 1


class NetFailedError(CommandError):
    """The network could not be brought up or stopped: `error: ...`, exit code 1."""

    exit_code = EXIT_FAILED


def reports_net_errors(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except NetError as error:
            if error.details:
                click.echo(error.details, err=True)
            raise NetFailedError(str(error)) from None
        except CeremonyError as error:
            raise NetFailedError(str(error)) from None

    return reports_errors(wrapper)


def dir_option(function: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--dir",
        "root",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_DIR,
        show_default=True,
        help="The network's directory (keys, ledger stores, configs, logs, net.json).",
    )(function)


def progress(line: str) -> None:
    click.echo(f"  {line}", err=True)


@click.group()
def net() -> None:
    """A local dev/test network: N orgs' peers and a gateway as processes on 127.0.0.1."""


@net.command("up")
@click.option(
    "--orgs",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Number of organisations (one peer each).",
)
@click.option(
    "--consensus",
    type=click.Choice(["bft", "solo"]),
    default="bft",
    show_default=True,
    help=(
        "Consensus provider: bft (tolerates f of 3f+1 orgs failing) or solo (the first org "
        "orders every block; no fault tolerance)."
    ),
)
@click.option(
    "--crypto",
    type=click.Choice(["classic", "sm"]),
    default="classic",
    show_default=True,
    help="Crypto suite: classic (Ed25519, SHA-256) or sm (SM2, SM3).",
)
@dir_option
@click.option(
    "--gateway-port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="The gateway's port on 127.0.0.1.",
)
@click.option(
    "--view-change-timeout-ms",
    type=click.IntRange(50, 600_000),
    default=1000,
    show_default=True,
    help="BFT view-change timeout.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the processes and the first block.",
)
@reports_net_errors
def up(
    orgs: int,
    consensus: str,
    crypto: str,
    root: Path,
    gateway_port: int,
    view_change_timeout_ms: int,
    timeout_s: float,
) -> None:
    """Found (first run) or restart the network in DIR, start it and commit one transaction.

    The first run makes every key (UNENCRYPTED: for development and tests only), runs the
    ledger-init ceremony as the orgs would (each signs with its own key and founds its own
    store), writes the configs and starts the processes. Later runs restart the stopped network
    with its data; the founding options are then ignored."""
    from jadechain.ops.founding import NetSpec
    from jadechain.ops.network import up as network_up

    spec = NetSpec(orgs, consensus, crypto, gateway_port, view_change_timeout_ms)
    result = network_up(root, spec, progress, timeout_s)
    manifest = result.manifest
    click.echo(f"network up in {result.seconds:.1f} s")
    fields = [
        ("ledger", manifest.ledger),
        ("orgs", f"{len(manifest.orgs)} ({manifest.consensus}, {manifest.suite} suite)"),
        ("gateway", manifest.gateway_url),
        ("explorer", f"{manifest.gateway_url}/"),
        ("admin key", f"{root / manifest.admin_key} (unencrypted: dev/test only)"),
        ("block", str(result.height)),
    ]
    for name, value in fields:
        click.echo(f"  {name + ':':<10} {value}")
    click.echo(f"  stop it:   jadechain net down --dir {root}")


def _cell(value: Any) -> str:
    return "?" if value is None else str(value)


@net.command("status")
@dir_option
@json_option
@reports_net_errors
def status(root: Path, as_json: bool) -> None:
    """Each org's peer (process, API, height, certified height, view, leader, links) and the
    gateway; ? where a peer does not say (yet)."""
    from jadechain.ops.netstatus import status as network_status

    state = network_status(root)
    if as_json:
        print_json(state)
        return
    click.echo(f"ledger {state.ledger} ({state.consensus}, {state.suite} suite) in {state.dir}")
    headers = ["org", "pid", "process", "api", "height", "certified", "view", "leader", "peers"]
    rows = [
        [
            peer.name,
            _cell(peer.pid),
            "running" if peer.running else "stopped",
            peer.api_url if peer.reachable else f"{peer.api_url} (down)",
            _cell(peer.height),
            _cell(peer.certified_height),
            _cell(peer.view),
            _cell(peer.leader),
            "?" if peer.connected is None else ",".join(peer.connected) or "-",
        ]
        for peer in state.peers
    ]
    gateway = state.gateway
    process = "running" if gateway.running else "stopped"
    api = gateway.url if gateway.reachable else f"{gateway.url} (down)"
    rows.append(["gateway", _cell(gateway.pid), process, api, "", "", "", "", ""])
    print_table(headers, rows, "no processes")


@net.command("down")
@dir_option
@click.option("--purge", is_flag=True, help="Remove DIR (keys, ledgers, logs) after stopping.")
@reports_net_errors
def down(root: Path, purge: bool) -> None:
    """Stop every process of the network in DIR (SIGTERM, SIGKILL after 10 s); idempotent."""
    from jadechain.ops.network import down as network_down

    was_network = (root / "net.json").is_file()
    stopped = network_down(root, purge)
    click.echo(f"stopped {', '.join(stopped)}" if stopped else f"nothing running in {root}")
    if purge and was_network:
        click.echo(f"removed {root}")
