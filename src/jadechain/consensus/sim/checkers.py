"""Safety and liveness checkers over the deliveries of honest nodes.

Every failure is a `SimulationError`: an `AssertionError` whose message ends with the line
`replay with seed=NNN`, because a seed is all it takes to run the same failure again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


class SimulationError(AssertionError):
    """A broken property or a crashed replica, found by the run with `seed`."""

    def __init__(self, seed: int, what: str) -> None:
        super().__init__(f"{what} [seed={seed}]\nreplay with seed={seed}")
        self.seed = seed
        self.what = what


@dataclass(frozen=True, slots=True)
class Delivery:
    """Node `node`, in its `incarnation`-th life, delivered `batch` as `height` at `at_ms`."""

    node: str
    incarnation: int
    height: int
    batch: tuple[bytes, ...]
    time_ms: int
    at_ms: int

    def encode(self) -> bytes:
        """One line of the delivery log that the determinism tests compare byte for byte."""
        payload = b",".join(item.hex().encode() for item in self.batch)
        head = f"{self.at_ms} {self.node}#{self.incarnation} h={self.height} t={self.time_ms} "
        return head.encode() + payload + b"\n"


def check_safety(seed: int, logs: Mapping[str, Sequence[Delivery]], first_height: int = 1) -> None:
    """Honest nodes agree on every height; each node's heights run on from `first_height` with no
    gap or repeat (across restarts too) and its block times never go back."""
    decided: dict[int, Delivery] = {}
    for node, log in sorted(logs.items()):
        _check_node_log(seed, node, log, first_height)
        for delivery in log:
            earlier = decided.setdefault(delivery.height, delivery)
            if (earlier.batch, earlier.time_ms) != (delivery.batch, delivery.time_ms):
                raise SimulationError(
                    seed,
                    f"safety: at height {delivery.height} {earlier.node} delivered "
                    f"{_describe(earlier)} but {node} delivered {_describe(delivery)}",
                )


def check_liveness(
    seed: int,
    logs: Mapping[str, Sequence[Delivery]],
    nodes: Collection[str],
    *,
    after: int,
    batches: int,
    within_ms: int,
) -> None:
    """Every node in `nodes` delivers at least `batches` batches in [after, after + within_ms]."""
    deadline = after + within_ms
    for node in sorted(nodes):
        count = sum(1 for d in logs.get(node, ()) if after <= d.at_ms <= deadline)
        if count < batches:
            raise SimulationError(
                seed,
                f"liveness: {node} delivered {count} batches between t={after} and "
                f"t={deadline} ms, expected at least {batches}",
            )


def _check_node_log(seed: int, node: str, log: Sequence[Delivery], first_height: int) -> None:
    expected_height = first_height
    last_time_ms: int | None = None
    for delivery in log:
        if delivery.height != expected_height:
            raise SimulationError(
                seed,
                f"safety: {node} (life {delivery.incarnation}) delivered height "
                f"{delivery.height} at t={delivery.at_ms} ms, expected height {expected_height}",
            )
        if last_time_ms is not None and delivery.time_ms < last_time_ms:
            raise SimulationError(
                seed,
                f"safety: {node} block time went back at height {delivery.height}: "
                f"{delivery.time_ms} < {last_time_ms}",
            )
        expected_height += 1
        last_time_ms = delivery.time_ms


def _describe(delivery: Delivery) -> str:
    items = b" ".join(delivery.batch)[:60]
    return f"{items!r} (time {delivery.time_ms})"
