"""`jadechain bench`: the benchmark runner. Figures go to docs/benchmarks.md, never into tests."""

from __future__ import annotations

import click

from jadechain.bench import crypto as crypto_bench
from jadechain.bench.environment import conditions
from jadechain.cli.common import json_option, print_json, reports_errors
from jadechain.crypto import SIGNATURE_NAMES, algorithm_from_name


@click.group()
def bench() -> None:
    """Measure throughput against the cost floor, with the conditions of the run."""


@bench.command("crypto")
@click.option(
    "--algo",
    "names",
    multiple=True,
    type=click.Choice(SIGNATURE_NAMES, case_sensitive=False),
    help="Algorithm to measure (repeatable; default: all).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(0.05, 60),
    default=1.0,
    show_default=True,
    help="Length of one timed round.",
)
@click.option(
    "--rounds",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="Timed rounds; the best is reported.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Verifier workers (default: every core).",
)
@click.option(
    "--mode",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Batch verifier workers: threads or processes.",
)
@json_option
@reports_errors
def crypto(
    names: tuple[str, ...],
    seconds: float,
    rounds: int,
    workers: int | None,
    mode: str,
    as_json: bool,
) -> None:
    """Sign/s and verify/s per algorithm, on one core and on all cores (batch verifier)."""
    algorithms = [algorithm_from_name(name) for name in names or SIGNATURE_NAMES]
    environment = conditions()
    progress = None if as_json else (lambda line: click.echo(line, err=True))
    figures = crypto_bench.run(algorithms, seconds, rounds, workers, mode, progress)
    if as_json:
        print_json(
            {
                "benchmark": "crypto",
                "conditions": environment,
                "figures": [f.as_dict() for f in figures],
            }
        )
        return
    click.echo(
        f"{environment['cpu']}, {environment['cores']} cores, Python {environment['python']}"
    )
    click.echo(
        f"{'algorithm':<11} {'sign/s':>9} {'verify/s 1 core':>16} "
        f"{'verify/s all':>13} {'speedup':>8}"
    )
    for f in figures:
        click.echo(
            f"{f.algorithm:<11} {f.sign_per_s:>9,.0f} {f.verify_per_s_one_core:>16,.0f} "
            f"{f.verify_per_s_all_cores:>13,.0f} {f.speedup:>7.2f}x"
        )


@bench.command("ledger")
@click.option(
    "--store",
    "store_name",
    type=click.Choice(["memory", "rocksdb"]),
    default="memory",
    show_default=True,
    help="Storage engine under the ledger.",
)
@click.option(
    "--blocks", type=click.IntRange(1, 1000), default=10, show_default=True, help="Blocks to apply."
)
@click.option(
    "--block-size",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="KV-write transactions per block.",
)
@click.option(
    "--existing",
    "existing",
    multiple=True,
    type=click.IntRange(0, 10_000_000),
    help="Keys already in the tree for the commitment figure (repeatable; default 10^5, 10^6).",
)
@click.option(
    "--changed",
    type=click.IntRange(1, 1_000_000),
    default=4000,
    show_default=True,
    help="Changed keys per commitment batch.",
)
@json_option
@reports_errors
def ledger(
    store_name: str,
    blocks: int,
    block_size: int,
    existing: tuple[int, ...],
    changed: int,
    as_json: bool,
) -> None:
    """Apply-block throughput (KV writes, signatures pre-verified) and state-commitment cost."""
    from jadechain.bench import ledger as ledger_bench

    environment = conditions()
    progress = None if as_json else (lambda line: click.echo(line, err=True))
    sizes = list(existing) or [100_000, 1_000_000]
    report = ledger_bench.run(store_name, blocks, block_size, sizes, changed, progress)
    if as_json:
        print_json({"benchmark": "ledger", "conditions": environment, **report})
        return
    apply = report["apply_block"]
    assert isinstance(apply, dict)
    click.echo(
        f"apply-block ({apply['store']}, {apply['transactions_per_block']} tx/block): "
        f"{apply['transactions_per_s']:,.0f} tx/s on one core; floor (Ed25519 verify, one core) "
        f"{apply['floor_verify_per_s']:,.0f}/s; ratio {apply['ratio_to_floor']}"
    )
    for figure in report["state_commitment"]:  # type: ignore[attr-defined]
        click.echo(
            f"state commitment: {figure['microseconds_per_changed_key']:.1f} µs per changed key "
            f"({figure['changed_keys']:,} changed, {figure['existing_keys']:,} existing)"
        )
