"""`jadechain bench run` on a tiny load against each target: the runner works end to end and its
JSON has the documented shape. No timing is asserted (benchmarks are not tests): only that
something committed and that every transaction sent was committed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jadechain.cli.bench import bench

TINY = ["--duration", "2", "--warmup", "0.5", "--batch-size", "200", "--window", "4"]
TARGETS = {
    "ledger": ["--target", "ledger", "--store", "memory", "--rate", "1000"],
    "dev": ["--target", "dev", "--rate", "500"],
    "net": ["--target", "net", "--orgs", "4", "--consensus", "bft", "--txs", "4000"],
    "net-solo": ["--target", "net", "--orgs", "2", "--consensus", "solo", "--txs", "2000"],
}
PROCESSES = {
    "ledger": {"client+node"},
    "dev": {"dev", "client"},
    "net-solo": {"org1", "org2", "gateway", "client"},
}
TOP_KEYS = {
    "benchmark", "workload", "target", "via", "nodes", "consensus", "suite", "payload_bytes",
    "engine", "machine", "load", "results", "processes", "floor", "ratio_to_floor", "command",
}  # fmt: skip
LATENCY_KEYS = {"count", "p50", "p95", "p99", "max"}
FLOOR_KEYS = {
    "algorithm", "verify_per_s_all_cores", "cores", "verifications_per_tx",
    "signings_per_tx_not_counted", "floor_tx_per_s",
}  # fmt: skip


def _run(arguments: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(bench, ["run", *arguments, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last_line = result.stdout.strip().splitlines()[-1]
    parsed: dict[str, Any] = json.loads(last_line)
    return parsed


@pytest.mark.timeout(120)
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_tiny_run_commits_everything_it_sent(target: str) -> None:
    report = _run([*TARGETS[target], *TINY])
    assert set(report) == TOP_KEYS
    assert report["target"] == TARGETS[target][1]
    if target.startswith("net"):
        assert report["consensus"] == TARGETS[target][5]
        assert report["nodes"] == int(TARGETS[target][3])
    assert report["machine"]["cores"] >= 1
    assert report["machine"]["cpu"]
    results = report["results"]
    assert results["throughput_tx_per_s"] > 0
    assert results["sent"] > 0
    assert results["committed"] == results["sent"]
    assert (results["rejected"], results["uncommitted"]) == (0, 0)
    assert set(results["latency_ms"]) == LATENCY_KEYS
    assert results["latency_ms"]["count"] > 0
    assert results["latency_ms"]["p50"] <= results["latency_ms"]["p99"]
    assert set(report["floor"]) == FLOOR_KEYS
    assert report["floor"]["verifications_per_tx"] == report["nodes"]
    assert report["ratio_to_floor"] > 0
    names = {row["process"] for row in report["processes"]}
    expected = PROCESSES.get(target, {"org1", "org2", "org3", "org4", "gateway", "client"})
    assert names == expected
    assert all(row["cpu_s"] is not None for row in report["processes"])


def test_out_writes_the_json_under_bench_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    arguments = [*TARGETS["ledger"], *TINY, "--workload", "noop", "--out", "tiny.json"]
    result = CliRunner().invoke(bench, ["run", *arguments], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "bench-results" / "tiny.json").read_text())
    assert written["workload"] == "noop"
    assert written["payload_bytes"] == 0
    assert "throughput" in result.stdout
