"""`jadechain bench run --workload transfer|smallbank` on a tiny in-process load: the contract
workloads deploy, open their accounts, commit every transaction they send, and report the split of
result codes. No timing is asserted (benchmarks are not tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from jadechain.cli.bench import bench

TINY = [
    "--target", "ledger", "--store", "memory", "--duration", "1", "--warmup", "0.5",
    "--batch-size", "200", "--txs", "2000", "--accounts", "20", "--initial-balance", "300",
]  # fmt: skip
OPERATIONS = {
    "transfer": {"transfer"},
    "smallbank": {
        "transact_savings", "deposit_checking", "send_payment", "write_check", "amalgamate"
    },
}  # fmt: skip


def _run(arguments: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(bench, ["run", *arguments, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workload", list(OPERATIONS))
def test_a_tiny_contract_run_reports_its_codes(workload: str) -> None:
    report = _run(["--workload", workload, *TINY])
    assert report["workload"] == workload
    assert report["payload_bytes"] == 0
    assert report["load"]["accounts"] == 20
    assert report["load"]["opening_balance"] == 300
    results = report["results"]
    assert results["throughput_tx_per_s"] > 0
    assert results["committed"] == results["sent"] == 2000
    assert (results["rejected"], results["uncommitted"]) == (0, 0)
    codes = results["codes"]
    assert set(codes) <= {"success", "contract_error"}
    assert sum(codes.values()) == results["committed"]
    by_operation = results["by_operation"]
    assert set(by_operation) <= OPERATIONS[workload]
    assert sum(sum(c.values()) for c in by_operation.values()) == results["committed"]
    assert report["ratio_to_floor"] > 0
