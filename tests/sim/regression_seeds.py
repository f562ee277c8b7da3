"""Seeds that once made a scenario in test_scenarios.py fail, kept so the bug stays fixed.

When `run_seeds` reports `replay with seed=NNN`, fix the bug, then add NNN under the scenario's
name here with a comment on what broke; each entry runs as its own parametrized test.
"""

REGRESSION_SEEDS: dict[str, list[int]] = {
    # 48, 52, 203: n1, behind a 90%-lossy link, delivered only 4-8 of 10 batches in 3.5 s: the toy
    # sequencer asked for missing heights every 50 ms and got 16 per answer; now every 20 ms, 64.
    "sequencer_lossy_link": [48, 52, 203],
    "sequencer_under_faults": [],
    "solo_crash_restart": [],
}

# Seeds of the BFT scenarios in test_bft.py, with what broke. None has failed yet: all 16
# scenarios passed their 200 seeds from their first full run.
BFT_REGRESSION_SEEDS: dict[str, list[int]] = {}
