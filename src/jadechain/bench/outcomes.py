"""What the committed load transactions did: their result codes, in all and per operation.

A transaction that commits with a failure code (e.g. `contract_error` for insufficient funds in
the contract workloads) still counts as committed in the throughput: it was ordered, executed and
recorded like any other. This split tells such business failures apart from successes. The codes
are read from the committed blocks after the measured window (nothing here is timed).
"""

from __future__ import annotations

from collections import Counter

from jadechain.bench.workload_base import Workload


def split(
    workload: Workload, keys: list[list[str]], committed: set[str], codes: dict[str, str]
) -> dict[str, object]:
    """Codes of the committed transactions among `keys` (per batch, in index order): counts per
    code, and per operation kind (`workload.kind(index)`) then per code."""
    total: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    index = 0
    for batch in keys:
        for key in batch:
            if key in committed:
                code = codes.get(key, "unknown")
                total[code] += 1
                by_kind.setdefault(workload.kind(index), Counter())[code] += 1
            index += 1
    return {
        "codes": dict(sorted(total.items())),
        "by_operation": {kind: dict(sorted(c.items())) for kind, c in sorted(by_kind.items())},
    }
