"""`jadechain bench`: the benchmark runner. Figures go to docs/benchmarks.md, never into tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from jadechain.bench import crypto as crypto_bench
from jadechain.bench.environment import conditions
from jadechain.cli.common import json_option, print_json, reports_errors
from jadechain.crypto import SIGNATURE_NAMES, algorithm_from_name

RESULTS_DIR = "bench-results"


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


@bench.command("run")
@click.option(
    "--workload",
    type=click.Choice(["kv-write", "noop", "transfer", "smallbank"]),
    default="kv-write",
    show_default=True,
    help="Transaction mix; transfer and smallbank go through contracts.",
)
@click.option(
    "--target",
    type=click.Choice(["ledger", "dev", "net"]),
    default="ledger",
    show_default=True,
    help="In-process ledger, `jadechain dev`, or a `net up` network.",
)
@click.option(
    "--orgs",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="net: organisations (one peer each).",
)
@click.option(
    "--consensus",
    type=click.Choice(["bft", "solo"]),
    default="bft",
    show_default=True,
    help="net: consensus provider.",
)
@click.option(
    "--crypto",
    "suite",
    type=click.Choice(["classic", "sm"]),
    default="classic",
    show_default=True,
    help="Crypto suite: classic (Ed25519, SHA-256) or sm (SM2, SM3).",
)
@click.option(
    "--value-bytes",
    type=click.IntRange(0, 1 << 20),
    default=100,
    show_default=True,
    help="kv-write: bytes per value.",
)
@click.option(
    "--keys",
    type=click.IntRange(1, 1 << 40),
    default=1_000_000,
    show_default=True,
    help="kv-write: key space.",
)
@click.option(
    "--accounts",
    type=click.IntRange(2, 10_000_000),
    default=1_000,
    show_default=True,
    help="transfer, smallbank: accounts opened in the setup.",
)
@click.option(
    "--initial-balance",
    type=click.IntRange(1, 1 << 40),
    default=None,
    help="transfer, smallbank: opening balance [transfer 10,000; smallbank 1,000,000 each in "
    "checking and savings].",
)
@click.option(
    "--rate",
    type=click.FloatRange(1, 1e7),
    default=None,
    help="Open loop: offered tx/s. Without it, a closed loop finds the maximum.",
)
@click.option("--closed", is_flag=True, help="Closed loop (the default without --rate).")
@click.option(
    "--clients",
    type=click.IntRange(1, 256),
    default=4,
    show_default=True,
    help="Concurrent client tasks sending batches.",
)
@click.option(
    "--window",
    type=click.IntRange(1, 1024),
    default=8,
    show_default=True,
    help="Closed loop: batches sent and not yet committed, at most.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=500,
    show_default=True,
    help="Transactions per POST /txs/batch.",
)
@click.option(
    "--duration",
    type=click.FloatRange(0.5, 80),
    default=10.0,
    show_default=True,
    help="Measured seconds.",
)
@click.option(
    "--warmup",
    type=click.FloatRange(0, 60),
    default=2.0,
    show_default=True,
    help="Seconds sent before the measured window.",
)
@click.option(
    "--txs",
    type=click.IntRange(1, 10_000_000),
    default=None,
    help="Pre-signed transactions (default: enough for the run; closed loop: a guess).",
)
@click.option(
    "--store",
    type=click.Choice(["rocksdb", "memory"]),
    default="rocksdb",
    show_default=True,
    help="ledger target: storage engine.",
)
@click.option(
    "--via",
    type=click.Choice(["peers", "gateway"]),
    default="peers",
    show_default=True,
    help="net: send to the peers' APIs round-robin, or the gateway.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON result to this file (under bench-results/).",
)
@json_option
@reports_errors
def run(
    workload: str,
    target: str,
    orgs: int,
    consensus: str,
    suite: str,
    value_bytes: int,
    keys: int,
    accounts: int,
    initial_balance: int | None,
    rate: float | None,
    closed: bool,
    clients: int,
    window: int,
    batch_size: int,
    duration: float,
    warmup: float,
    txs: int | None,
    store: str,
    via: str,
    out: Path | None,
    as_json: bool,
) -> None:
    """Drive a workload against a target; throughput, commit latency, resources and the floor."""
    from jadechain.bench import report as run_report
    from jadechain.bench import runner
    from jadechain.bench.load import LoadSpec
    from jadechain.bench.targets import TargetSpec

    if closed and rate is not None:
        raise click.UsageError("--closed and --rate exclude each other")
    spec = runner.RunSpec(
        workload,
        TargetSpec(target, suite, orgs, consensus, store, via),
        LoadSpec(rate, clients, window, warmup, duration),
        value_bytes,
        keys,
        batch_size,
        txs,
        accounts=accounts,
        balance=initial_balance or 0,
    )
    result = runner.run(spec, progress, ["jadechain", "bench", *sys.argv[2:]])
    if out is not None:
        out = _results_path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        progress(f"wrote {out}")
    if as_json:
        print_json(result)
        return
    for line in run_report.lines(result):
        click.echo(line)


@bench.command("scale")
@click.option(
    "--entries",
    type=click.IntRange(1, 1_000_000_000),
    default=10_000_000,
    show_default=True,
    help="Entries in the ledger at the end of the load.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="A new or empty directory (or one a previous scale run left: the load continues).",
)
@click.option("--value-bytes", type=click.IntRange(1, 1 << 16), default=100, show_default=True)
@click.option("--entries-per-tx", type=click.IntRange(1, 4096), default=100, show_default=True)
@click.option("--txs-per-block", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(1, 1_000_000),
    default=1000,
    show_default=True,
    help="Random keys read and proved.",
)
@json_option
@reports_errors
def scale(
    entries: int,
    directory: Path,
    value_bytes: int,
    entries_per_tx: int,
    txs_per_block: int,
    samples: int,
    as_json: bool,
) -> None:
    """Load N entries into one RocksDB ledger; bytes per entry, read and proof latency."""
    from jadechain.bench import scale as scale_bench

    spec = scale_bench.ScaleSpec(
        entries, directory, value_bytes, entries_per_tx, txs_per_block, samples
    )
    environment = conditions()
    try:
        report = scale_bench.run(spec, progress)
    except scale_bench.ScaleError as error:
        raise click.ClickException(str(error)) from None
    result = {"benchmark": "scale", "conditions": environment, **report}
    if as_json:
        print_json(result)
        return
    click.echo(json.dumps(result, indent=2))


def progress(line: str) -> None:
    click.echo(line, err=True)


def _results_path(out: Path) -> Path:
    """`--out` lands under bench-results/ unless it already names a path there."""
    if out.is_absolute() or (out.parts and out.parts[0] == RESULTS_DIR):
        return out
    return Path(RESULTS_DIR) / out
