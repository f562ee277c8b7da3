"""`jadechain bench scale` on a tiny ledger: the JSON shape, reads and proofs that check out, a
resumed load and a refused directory. No timing is asserted (benchmarks are not tests)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from jadechain.bench import scale
from jadechain.cli.bench import bench

SMALL = ["--entries-per-tx", "10", "--txs-per-block", "20", "--samples", "50", "--json"]


def _run(directory: Path, entries: int) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(
        bench, ["scale", "--entries", str(entries), "--dir", str(directory), *SMALL]
    )
    return result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else {}


def test_a_tiny_run_reports_disk_reads_and_proofs(tmp_path: Path) -> None:
    code, report = _run(tmp_path / "ledger", 2000)
    assert code == 0
    assert report["benchmark"] == "scale"
    assert report["ledger"] == {"entries": 2000, "height": 11}  # genesis, account, 10 blocks
    load = report["load"]
    assert isinstance(load, dict)
    assert load["resumed_from"] == 0
    assert load["loaded_now"] == 2000
    assert [point["entries"] for point in load["rate_by_size"]] == list(range(200, 2001, 200))
    disk = report["disk"]
    assert isinstance(disk, dict)
    assert disk["bytes_on_disk"] > 0
    assert disk["bytes_per_entry"] > 100
    latency = report["latency"]
    assert isinstance(latency, dict)
    assert latency["samples"] == 50
    assert latency["read"]["found"] == 50
    assert set(latency["read"]["cold"]) == {"p50_us", "p99_us"}
    proof = latency["proof"]
    assert proof["verified"] == 50
    assert proof["proof_bytes_p50"] > proof["header_bytes"] > 0
    for part in ("cold", "warm", "build_warm", "verify_warm", "tree_part_warm"):
        assert proof[part]["p99_us"] >= proof[part]["p50_us"] > 0
    assert isinstance(report["peak_rss_mib"], float)


def test_a_rerun_continues_from_the_stored_count(tmp_path: Path) -> None:
    directory = tmp_path / "ledger"
    assert _run(directory, 300)[0] == 0
    code, report = _run(directory, 500)
    assert code == 0
    assert report["load"]["resumed_from"] == 300  # type: ignore[index]
    assert report["ledger"]["entries"] == 500  # type: ignore[index]
    assert report["latency"]["proof"]["verified"] == 50  # type: ignore[index]


def test_a_non_empty_directory_that_is_not_a_scale_ledger_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(bench, ["scale", "--entries", "10", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert scale.STATE_FILE not in {p.name for p in tmp_path.iterdir()}
