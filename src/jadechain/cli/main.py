"""The `jadechain` command: one entry point, one subcommand group per area."""

from __future__ import annotations

import click

from jadechain import __version__
from jadechain.cli.bench import bench
from jadechain.cli.contract import contract
from jadechain.cli.dev import dev
from jadechain.cli.keys import keys
from jadechain.cli.ledger_init import ledger
from jadechain.cli.net import net
from jadechain.cli.query import query
from jadechain.cli.serve import gateway, peer
from jadechain.cli.tx import tx


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jadechain")
def main() -> None:
    """jadechain: an enterprise consortium blockchain framework."""


main.add_command(keys)
main.add_command(bench)
main.add_command(dev)
main.add_command(tx)
main.add_command(query)
main.add_command(peer)
main.add_command(gateway)
main.add_command(ledger)
main.add_command(net)
main.add_command(contract)
