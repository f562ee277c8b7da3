"""Running one scenario over many seeds.

A scenario is a function of the seed that builds a `Simulation`, runs it and checks it (raising
`AssertionError` on a violation). `run_seeds` stops at the first failing seed and says how to
replay it; keep such a seed in `tests/sim/regression_seeds.py` once the bug is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Scenario = Callable[[int], object]


def run_seeds(scenario: Scenario, seeds: Iterable[int]) -> int:
    """Run `scenario` on each seed in order; returns how many ran, all passing."""
    count = 0
    for seed in seeds:
        try:
            scenario(seed)
        except AssertionError as error:
            name = getattr(scenario, "__name__", repr(scenario))
            hint = f"replay with seed={seed}"
            message = f"scenario {name} failed on seed {seed} after {count} passing seeds: {error}"
            if hint not in message:
                message += f"\n{hint}"
            raise AssertionError(message) from error
        count += 1
    return count
