"""The human table of a `bench run` result (the JSON object of `runner.report`)."""

from __future__ import annotations

from typing import Any


def _num(value: object, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float | int):
        return f"{value:,.0f}{unit}" if abs(value) >= 100 else f"{value:,.1f}{unit}"
    return str(value)


def lines(result: dict[str, Any]) -> list[str]:
    machine, load, res, floor = (
        result["machine"], result["load"], result["results"], result["floor"]
    )  # fmt: skip
    latency = res["latency_ms"]
    via = f" via {result['via']}" if result.get("via") else ""
    offered = _num(load["offered_tx_per_s"]) + " tx/s" if load["offered_tx_per_s"] else "max"
    out = [
        f"{result['workload']} ({result['payload_bytes']} B) on {result['target']}{via}: "
        f"{result['nodes']} node(s), {result['consensus']}, {result['suite']} suite, "
        f"{result['engine']}; {machine['cpu']}, {machine['cores']} cores",
        f"load: {load['mode']} loop, offered {offered}, {load['clients']} clients, "
        f"batches of {load['batch_size']}, {load['warmup_s']:g} s warm-up + "
        f"{res['window_s']:g} s measured",
        f"throughput  {_num(res['throughput_tx_per_s'])} tx/s committed "
        f"(sent {_num(res['sent_tx_per_s'])} tx/s)",
        f"latency     p50 {_num(latency['p50'])} ms, p95 {_num(latency['p95'])} ms, "
        f"p99 {_num(latency['p99'])} ms ({latency['count']:,} tx)",
        f"totals      sent {res['sent']:,}, committed {res['committed']:,}, rejected "
        f"{res['rejected']:,}, uncommitted {res['uncommitted']:,}, {res['blocks']:,} blocks",
        f"floor       {floor['algorithm']} {_num(floor['verify_per_s_all_cores'])} verify/s on "
        f"{floor['cores']} cores / {floor['verifications_per_tx']} per tx = "
        f"{_num(floor['floor_tx_per_s'])} tx/s; ratio {result['ratio_to_floor']:.2f}",
        f"{'process':<12} {'pid':>8} {'cpu s':>8} {'cores':>6} {'peak RSS MiB':>13}",
    ]
    for row in result["processes"]:
        out.append(
            f"{row['process']:<12} {row['pid']:>8} {_num(row['cpu_s']):>8} "
            f"{_num(row.get('cpu_cores')):>6} {_num(row['peak_rss_mib']):>13}"
        )
    out.extend(_codes(res))
    if res["supply_exhausted"]:
        out.append("note: the pre-signed supply ran out before the end; rerun with a larger --txs")
    if not res["warmup_excluded"]:
        out.append("note: the supply ran out during the warm-up: the window is the whole run")
    if res["rejected"]:
        out.append(f"note: first rejection: {res['first_rejection']}")
    return out


def _codes(res: dict[str, Any]) -> list[str]:
    """Result codes of the committed transactions: in all, and per operation if a mix."""

    def counts(codes: dict[str, int]) -> str:
        return ", ".join(f"{code} {count:,}" for code, count in codes.items()) or "-"

    out = [f"codes       {counts(res['codes'])}"]
    by_operation = res["by_operation"]
    if len(by_operation) > 1:
        out.extend(f"  {kind:<18} {counts(codes)}" for kind, codes in by_operation.items())
    return out
